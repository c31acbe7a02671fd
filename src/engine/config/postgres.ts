import * as z from 'zod';
import { ConfigError } from '../errors.js';
import { name, timeout, timer } from './fields.js';

const replica = z.union([
  z.string().min(1),
  z.strictObject({ name: name.optional(), url: z.string().min(1), adminUrl: z.string().min(1).optional() }),
]);

export const postgres = z
  .strictObject({
    url: z.string().min(1).optional(),
    /** A role that may dump, create databases and promote (backups, restores, DR drills); default postgres.url. */
    adminUrl: z.string().min(1).optional(),
    replicas: z.array(replica).optional(),
    connectTimeout: timeout.optional(),
    /** 0 turns PostgreSQL's statement_timeout off. */
    statementTimeout: timer.optional(),
  })
  .optional();

export interface Replica {
  name: string;
  url: string;
  /** A role allowed to pg_promote there (the failover drill); default url. */
  adminUrl?: string;
}

export const LIBPQ_VARS = ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGSERVICE'];

/**
 * PGPORT and PGHOST name the PostgreSQL server as much as postgres.url does (the driver reads them for
 * what a URL leaves out): a value the driver cannot use is refused here, not met as a check that never connects.
 */
export function checkLibpqEnvironment(environ: NodeJS.ProcessEnv): void {
  const port = environ.PGPORT;
  if (port && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw new ConfigError('PGPORT: not a port; use a whole number from 1 to 65535');
  }
  const host = environ.PGHOST;
  if (host && !(host.startsWith('/') || /^[A-Za-z0-9._%:[\]-]+$/.test(host))) {
    throw new ConfigError('PGHOST: not a host; use a host name, an IP address or a socket directory (an absolute path)');
  }
}
