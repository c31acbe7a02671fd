import { resourceMetricCheck } from '../aws-check.js';
import { DAY, cacheMetric } from '../../probes/aws-metrics.js';

/** ElastiCache hits / (hits + misses) over the last 24 h. */
export default resourceMetricCheck({
  id: 'aws.elasticache-hit-rate',
  title: 'ElastiCache hit rate',
  requires: ['aws', 'aws-elasticache'],
  unit: '%',
  // promcat "[Redis] Low Hit Ratio" < 0.9; AWS ElastiCache docs: below about 0.8 is low
  thresholds: { warn: '< 90%', fail: '< 80%', source: 'promcat Redis alerts (0.9), AWS ElastiCache CacheHitRate docs (0.8)' },
  stat: 'Average',
  periodSec: 3600,
  windowMs: DAY,
  over: 'mean of hourly CacheHitRate, last 24 h',
  reduce: 'mean',
  resources: (aws) => (aws.elasticache?.clusters ?? []).map((id) => ({ label: id, metrics: [cacheMetric('CacheHitRate', id)], facts: id })),
});
