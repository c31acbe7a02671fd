import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { windowEnding } from '../../probes/aws.js';
import { round } from '../aws-check.js';
import { DAY, albMetric, describeMetric } from '../../probes/aws-metrics.js';

/** ALB TargetResponseTime p95 over the last 24 full hours, with the worst hour beside it. */
export default defineCheck({
  id: 'aws.api-latency-p95',
  title: 'API response time p95 (ALB)',
  nextStep: 'nvcops incident metrics --preset api-latency',
  requires: ['aws', 'aws-alb'],
  unit: 'ms',
  // The runbook's line: API response times < 200ms
  thresholds: { fail: '>= 200ms', source: 'Operations Runbook: API response times < 200ms' },
  timeoutMs: 20_000,
  async run({ probes, config, now }) {
    const metric = albMetric('TargetResponseTime', config.aws!);
    const series = await probes.aws.metricData(
      [
        { id: 'day', metric, stat: 'p95', period: 86_400 },
        { id: 'hourly', metric, stat: 'p95', period: 3600 },
      ],
      windowEnding(now(), DAY, 3600),
    );
    const day = series.get('day')?.[0];
    if (!day) return { value: null, message: `CloudWatch returned no datapoints for ${describeMetric(metric)} p95 in the last 24 h` };
    const hours = series.get('hourly') ?? [];
    const worst = hours.reduce((w, p) => (p.v > w.v ? p : w), hours[0] ?? day);
    // CloudWatch reports TargetResponseTime in seconds.
    return {
      value: round(day.v * 1000, 1),
      message: `p95 over the last 24 h; worst hour ${formatValue(round(worst.v * 1000, 1), 'ms')} at ${worst.t.toISOString().slice(11, 16)} UTC`,
    };
  },
});
