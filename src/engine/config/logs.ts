import * as z from 'zod';

export const logs = z
  .strictObject({
    application: z.string().min(1).optional(),
    /** The PostgreSQL server log, read for security events when readable. */
    postgres: z.string().min(1).optional(),
  })
  .optional();
