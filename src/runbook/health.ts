import { BACKUP_VERIFICATION } from './backup.js';
import { awsDailyChecks } from './aws.js';
import type { Procedure } from '../engine/procedure.js';

const DAILY = {
  services: 'All services running (target: 99.9% uptime)',
  connections: 'Database connections healthy',
  latency: 'API response times < 200ms',
  errors: 'Error rates < 0.1%',
  security: 'Security alerts reviewed',
  backups: 'Backup verification completed',
} as const;

const REDIS_REVIEW = [
  'redis.ping', 'redis.clients', 'redis.rejected-connections', 'redis.memory', 'redis.evictions', 'redis.fragmentation',
  'redis.hit-ratio', 'redis.blocked-clients', 'redis.replication', 'redis.persistence', 'redis.slowlog', 'redis.cluster',
];

/** Daily Operations › Morning Health Check: the checklist, and the scripts it runs. */
export const healthProcedures = {
  'health daily': {
    id: 'health daily',
    runbook: 'Daily Operations › Morning Health Check (8:00 AM EST): the checklist',
    items: [
      { title: DAILY.services, checks: ['http.service-up', 'postgres.connect-time', 'redis.ping', 'redis.sentinel-quorum', 'redis.masters', 'redis.cluster-flapping', 'http.uptime', ...awsDailyChecks[DAILY.services]] },
      {
        title: DAILY.connections,
        checks: [
          'postgres.connection-saturation', 'postgres.idle-in-transaction', 'postgres.blocked-queries', 'postgres.replication-lag', 'postgres.data-checksums',
          'postgres.oldest-transaction', 'postgres.prepared-transactions', 'redis.clients', 'redis.rejected-connections',
          'postgres.replication-bytes', 'postgres.restarts-failovers', 'redis.restarts-failovers', 'redis.replica-lag',
          ...awsDailyChecks[DAILY.connections],
        ],
      },
      { title: DAILY.latency, checks: ['http.response-time', ...awsDailyChecks[DAILY.latency]] },
      { title: DAILY.errors, checks: ['logs.error-rate', 'redis.error-replies', ...awsDailyChecks[DAILY.errors]] },
      { title: DAILY.security, checks: ['security.alerts-reviewed'] },
      { title: DAILY.backups, checks: BACKUP_VERIFICATION },
    ],
  },
  'health db': {
    id: 'health db',
    runbook: 'Daily Operations › Morning Health Check: python scripts/db_performance_check.py',
    items: [
      {
        title: DAILY.connections,
        checks: [
          'postgres.connect-time', 'postgres.connection-saturation', 'postgres.idle-in-transaction', 'postgres.blocked-queries', 'postgres.replication-lag',
          'postgres.data-checksums', 'postgres.oldest-transaction', 'postgres.prepared-transactions', 'postgres.replication-bytes',
        ],
      },
      {
        title: 'Query performance analysis',
        checks: ['postgres.long-running-queries', 'postgres.cache-hit-ratio', 'postgres.slow-statements', 'postgres.deadlocks', 'postgres.rollback-ratio'],
      },
      {
        title: 'Vacuum and analyze operations',
        checks: ['postgres.transaction-wraparound', 'postgres.dead-tuples', 'postgres.vacuum-analyze', 'postgres.sequences', 'postgres.replication-slots', 'postgres.slot-wal', 'postgres.wal-size'],
      },
      { title: 'Index optimization', checks: ['postgres.invalid-indexes'] },
      { title: 'Cache performance review', checks: REDIS_REVIEW },
    ],
  },
} as const satisfies Record<string, Procedure>;
