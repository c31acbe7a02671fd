import authentication from './authentication.js';
import dangerousCommands from './dangerous-commands.js';
import expiredKeys from './expired-keys.js';
import largestKeys from './largest-keys.js';
import ping from './ping.js';
import protectedMode from './protected-mode.js';
import tls from './tls.js';

export const redisChecks = [ping, protectedMode, authentication, dangerousCommands, tls, expiredKeys, largestKeys];
