import * as z from 'zod';
import { name } from './fields.js';

/** Monthly Capacity Planning: the cost items its cost optimization analysis reads. */
export const capacity = z
  .strictObject({
    costs: z
      .array(
        z.strictObject({
          name,
          /** The item's cost per month, in `currency`. */
          monthly: z.number().min(0),
          currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code such as USD or EUR'),
          owner: name.optional(),
          /** The monthly budget, in `currency`; over it fails. */
          budget: z.number().positive().optional(),
        }),
      )
      .min(1)
      .optional(),
  })
  .optional();

export const business = z
  .strictObject({
    metrics: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes (it becomes the check id business.<name>)'),
          title: name.optional(),
          sql: z.string().min(1),
          unit: z.enum(['count', '%', 'ms', 's', 'bytes', 'ratio']).optional(),
          warn: z.string().optional(),
          fail: z.string().optional(),
        }),
      )
      .optional(),
  })
  .optional();
