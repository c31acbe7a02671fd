import type { Procedure } from './procedure.js';

/** Daily Operations › Morning Health Check. */
export const healthProcedures = {
  'health db': {
    id: 'health db',
    runbook: 'Daily Operations › Morning Health Check: python scripts/db_performance_check.py',
    items: [
      { title: 'Database connections healthy', checks: ['postgres.connect-time', 'postgres.connection-saturation'] },
      { title: 'Cache answering', checks: ['redis.ping'] },
    ],
  },
} as const satisfies Record<string, Procedure>;
