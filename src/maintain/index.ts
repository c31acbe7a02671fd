/** The maintenance actions, one planner per `maintain` subcommand. */
export { planDb, planStats } from './db.js';
export { planIndexes } from './indexes.js';
