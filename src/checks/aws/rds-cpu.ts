import { resourceMetricCheck } from '../aws-check.js';
import { HOUR, rdsInstances, rdsMetric } from '../../probes/aws-metrics.js';

/** RDS CPU: the busiest 5 minutes of the last hour. */
export default resourceMetricCheck({
  id: 'aws.rds-cpu',
  title: 'RDS CPU utilization',
  requires: ['aws', 'aws-rds'],
  unit: '%',
  // cloudposse rds-cloudwatch-sns-alarms: latency climbs past 80% CPU, unacceptable past 90%
  thresholds: { warn: '> 80%', fail: '> 90%', source: 'cloudposse rds-cloudwatch-sns-alarms (CPUUtilization)' },
  stat: 'Average',
  periodSec: 300,
  windowMs: HOUR,
  over: 'max of 5-min averages, last 1 h',
  reduce: 'max',
  resources: (aws) => rdsInstances(aws).map((i) => ({ label: i.id, metrics: [rdsMetric('CPUUtilization', i.id)], facts: i })),
});
