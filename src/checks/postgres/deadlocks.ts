import { defineCheck } from '../../engine/check.js';
import { sinceLastRun } from '../postgres-counters.js';

/** Deadlocks PostgreSQL detected (and broke by cancelling a transaction) since the last run, per minute. */
export default defineCheck({
  id: 'postgres.deadlocks',
  title: 'Deadlocks per minute since the last run',
  nextStep: 'nvcops incident db',
  requires: ['postgres'],
  unit: 'count',
  // awesome-prometheus-alerts "Postgresql dead locks": increase(pg_stat_database_deadlocks[1m]) > 5
  thresholds: { warn: '> 5', source: 'awesome-prometheus-alerts Postgresql dead locks (> 5 per minute)' },
  async run(ctx) {
    const w = await sinceLastRun(ctx, 'postgres.deadlocks');
    // Over at least one minute: the rule counts deadlocks within a minute, so two in ten seconds are two, not twelve a minute.
    const perMinute = Math.round((w.deadlocks / Math.max(w.minutes, 1)) * 10) / 10;
    return {
      value: perMinute,
      message: `${w.deadlocks} deadlock${w.deadlocks === 1 ? '' : 's'} in ${w.minutes.toFixed(1)} min ${w.since} (${perMinute} a minute)${w.deadlocks ? '; the server log names the statements' : ''}`,
      details: w.details, facts: w.facts,
    };
  },
});
