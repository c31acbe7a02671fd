import * as z from 'zod';
import { name, timeout } from './fields.js';

export const aws = z
  .strictObject({
    region: z.string().min(1).optional(),
    profile: z.string().min(1).optional(),
    endpoint: z.url().optional(),
    loadBalancer: z.string().min(1).optional(),
    targetGroup: z.string().min(1).optional(),
    autoScalingGroups: z.array(name).optional(),
    route53HealthCheckId: z.string().min(1).optional(),
    rds: z
      .strictObject({
        instances: z.array(
          z.union([
            name,
            z.strictObject({
              id: name,
              // RDS reports no max_connections or allocated size to CloudWatch; without them those lines are skipped.
              maxConnections: z.number().int().positive().optional(),
              allocatedStorage: z.number().positive().optional(),
              replica: z.boolean().optional(),
            }),
          ]),
        ),
      })
      .optional(),
    elasticache: z.strictObject({ clusters: z.array(name) }).optional(),
    timeout: timeout.optional(),
  })
  .optional();
