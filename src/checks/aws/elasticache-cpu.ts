import { resourceMetricCheck } from '../aws-check.js';
import { HOUR, cacheMetric } from '../../probes/aws-metrics.js';

/** ElastiCache CPU: the Redis engine thread and the host, whichever is busier (small nodes show it on the host). */
export default resourceMetricCheck({
  id: 'aws.elasticache-cpu',
  title: 'ElastiCache CPU (engine and host)',
  requires: ['aws', 'aws-elasticache'],
  unit: '%',
  // AWS ElastiCache monitoring guidance: alarm EngineCPUUtilization at 80% (warn) and 90% (act)
  thresholds: { warn: '> 80%', fail: '> 90%', source: 'AWS ElastiCache monitoring best practices (EngineCPUUtilization)' },
  stat: 'Average',
  periodSec: 300,
  windowMs: HOUR,
  over: 'max of 5-min averages, last 1 h',
  reduce: 'max',
  resources: (aws) => (aws.elasticache?.clusters ?? []).map((id) => ({
    label: id, metrics: [cacheMetric('EngineCPUUtilization', id), cacheMetric('CPUUtilization', id)], facts: id,
  })),
});
