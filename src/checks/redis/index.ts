import ping from './ping.js';

export const redisChecks = [ping];
