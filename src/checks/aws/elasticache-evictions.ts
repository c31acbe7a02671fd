import { resourceMetricCheck } from '../aws-check.js';
import { DAY, cacheMetric } from '../../probes/aws-metrics.js';

/** Keys ElastiCache evicted for lack of memory in the last 24 h. */
export default resourceMetricCheck({
  id: 'aws.elasticache-evictions',
  title: 'ElastiCache evictions',
  requires: ['aws', 'aws-elasticache'],
  unit: 'count',
  // Redis default maxmemory-policy is noeviction: any eviction means memory ran out (checks.md R6)
  thresholds: { warn: '> 0', source: 'redis.conf default maxmemory-policy noeviction' },
  stat: 'Sum',
  periodSec: 3600,
  windowMs: DAY,
  over: 'Evictions summed over the last 24 h',
  reduce: 'sum',
  resources: (aws) => (aws.elasticache?.clusters ?? []).map((id) => ({ label: id, metrics: [cacheMetric('Evictions', id)], facts: id })),
});
