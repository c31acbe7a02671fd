import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import idleInTransaction from '../src/checks/postgres/idle-in-transaction.js';
import { loadConfig, type Config } from '../src/engine/config/index.js';
import { runCheck } from '../src/engine/runner.js';
import { Probes } from '../src/probes/index.js';
import { writeConfig } from './support/cli.js';
import { startPostgres, type PgServer } from './support/servers.js';
import { until } from './support/until.js';

/** The clock a check is given: a fixed instant is enough for one that reads its ages from the server. */
const clock = () => new Date('2026-12-07T09:00:00Z');

describe('runCheck: one check on probes the test made, against a real PostgreSQL, without the CLI', () => {
  let server: PgServer;
  let config: Config;
  /** Probes memoise what they read for one run, so each run gets its own, closed after it. */
  const run = async (on: Config = config) => {
    const probes = new Probes(on);
    try {
      return await runCheck(idleInTransaction, probes, clock);
    } finally {
      await probes.close();
    }
  };

  beforeAll(async () => {
    server = await startPostgres();
    // The config a person would write, loaded as the CLI loads it; levels of seconds so that the fault shows quickly.
    config = await loadConfig({
      path: writeConfig({ postgres: { url: server.monitorUrl }, thresholds: { 'postgres.idle-in-transaction': { warn: '> 1s', fail: '> 2s' } } }),
      environ: {},
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('passes a server where no session sits in a transaction', async () => {
    const result = await run();
    expect(result).toMatchObject({ id: 'postgres.idle-in-transaction', status: 'pass', observed: { value: 0, unit: 's' }, message: 'no session is idle in a transaction' });
    expect(result.threshold).toEqual({ warn: '> 1s', fail: '> 2s' });
  });

  it('fails once a session has sat idle in its transaction past the configured fail level', async () => {
    const teller = await server.connect();
    try {
      await teller.query("SET application_name = 'teller'");
      await teller.query('BEGIN');
      await teller.query('SELECT 1');
      await until('the teller idle in transaction for 2.5 s', async () => (await server.sql<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'teller' AND state = 'idle in transaction' AND now() - state_change > interval '2.5 s'"))[0]!.n === '1');
      const result = await run();
      expect(result.status).toBe('fail');
      expect(result.observed!.value).toBeGreaterThanOrEqual(3);
      expect(result.details!.join('\n')).toMatch(/idle \d+ s — pid \d+ postgres@teller/);
    } finally {
      await teller.end();
    }
  });

  it('says error, naming the server, when the server is gone', async () => {
    const gone = await loadConfig({ path: writeConfig({ postgres: { url: server.monitorUrl.replace(/:\d+\//, ':1/') } }), environ: {} });
    expect(await run(gone)).toMatchObject({ status: 'error', message: expect.stringContaining('127.0.0.1:1') });
  });
});
