import * as z from 'zod';
import { duration, name, path, size, timeout } from './fields.js';

/** pgBackRest (base backups + continuous WAL) for the database: nvcops drives the `pgbackrest` command, never its repository directly. */
export const pgbackrest = z.strictObject({
  /** The stanza of the configured server (pgbackrest --stanza). */
  stanza: name.regex(/^[A-Za-z0-9._-]+$/, 'a stanza name (letters, digits, . _ -)'),
  /** pgbackrest.conf (default pgBackRest's own, /etc/pgbackrest/pgbackrest.conf). */
  config: path.optional(),
  /** The OS user pgbackrest runs as (runuser -u): the cluster's owner, usually postgres; pgBackRest refuses root. */
  user: name.regex(/^[a-z_][a-z0-9_-]*\$?$/i, 'an OS user name such as postgres').optional(),
});

export const backups = z
  .strictObject({
    directory: z.string().min(1).optional(),
    /** What backup verify checksums and reads: the newest backup of each kind, or every backup (--all). */
    verify: z.enum(['newest', 'all']).optional(),
    /** How long `backup db` may take before pg_dump is stopped and nothing is stored (default 6h). */
    dbTimeout: timeout.optional(),
    /** How far back a point-in-time recovery must reach; pgBackRest's retention is judged against it. */
    retention: duration.optional(),
    pgbackrest: pgbackrest.optional(),
  })
  .optional();

/** Monthly Disaster Recovery Test: objectives and the replica the failover drill promotes. */
export const dr = z
  .strictObject({
    /** Recovery time objective: restore drill to a queryable database, failover drill to a writable replica. */
    rto: duration.optional(),
    /** Recovery point objective: the data a recovery may lose. */
    rpo: duration.optional(),
    /** The one of postgres.replicas the failover drill promotes. */
    replica: name.optional(),
    /** Preflight: the most WAL the replica may be behind before it is promoted. */
    maxReplicaLag: size.optional(),
    /** Where the restore drill creates its scratch database (default postgres.adminUrl's server). */
    restoreUrl: z.string().min(1).optional(),
    /** Run in the restored database; each must succeed, and a boolean first column must be true. */
    verificationQueries: z.array(z.string().min(1)).optional(),
  })
  .optional();
