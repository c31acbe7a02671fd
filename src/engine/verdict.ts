/** The words of a verdict (statuses, targets, what a check returns), apart from the check contract: probes and reports use them too. */
import type { Unit } from './units.js';

/**
 * `manual`: needs a person's attestation; `waived`: a control whose deviation is accepted until an
 * expiry, with a reason on record (src/controls/) — reported as waived, never as passed.
 */
export const STATUSES = ['pass', 'warn', 'fail', 'error', 'skip', 'manual', 'waived'] as const;
export type Status = (typeof STATUSES)[number];

/** Kinds of system a check may need; a check whose target is not configured is `skip`. */
export type Target =
  | 'postgres' | 'replicas' | 'pgbouncer' | 'redis' | 'services' | 'logs' | 'backups' | 'pgbackrest'
  | 'aws' | 'aws-alb' | 'aws-uptime' | 'aws-rds' | 'aws-rds-replicas' | 'aws-elasticache' | 'aws-autoscaling'
  | 'certificates' | 'applications';

/** What a check returns: a measurement judged against its threshold, or an explicit verdict. */
export interface CheckOutput {
  /** The observed value in `unit`; null or absent means no data, which is `error`, never `pass`. */
  value?: number | null;
  /** Defaults to the check's declared unit. */
  unit?: Unit;
  /** An explicit verdict (a refused connection for a liveness check is `fail`, a missing extension is `skip`). */
  status?: Status;
  message: string;
  /** One line per sub-target (each replica, each service) for the long output. */
  details?: string[];
  /** What the check saw that its next run compares with (a server's start time, its role): kept in the run history with the result. */
  facts?: Record<string, unknown>;
}
