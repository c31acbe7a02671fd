import * as z from 'zod';
import { duration, name, path, percent, size, timeout } from './fields.js';

export const maintenance = z
  .strictObject({
    vacuum: z
      .strictObject({
        deadTupleRatio: percent.optional(),
        minDeadTuples: z.number().int().min(0).optional(),
        staleAfter: duration.optional(),
        lockTimeout: timeout.optional(),
      })
      .optional(),
    indexes: z.strictObject({ unusedMinSize: size.optional(), bloatMinSize: size.optional(), bloatRatio: percent.optional() }).optional(),
    logs: z
      .array(
        z.strictObject({
          path,
          maxSize: size.optional(),
          maxAge: duration.optional(),
          keep: z.number().int().min(1).max(1000).optional(),
          strategy: z.enum(['copytruncate', 'rename']).optional(),
          reopen: z.strictObject({ pidFile: path, signal: z.enum(['SIGHUP', 'SIGUSR1', 'SIGUSR2']).optional() }).optional(),
        }),
      )
      .optional(),
    tmp: z.strictObject({ directories: z.array(path).min(1), olderThan: duration.optional() }).optional(),
  })
  .optional();

export const certificates = z
  .strictObject({
    endpoints: z
      .array(z.strictObject({ name: name.optional(), url: z.string().regex(/^(https|postgres|postgresql|rediss):\/\/[^/]/, 'a URL starting https://, postgres:// (STARTTLS) or rediss://'), serverName: z.string().min(1).optional() }))
      .optional(),
    files: z.array(path).optional(),
    ca: path.optional(),
  })
  .optional();
