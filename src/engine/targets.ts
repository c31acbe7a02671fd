import type { Target } from './verdict.js';
import type { Config } from './config/index.js';

/**
 * Targets a configuration opts into: a check that needs one not configured is left out of the run
 * rather than skipped (a bank backing up with pg_dump reads no pgBackRest lines in its morning).
 */
export const OPT_IN_TARGETS: readonly Target[] = ['pgbackrest'];

/** Whether a check belongs in a run under this configuration: not when it needs an opt-in target the configuration does not set. */
export const optedIn = (requires: readonly Target[], c: Config): boolean => !requires.some((t) => OPT_IN_TARGETS.includes(t) && missingTarget(t, c));

/** Why a target is missing, or undefined when it is configured. */
export function missingTarget(target: Target, c: Config): string | undefined {
  switch (target) {
    case 'postgres':
      return c.postgres ? undefined : 'PostgreSQL not configured: set postgres.url, NVCOPS_POSTGRES_URL or the PG* variables';
    case 'replicas':
      return c.postgres?.replicas.length ? undefined : 'no replicas configured: list them in postgres.replicas';
    case 'pgbouncer':
      return c.pgbouncer ? undefined : 'PgBouncer not configured: set pgbouncer.url (its admin console, database pgbouncer)';
    case 'redis':
      return c.redis?.url || c.redis?.sentinels || c.redis?.cluster
        ? undefined
        : 'Redis not configured: set redis.url (or redis.sentinels with redis.name, or redis.cluster) or NVCOPS_REDIS_URL';
    case 'services':
      return c.services?.length ? undefined : 'no services configured: list them in services[] (name, url)';
    case 'logs':
      return c.logs?.application ? undefined : 'no application log configured: set logs.application';
    case 'backups':
      return c.backups?.directory ? undefined : 'no backup repository configured: set backups.directory';
    case 'pgbackrest':
      return c.backups?.pgbackrest ? undefined : 'pgBackRest not configured: set backups.pgbackrest.stanza';
    case 'certificates':
      return c.certificates?.endpoints?.length || c.certificates?.files?.length
        ? undefined : 'no certificates configured: list them in certificates.endpoints[] (url) and certificates.files[]';
    case 'applications':
      return c.security?.applications?.length ? undefined : 'no application directories configured: list them in security.applications[]';
    case 'aws':
      return c.aws ? undefined : 'AWS not configured: set aws.region (and aws.loadBalancer, aws.targetGroup, ...)';
    case 'aws-alb':
      return c.aws?.loadBalancer ? undefined : 'no load balancer configured: set aws.loadBalancer (app/<name>/<id>)';
    case 'aws-uptime':
      return c.aws?.route53HealthCheckId || (c.aws?.loadBalancer && c.aws.targetGroup)
        ? undefined : 'no uptime source configured: set aws.route53HealthCheckId, or aws.loadBalancer and aws.targetGroup';
    case 'aws-rds':
      return c.aws?.rds?.instances.length ? undefined : 'no RDS instances configured: list them in aws.rds.instances';
    case 'aws-rds-replicas':
      return c.aws?.rds?.instances.some((i) => typeof i === 'object' && i.replica)
        ? undefined : 'no RDS read replicas configured: mark them in aws.rds.instances with replica: true';
    case 'aws-elasticache':
      return c.aws?.elasticache?.clusters.length ? undefined : 'no ElastiCache clusters configured: list them in aws.elasticache.clusters';
    case 'aws-autoscaling':
      return c.aws?.autoScalingGroups?.length ? undefined : 'no Auto Scaling groups configured: list them in aws.autoScalingGroups';
  }
}
