import { defineCheck } from '../../engine/check.js';
import { roundToward } from '../../engine/units.js';
import { rankTrends, worsening } from '../trends.js';

/** Performance trend analysis: how much the morning checks' values got worse over the month (fitted line, first run to now). */
export default defineCheck({
  id: 'capacity.performance-change',
  title: 'Performance trends: change over the month (health daily, health db)',
  requires: [],
  unit: '%',
  // Runbook Severity Levels: a performance degradation over 50% is a P1; half of it warns
  thresholds: { warn: '> 25%', fail: '> 50%', source: 'runbook Severity Levels (P1: performance degradation >50%)' },
  async run(ctx) {
    const t = await rankTrends(ctx, worsening, (a, b) => b - a);
    if ('error' in t) return t.error;
    const worst = t.ranked[0];
    // Only weak fits (R² < 0.5) or series from 0: values that wander without a direction have not got worse.
    if (!worst) return { status: 'pass', message: `no measured check moved in a clear line over the month (${t.from})`, details: t.details };
    const change = roundToward('up', worst.v);
    const message = change > 0 ? `${worst.s.id} got worse by ${change}% over the month (${t.from})` : `nothing got worse over the month; the least improved is ${worst.s.id} (${t.from})`;
    return { value: change, message, details: t.details };
  },
});
