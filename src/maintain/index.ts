/** The maintenance actions, one planner per `maintain` subcommand. */
export { planDb, planStats } from './db.js';
export { planIndexes } from './indexes.js';
export { planCache } from './cache.js';
export { planLogs } from './logs.js';
export { planTmp } from './tmp.js';
