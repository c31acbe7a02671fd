/** A morning's environment for `health daily` tests: the config around running servers, a day of log, and the four backups taken. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { nvcops, writeConfig } from './cli.js';
import { requestLog } from './request-log.js';
import type { PgServer, RedisServer } from './servers.js';

/** The runbook's Daily Operations checklist, in its words and order: the morning report's lines. */
export const DAILY_LINES = [
  'All services running (target: 99.9% uptime)',
  'Database connections healthy',
  'API response times < 200ms',
  'Error rates < 0.1%',
  'Security alerts reviewed',
  'Backup verification completed',
];

export interface Morning { base: Record<string, unknown>; logFile: string; backups: string }

/** Writes a day of request log (one failed in 5,000) and takes the Backup Schedule's four backups (database, application, configuration, log) with nvcops. */
export async function morning(work: string, pg: PgServer, redis: RedisServer, servicePort: number, samples: number): Promise<Morning> {
  const logFile = join(work, 'application.log');
  writeFileSync(logFile, requestLog(5000, 1));
  const backups = join(work, 'backups');
  mkdirSync(backups);
  const base = {
    environment: 'staging',
    postgres: { url: pg.monitorUrl, adminUrl: pg.url, connectTimeout: '2s', statementTimeout: '2s' },
    redis: { url: redis.url, connectTimeout: '2s' },
    services: [{ name: 'payments-api', url: `http://127.0.0.1:${servicePort}/ok`, timeout: '1s', samples }],
    logs: { application: logFile },
    backups: { directory: backups },
    state: { path: join(work, 'state') },
    // The machine is shared: round-trip levels are loosened here and tested at their defaults where they are the point.
    thresholds: { 'redis.ping': { warn: '> 2s', fail: '> 5s' }, 'http.response-time': { warn: '> 1s', fail: '> 2s' } },
  };
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'server.js'), 'listen()\n');
  for (const args of [['db'], ['app', '--app-version', '1.0.0', '--from', app], ['config', '--from', app], ['logs']]) {
    const r = await nvcops(['backup', ...args, '--config', writeConfig(base)]);
    expect(r.exitCode, r.stderr).toBe(0);
  }
  return { base, logFile, backups };
}
