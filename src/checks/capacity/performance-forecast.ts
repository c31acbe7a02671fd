import { defineCheck } from '../../engine/check.js';
import { roundToward } from '../../engine/units.js';
import { daysToFail, rankTrends } from '../trends.js';

/** Performance trend analysis: of the morning checks' values over the month, the first to reach its fail level at its trend. */
export default defineCheck({
  id: 'capacity.performance-forecast',
  title: 'Performance trends: days until a fail level (health daily, health db)',
  requires: [],
  unit: 'days',
  // Review cadence: failing before next week's capacity review (7 d) fails; before the next monthly review (35 d) warns
  thresholds: { warn: '< 35 days', fail: '< 7 days', source: 'Operations Runbook review cadence (weekly capacity, monthly Fourth-Monday review)' },
  async run(ctx) {
    const t = await rankTrends(ctx, daysToFail, (a, b) => a - b);
    if ('error' in t) return t.error;
    const first = t.ranked[0];
    if (!first) return { status: 'pass', message: `nothing trends toward its fail level (${t.from})`, details: t.details };
    const days = roundToward('down', first.v);
    const when = days === 0 ? `is past its fail level ${first.s.fail!.text} at its trend` : `reaches its fail level ${first.s.fail!.text} in ${days} days at its trend`;
    return { value: days, message: `${first.s.id} ${when} (${t.from})`, details: t.details };
  },
});
