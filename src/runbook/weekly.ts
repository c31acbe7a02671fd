import type { Procedure } from '../engine/procedure.js';

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
  'weekly security': {
    id: 'weekly security',
    runbook: 'Weekly Operations › Wednesday: Security Review: ./scripts/weekly_security_scan.sh; python scripts/vulnerability_check.py',
    items: [
      {
        title: 'Security scan: PostgreSQL settings (weekly_security_scan.sh)',
        checks: ['postgres.ssl', 'postgres.password-encryption', 'postgres.connection-logging', 'postgres.pgaudit'],
      },
      { title: 'Security scan: Redis hardening (weekly_security_scan.sh)', checks: ['redis.protected-mode', 'redis.authentication', 'redis.dangerous-commands', 'redis.tls'] },
      { title: 'Security scan: certificates', checks: ['certs.days-left', 'certs.validity', 'certs.strength'] },
      { title: 'Security scan: access audit summary', checks: ['access.postgres-roles', 'access.postgres-privileges', 'access.redis-users'] },
      { title: 'Vulnerability assessment: pending updates (vulnerability_check.py)', checks: ['security.os-updates', 'security.npm-audit'] },
    ],
  },
  'weekly performance': {
    id: 'weekly performance',
    runbook: 'Weekly Operations › Friday: Performance Optimization: python scripts/db_optimization.py; redis-cli info stats',
    items: [
      {
        title: 'Database optimization (db_optimization.py)',
        checks: [
          'postgres.slow-statements', 'postgres.missing-indexes', 'postgres.unused-indexes', 'postgres.duplicate-indexes', 'postgres.invalid-indexes',
          'postgres.table-bloat', 'postgres.index-bloat', 'postgres.cache-hit-ratio', 'postgres.autovacuum-backlog',
        ],
      },
      {
        title: 'Cache performance review (redis-cli info stats)',
        checks: ['redis.hit-ratio', 'redis.evictions', 'redis.expired-keys', 'redis.memory', 'redis.fragmentation', 'redis.slowlog', 'redis.largest-keys'],
      },
    ],
  },
} as const satisfies Record<string, Procedure>;
