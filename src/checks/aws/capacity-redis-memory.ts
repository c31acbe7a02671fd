import { cacheMetric } from '../../probes/aws-metrics.js';
import { capacityCheck } from '../aws-capacity.js';

/** ElastiCache used memory toward maxmemory. */
export default capacityCheck({
  id: 'aws.capacity-redis-memory',
  title: 'Redis memory trend (ElastiCache)',
  requires: ['aws', 'aws-elasticache'],
  stat: 'Maximum',
  resources: (aws) => (aws.elasticache?.clusters ?? []).map((id) => ({
    label: id, metric: cacheMetric('DatabaseMemoryUsagePercentage', id), limit: 100, unit: '%' as const,
    advice: `move ${id} to a larger node type or add shards, and check keys without a TTL`,
  })),
});
