import { resourceMetricCheck } from '../aws-check.js';
import { HOUR, rdsInstances, rdsMetric } from '../../probes/aws-metrics.js';

/** RDS client connections as a share of the instance's max_connections (which CloudWatch does not publish). */
export default resourceMetricCheck({
  id: 'aws.rds-connections',
  title: 'RDS connections vs max_connections',
  requires: ['aws', 'aws-rds'],
  unit: '%',
  // awesome-prometheus-alerts: > 80% of max_connections warns; check_postgres backends crit 90-95%
  thresholds: { warn: '>= 80%', fail: '>= 90%', source: 'awesome-prometheus-alerts, check_postgres backends' },
  stat: 'Maximum',
  periodSec: 60,
  windowMs: HOUR,
  over: 'peak DatabaseConnections, last 1 h',
  reduce: 'max',
  resources: (aws) => rdsInstances(aws).map((i) => ({ label: i.id, metrics: [rdsMetric('DatabaseConnections', i.id)], facts: i })),
  convert: (peak, i) =>
    i.maxConnections ? (100 * peak) / i.maxConnections : { skip: `${peak} connections at peak; set maxConnections for ${i.id} in aws.rds.instances to judge them` },
});
