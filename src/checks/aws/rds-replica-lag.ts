import { resourceMetricCheck } from '../aws-check.js';
import { HOUR, rdsInstances, rdsMetric } from '../../probes/aws-metrics.js';

/** Read-replica lag behind the primary, worst minute of the last hour. */
export default resourceMetricCheck({
  id: 'aws.rds-replica-lag',
  title: 'RDS replica lag',
  requires: ['aws', 'aws-rds-replicas'],
  unit: 's',
  // PgHero and awesome-prometheus-alerts: lag over 5 s; check_postgres hot_standby_delay doc example: 2 min
  thresholds: { warn: '> 5s', fail: '> 2m', source: 'PgHero, awesome-prometheus-alerts (5 s); check_postgres hot_standby_delay example (2 min)' },
  stat: 'Maximum',
  periodSec: 60,
  windowMs: HOUR,
  over: 'max ReplicaLag, last 1 h',
  reduce: 'max',
  // AWS RDS docs: ReplicaLag is -1 when replication is not active
  belowZero: 'replication not active',
  resources: (aws) => rdsInstances(aws).filter((i) => i.replica).map((i) => ({ label: i.id, metrics: [rdsMetric('ReplicaLag', i.id)], facts: i })),
});
