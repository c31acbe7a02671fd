import { rdsInstances, rdsMetric } from '../../probes/aws-metrics.js';
import { capacityCheck } from '../aws-capacity.js';

/** RDS free storage falling toward zero: the database growing into its volume. */
export default capacityCheck({
  id: 'aws.capacity-db-size',
  title: 'Database size trend (RDS free storage)',
  requires: ['aws', 'aws-rds'],
  stat: 'Minimum',
  resources: (aws) => rdsInstances(aws).map((i) => ({
    label: i.id, metric: rdsMetric('FreeStorageSpace', i.id), limit: 0, direction: 'down' as const, unit: 'bytes' as const,
    advice: `grow ${i.id}'s allocated storage or turn on storage autoscaling, and check what is growing (bloat, WAL, logs)`,
  })),
});
