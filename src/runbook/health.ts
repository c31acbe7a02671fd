import { awsDailyChecks } from './aws.js';
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
  'health daily': {
    id: 'health daily',
    runbook: 'Daily Operations › Morning Health Check (8:00 AM EST): the checklist',
    items: [
      { title: 'All services running (target: 99.9% uptime)', checks: [...awsDailyChecks['All services running (target: 99.9% uptime)']] },
      {
        title: 'Database connections healthy',
        checks: ['postgres.connect-time', 'postgres.connection-saturation', ...awsDailyChecks['Database connections healthy']],
      },
      { title: 'API response times < 200ms', checks: [...awsDailyChecks['API response times < 200ms']] },
      { title: 'Error rates < 0.1%', checks: [...awsDailyChecks['Error rates < 0.1%']] },
    ],
  },
} as const satisfies Record<string, Procedure>;
