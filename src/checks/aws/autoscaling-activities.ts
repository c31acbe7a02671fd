import { defineCheck } from '../../engine/check.js';
import { DAY } from '../../probes/aws-metrics.js';
import { utc } from '../aws-check.js';

/** Scaling activities of the last 7 days that failed or were cancelled: capacity that was asked for and never came. */
export default defineCheck({
  id: 'aws.autoscaling-activities',
  title: 'Failed or cancelled scaling activities (7 days)',
  requires: ['aws', 'aws-autoscaling'],
  unit: 'count',
  // A failed or cancelled activity means a scale-out (or replacement) did not happen
  thresholds: { warn: '> 0', source: 'AWS Auto Scaling scaling activities (StatusCode Failed, Cancelled)' },
  timeoutMs: 20_000,
  async run({ probes, config, now }) {
    const since = new Date(now().getTime() - 7 * DAY);
    const names = config.aws!.autoScalingGroups!;
    const all = await Promise.all(names.map(async (g) => ({ g, activities: await probes.aws.scalingActivities(g, since) })));
    const bad = all.flatMap(({ g, activities }) =>
      activities.filter((a) => a.status === 'Failed' || a.status === 'Cancelled')
        .map((a) => `${g}: ${a.status} ${utc(a.start.getTime())} — ${a.description}: ${a.cause}`),
    );
    const count = all.reduce((n, x) => n + x.activities.length, 0);
    return { value: bad.length, message: `${count} scaling activities in the last 7 days`, details: bad };
  },
});
