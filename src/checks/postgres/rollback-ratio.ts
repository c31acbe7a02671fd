import { defineCheck } from '../../engine/check.js';
import { roundToward } from '../../engine/units.js';
import { sinceLastRun } from '../postgres-counters.js';

// Our floor (check_postgres and the Prometheus rule set none): from 1,000 transactions one rollback moves the share by at most 0.1%.
const MIN_TRANSACTIONS = 1000;

/** Share of transactions rolled back since the last run: a spike can be payments failing (errors roll back too). */
export default defineCheck({
  id: 'postgres.rollback-ratio',
  title: 'Rolled-back share of transactions since the last run',
  nextStep: 'nvcops incident logs',
  requires: ['postgres'],
  unit: '%',
  // awesome-prometheus-alerts "Postgresql high rollback rate": rollbacks / (commits + rollbacks) > 10%; check_postgres commitratio has no default
  thresholds: { warn: '> 10%', source: 'awesome-prometheus-alerts high rollback rate (> 10%); check_postgres commitratio' },
  async run(ctx) {
    const w = await sinceLastRun(ctx, 'postgres.rollback-ratio');
    const total = w.commits + w.rollbacks;
    if (total < MIN_TRANSACTIONS) {
      return { status: 'skip', message: `not enough data yet: ${total} transactions ${w.since} (judged from ${MIN_TRANSACTIONS})`, details: w.details, facts: w.facts };
    }
    const pct = roundToward('up', (100 * w.rollbacks) / total, 2);
    return { value: pct, message: `${w.rollbacks} of ${total} transactions rolled back (${pct}%) ${w.since}`, details: w.details, facts: w.facts };
  },
});
