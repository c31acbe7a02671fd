import { defineCheck } from '../../engine/check.js';

/** Instances of the configured groups that are not InService or not Healthy right now. */
export default defineCheck({
  id: 'aws.autoscaling-instances',
  title: 'Auto Scaling instances not InService or unhealthy',
  requires: ['aws', 'aws-autoscaling'],
  unit: 'count',
  // Every instance of a settled group is InService and Healthy; anything else is capacity the group counts but cannot use
  thresholds: { warn: '> 0', source: 'AWS Auto Scaling instance lifecycle (InService, Healthy)' },
  timeoutMs: 20_000,
  async run({ probes, config }) {
    const groups = await probes.aws.autoScalingGroups(config.aws!.autoScalingGroups!);
    const bad = groups.flatMap((g) =>
      g.instances.filter((i) => i.lifecycle !== 'InService' || i.health !== 'Healthy').map((i) => `${g.name}: ${i.id} ${i.lifecycle}, ${i.health}`),
    );
    const total = groups.reduce((n, g) => n + g.instances.length, 0);
    return { value: bad.length, message: `${total - bad.length} of ${total} instances InService and Healthy`, details: bad };
  },
});
