import * as z from 'zod';
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
