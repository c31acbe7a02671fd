import { rdsInstances, rdsMetric } from '../../probes/aws-metrics.js';
import { capacityCheck } from '../aws-capacity.js';

/** RDS client connections toward max_connections. */
export default capacityCheck({
  id: 'aws.capacity-db-connections',
  title: 'Database connections trend (RDS)',
  requires: ['aws', 'aws-rds'],
  stat: 'Maximum',
  resources: (aws) => rdsInstances(aws).map((i) => ({
    label: i.id, metric: rdsMetric('DatabaseConnections', i.id), unit: 'count' as const,
    limit: i.maxConnections ?? `set maxConnections for ${i.id} in aws.rds.instances`,
    advice: `put a pooler (PgBouncer, RDS Proxy) in front of ${i.id} or raise max_connections`,
  })),
});
