import type { Procedure } from './procedure.js';

/** Weekly Operations. */
export const weeklyProcedures = {
  'weekly capacity': {
    id: 'weekly capacity',
    runbook: 'Weekly Operations › Monday: Capacity Planning: python scripts/capacity_analysis.py --week; aws autoscaling describe-auto-scaling-groups',
    items: [
      {
        title: 'Generate capacity report (capacity_analysis.py --week)',
        checks: ['aws.capacity-cpu', 'aws.capacity-db-connections', 'aws.capacity-db-size', 'aws.capacity-redis-memory', 'aws.capacity-requests'],
      },
      {
        title: 'Review auto-scaling metrics (aws autoscaling describe-auto-scaling-groups)',
        checks: ['aws.autoscaling-headroom', 'aws.autoscaling-instances', 'aws.autoscaling-activities'],
      },
    ],
  },
} as const satisfies Record<string, Procedure>;
