import * as z from 'zod';
import { alerts } from './alerts.js';
import { aws } from './aws.js';
import { backups, dr } from './backups.js';
import { business, capacity } from './business.js';
import { logs } from './logs.js';
import { certificates, maintenance } from './maintenance.js';
import { pgbouncer } from './pgbouncer.js';
import { postgres } from './postgres.js';
import { redis } from './redis.js';
import { oncall, schedule } from './schedule.js';
import { compliance, security } from './security.js';
import { deploys, incident, links, services } from './services.js';
import { state } from './state.js';
import { name, threshold } from './fields.js';
import type { Replica } from './postgres.js';

/** Every key of one environment's configuration. The keys listed in docs/configuration.md (checked by test/docs-config.test.ts) are a stable contract. */
const environmentShape = {
  schedule,
  oncall: oncall.optional(),
  environment: name.optional(),
  protected: z.boolean().optional(),
  postgres,
  pgbouncer,
  redis,
  services,
  logs,
  backups,
  dr,
  capacity,
  security,
  business,
  aws,
  thresholds: z.record(z.string(), threshold).optional(),
  links,
  deploys,
  incident,
  alerts,
  state,
  maintenance,
  certificates,
  compliance,
};

const environmentSchema = z.strictObject(environmentShape);
export const fileSchema = z.strictObject({
  ...environmentShape,
  environments: z.record(z.string(), environmentSchema).optional(),
});

export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type FileConfig = z.infer<typeof fileSchema>;

/** The configuration a run uses: one environment, interpolated, overridden and validated. */
export interface Config extends Omit<EnvironmentConfig, 'postgres'> {
  /** Where the configuration came from, or undefined when no file was found. */
  source?: string;
  postgres?: {
    /** Undefined when the target comes from the libpq PG* variables alone. */
    url?: string;
    adminUrl?: string;
    replicas: Replica[];
    connectTimeout?: string;
    statementTimeout?: string;
  };
}

/** Is this environment one that destructive actions guard? */
export const isProtected = (c: Config): boolean => c.protected === true || c.environment === 'production';
