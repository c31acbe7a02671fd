/** The maintenance actions, one planner per `maintain` subcommand. */
export { planDb, planStats } from './db.js';
