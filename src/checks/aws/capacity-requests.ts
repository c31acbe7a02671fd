import { defineCheck } from '../../engine/check.js';
import { leastSquares } from '../../engine/trend.js';
import { roundToward } from '../../engine/units.js';
import { windowEnding } from '../../probes/aws.js';
import { DAY, albMetric } from '../../probes/aws-metrics.js';
import { round, stoppedReporting, utc } from '../aws-check.js';
import { lastWeekOf } from '../aws-capacity.js';

/** Daily request volume at the load balancer: how fast load grows week on week (it has no fixed limit). */
export default defineCheck({
  id: 'aws.capacity-requests',
  title: 'Request volume trend (ALB)',
  requires: ['aws', 'aws-alb'],
  unit: '%',
  // nvcops policy: load rising by half in one week outgrows a monthly scaling review (runbook P1: degradation > 50%)
  thresholds: { warn: '> 50%', source: 'Operations Runbook severity P1 (> 50%), monthly scaling review cadence' },
  timeoutMs: 20_000,
  async run({ probes, config, now }) {
    const at = now();
    const window = windowEnding(at, 14 * DAY, 86_400);
    const series = await probes.aws.metricData([{ id: 'requests', metric: albMetric('RequestCount', config.aws!), stat: 'Sum', period: 86_400 }], window);
    const points = series.get('requests') ?? [];
    const trend = leastSquares(points.map((p) => ({ x: (p.t.getTime() - window.end.getTime()) / DAY, y: p.v })));
    if (!trend) return { value: null, message: `${points.length} days of RequestCount in the last 14; a trend needs 3 or more` };
    const stopped = stoppedReporting(points, at, 86_400);
    if (stopped) {
      return { status: 'error', message: `no data: RequestCount stops at ${utc(stopped.stopsAt)}: it has not reported since (${points.length} days in the last 14); an older trend says nothing about now` };
    }
    const lastWeek = lastWeekOf(points, window.end);
    const mean = points.reduce((a, p) => a + p.v, 0) / points.length;
    // Rounded once, up (it is judged by a `>` level): the verdict, the message and the advice read the same number.
    const weekly = roundToward('up', mean > 0 ? (100 * trend.slope * 7) / mean : 0);
    const peak = Math.max(...lastWeek);
    const advice = weekly > 50
      ? 'Plan it this week: check that the Auto Scaling groups\' MaxSize and the database can carry this growth.'
      : weekly > 0 ? 'Growing by 50% a week or less: the monthly capacity review follows the trend.' : 'Not growing.';
    return {
      value: weekly,
      message: `${weekly >= 0 ? '+' : ''}${weekly}% a week (R² ${round(trend.r2, 2)}); busiest day this week ${Math.round(peak)} requests`,
      details: [advice],
    };
  },
});
