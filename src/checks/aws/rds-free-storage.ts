import { formatValue } from '../../engine/units.js';
import { resourceMetricCheck } from '../aws-check.js';
import { HOUR, rdsInstances, rdsMetric } from '../../probes/aws-metrics.js';

/** RDS free storage as a share of the allocated size (FreeStorageSpace is in bytes; allocated size comes from config). */
export default resourceMetricCheck({
  id: 'aws.rds-free-storage',
  title: 'RDS free storage',
  requires: ['aws', 'aws-rds'],
  unit: '%',
  // cloudposse rds-cloudwatch-sns-alarms: 10% of capacity; node_exporter mixin warns at 20% free
  thresholds: { warn: '< 20%', fail: '< 10%', source: 'cloudposse rds-cloudwatch-sns-alarms (10% of capacity), node_exporter mixin (20% free)' },
  stat: 'Minimum',
  periodSec: 300,
  windowMs: HOUR,
  over: 'lowest FreeStorageSpace, last 1 h',
  reduce: 'min',
  resources: (aws) => rdsInstances(aws).map((i) => ({ label: i.id, metrics: [rdsMetric('FreeStorageSpace', i.id)], facts: i })),
  convert: (free, i) =>
    i.allocatedStorage
      ? (100 * free) / (i.allocatedStorage * 1024 ** 3)
      : { skip: `${formatValue(free, 'bytes')} free; set allocatedStorage (GiB) for ${i.id} in aws.rds.instances to judge it` },
});
