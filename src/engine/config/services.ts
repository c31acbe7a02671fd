import * as z from 'zod';
import { name, timeout } from './fields.js';

export const services = z
  .array(
    z.strictObject({
      name,
      url: z.url({ protocol: /^https?$/ }),
      timeout: timeout.optional(),
      /** Requests per run for the response-time percentiles. */
      samples: z.int().min(1).max(100).optional(),
    }),
  )
  .optional();

export const links = z.strictObject({ dashboards: z.array(z.strictObject({ name, url: z.url({ protocol: /^https?$/ }) })).optional() }).optional();

export const deploys = z
  .strictObject({
    repositories: z.array(z.string().min(1)).optional(),
    /** git for-each-ref glob of the tags that mark a deploy. */
    tagPattern: z.string().min(1).optional(),
  })
  .optional();

export const incident = z
  .strictObject({
    notify: z
      .strictObject({
        webhook: z.url({ protocol: /^https?$/ }).optional(),
        pagerduty: z.strictObject({ routingKey: z.string().min(1).optional(), url: z.url({ protocol: /^https?$/ }).optional() }).optional(),
      })
      .optional(),
  })
  .optional();
