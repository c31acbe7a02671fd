import * as z from 'zod';
import { timeout } from './fields.js';

/** PgBouncer in front of PostgreSQL: its admin console (database `pgbouncer`), as a user in admin_users or stats_users. */
export const pgbouncer = z
  .strictObject({
    /** postgres://user:password@host:6432/pgbouncer */
    url: z.string().min(1),
    connectTimeout: timeout.optional(),
  })
  .optional();
