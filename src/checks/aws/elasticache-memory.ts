import { resourceMetricCheck } from '../aws-check.js';
import { HOUR, cacheMetric } from '../../probes/aws-metrics.js';

/** ElastiCache used memory as a share of maxmemory. */
export default resourceMetricCheck({
  id: 'aws.elasticache-memory',
  title: 'ElastiCache memory used',
  requires: ['aws', 'aws-elasticache'],
  unit: '%',
  // sysdig promcat Redis alerts: > 85%; awesome-prometheus-alerts "Redis out of configured maxmemory": > 90%
  thresholds: { warn: '> 85%', fail: '> 90%', source: 'promcat Redis alerts (85%), awesome-prometheus-alerts (90%)' },
  stat: 'Maximum',
  periodSec: 300,
  windowMs: HOUR,
  over: 'peak DatabaseMemoryUsagePercentage, last 1 h',
  reduce: 'max',
  resources: (aws) => (aws.elasticache?.clusters ?? []).map((id) => ({ label: id, metrics: [cacheMetric('DatabaseMemoryUsagePercentage', id)], facts: id })),
});
