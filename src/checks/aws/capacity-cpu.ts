import { autoScalingMetric, rdsInstances, rdsMetric } from '../../probes/aws-metrics.js';
import { capacityCheck } from '../aws-capacity.js';

/** CPU of each Auto Scaling group's fleet and each RDS instance, toward 100%. */
export default capacityCheck({
  id: 'aws.capacity-cpu',
  title: 'CPU trend (Auto Scaling groups, RDS)',
  requires: ['aws'],
  stat: 'Maximum',
  resources: (aws) => [
    ...(aws.autoScalingGroups ?? []).map((g) => ({
      label: g, metric: autoScalingMetric('AWS/EC2', 'CPUUtilization', g), limit: 100, unit: '%' as const,
      advice: `raise ${g}'s MaxSize or scale out earlier (lower the target-tracking CPU target)`,
    })),
    ...rdsInstances(aws).map((i) => ({
      label: i.id, metric: rdsMetric('CPUUtilization', i.id), limit: 100, unit: '%' as const,
      advice: `move ${i.id} to a larger instance class or send reads to a replica`,
    })),
  ],
});
