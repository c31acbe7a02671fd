import type { CheckDefinition } from '../engine/check.js';
import { accessChecks } from './access/index.js';
import { awsChecks } from './aws/index.js';
import { backupsChecks } from './backups/index.js';
import { capacityChecks } from './capacity/index.js';
import { certsChecks } from './certs/index.js';
import { complianceChecks } from './compliance/index.js';
import { httpChecks } from './http/index.js';
import { logsChecks } from './logs/index.js';
import { pgbouncerChecks } from './pgbouncer/index.js';
import { postgresChecks } from './postgres/index.js';
import { redisChecks } from './redis/index.js';
import { securityChecks } from './security/index.js';

/** Every check nvcops has, one index per domain; procedures in src/runbook name them by id. */
export const checks: readonly CheckDefinition[] = [
  ...postgresChecks, ...redisChecks, ...httpChecks, ...logsChecks, ...securityChecks, ...backupsChecks, ...awsChecks, ...certsChecks, ...accessChecks,
  ...complianceChecks, ...capacityChecks, ...pgbouncerChecks,
];

export const registry: ReadonlyMap<string, CheckDefinition> = new Map(checks.map((c) => [c.id, c]));
