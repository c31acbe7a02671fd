import errorRate from './error-rate.js';

export const logsChecks = [errorRate];
