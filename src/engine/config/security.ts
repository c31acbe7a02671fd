import * as z from 'zod';
import { duration, path } from './fields.js';

export const security = z
  .strictObject({
    /** Authentication failures from one user and source that count as brute force. */
    bruteForce: z.strictObject({ failures: z.int().min(2), within: duration }).optional(),
    /** Application directories (with a package-lock.json) whose npm dependencies `maintain security-updates` audits. */
    applications: z.array(path).optional(),
    /** The date of the last penetration test report (monthly security assessment). */
    lastPenetrationTest: z.iso.date('a date such as 2026-03-14').optional(),
  })
  .optional();

/** monthly compliance: what its automated controls read. */
export const compliance = z
  .strictObject({
    /** A regular expression every deploy of the period must carry in its tag name or tag message (a change ticket). */
    changeTicket: z.string().min(1).refine((v) => { try { new RegExp(v); return true; } catch { return false; } }, 'a regular expression such as CHG-\\d+').optional(),
    /** Tables whose rows must not outlive a retention: rows older than `keep` by `column` fail the data retention control. */
    retention: z
      .array(
        z.strictObject({
          table: z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/, 'a table name, optionally schema-qualified (schema.table), letters, digits and _'),
          column: z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, 'a column name: letters, digits and _'),
          keep: z.string().regex(/^\d+\s*(d|days?|w|weeks?|mo|months?|y|years?)$/, 'a retention such as 90d, 18mo or 7y'),
        }),
      )
      .optional(),
  })
  .optional();
