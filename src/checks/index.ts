import type { CheckDefinition } from '../engine/check.js';
import postgresConnectTime from './postgres/connect-time.js';
import postgresConnectionSaturation from './postgres/connection-saturation.js';
import redisPing from './redis/ping.js';

/** Every check nvcops has; procedures in src/runbook name them by id. */
export const checks: readonly CheckDefinition[] = [postgresConnectTime, postgresConnectionSaturation, redisPing];

export const registry: ReadonlyMap<string, CheckDefinition> = new Map(checks.map((c) => [c.id, c]));
