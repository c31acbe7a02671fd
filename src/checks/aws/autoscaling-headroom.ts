import { defineCheck } from '../../engine/check.js';
import { windowEnding } from '../../probes/aws.js';
import { DAY, autoScalingMetric } from '../../probes/aws-metrics.js';
import { round } from '../aws-check.js';

/** Room left to scale out (MaxSize − DesiredCapacity) per group, and how long each sat at MaxSize this week. */
export default defineCheck({
  id: 'aws.autoscaling-headroom',
  title: 'Auto Scaling headroom (desired vs max)',
  requires: ['aws', 'aws-autoscaling'],
  unit: '%',
  // At MaxSize a group cannot scale out at all; node_exporter mixin's 20%-free gate for the warning
  thresholds: { warn: '< 20%', fail: '<= 0%', source: 'AWS Auto Scaling (no scale-out past MaxSize); node_exporter mixin 20% free' },
  timeoutMs: 20_000,
  async run({ probes, config, now }) {
    const names = config.aws!.autoScalingGroups!;
    const groups = await probes.aws.autoScalingGroups(names);
    // Group metrics (GroupDesiredCapacity, GroupMaxSize) exist only where metrics collection is enabled on the group.
    const series = await probes.aws.metricData(
      groups.flatMap((g, i) => [
        { id: `desired${i}`, metric: autoScalingMetric('AWS/AutoScaling', 'GroupDesiredCapacity', g.name), stat: 'Maximum', period: 3600 },
        { id: `max${i}`, metric: autoScalingMetric('AWS/AutoScaling', 'GroupMaxSize', g.name), stat: 'Minimum', period: 3600 },
      ]),
      windowEnding(now(), 7 * DAY, 3600),
    );
    const rows = groups.map((g, i) => {
      const desired = series.get(`desired${i}`) ?? [];
      const max = new Map((series.get(`max${i}`) ?? []).map((p) => [p.t.getTime(), p.v]));
      const hoursAtMax = desired.filter((p) => p.v >= (max.get(p.t.getTime()) ?? g.max)).length;
      const atMax = desired.length ? `at max ${hoursAtMax} h of the last 7 days` : 'time at max unknown: enable group metrics collection on the group';
      return {
        name: g.name,
        headroom: g.max > 0 ? (100 * (g.max - g.desired)) / g.max : 0,
        detail: `${g.name}: desired ${g.desired} (min ${g.min}, max ${g.max}), room for ${g.max - g.desired} more; ${atMax}`,
      };
    });
    const worst = rows.reduce((w, r) => (r.headroom < w.headroom ? r : w));
    return { value: round(worst.headroom, 1), message: `${worst.name} has the least room to scale out`, details: rows.map((r) => r.detail) };
  },
});
