import { mkdtempSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { startPostgres, startReplica, type PgServer } from './support/servers.js';
import { until } from './support/until.js';

const stateDir = () => mkdtempSync(join(tmpdir(), 'nvcops-integrity-state-'));

async function healthDb(url: string, thresholds: Record<string, { warn?: string; fail?: string }> = {}, env: Record<string, string> = {}) {
  const r = await nvcops(['health', 'db', '--config', writeConfig({ postgres: { url }, thresholds }), '--format', 'json'], { env: { XDG_STATE_HOME: stateDir(), ...env } });
  expect(r.stderr).toBe('');
  return { ...parseReport(r.stdout), exitCode: r.exitCode };
}

describe('data checksum failures (pgMonitor PGDataChecksum)', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('passes a server with data checksums on; warns on one initialised without them', async () => {
    const { byId, line } = await healthDb(server.monitorUrl);
    expect(byId['postgres.data-checksums']).toMatchObject({ status: 'pass', message: 'no checksum failure on primary (data checksums on)' });
    expect(line('Database connections healthy').results.map((r) => r.id)).toContain('postgres.data-checksums');
    const plain = await startPostgres({ checksums: false });
    try {
      const { byId: off } = await healthDb(plain.monitorUrl);
      expect(off['postgres.data-checksums']).toMatchObject({ status: 'warn', message: expect.stringMatching(/^data checksums are off on primary: .*pg_checksums --enable/) });
    } finally {
      await plain.stop();
    }
  });

  it('fails when a page of a table was corrupted on disk, and incident classify proposes P0 data corruption', async () => {
    await server.sql('CREATE TABLE ledger AS SELECT g AS id, md5(g::text) AS memo FROM generate_series(1, 2000) g');
    await server.sql('VACUUM ledger');
    const path = (await server.sql<{ path: string }>("SELECT pg_relation_filepath('ledger') AS path"))[0]!.path;
    // Clean shutdown (no dirty page left to write back), then 16 bytes in the middle of block 0 overwritten: the next read of it sees a checksum mismatch.
    await server.restart(() => {
      const fd = openSync(join(server.dataDir, path), 'r+');
      try {
        writeSync(fd, Buffer.alloc(16, 0xa5), 0, 16, 4000);
      } finally {
        closeSync(fd);
      }
    });
    await expect(server.sql('SELECT count(*) FROM ledger')).rejects.toThrow(/invalid page in block 0/);
    await until('the checksum failure counted', async () => (await server.sql<{ n: number }>("SELECT checksum_failures::int AS n FROM pg_stat_database WHERE datname = 'postgres'"))[0]!.n > 0);
    const { byId, exitCode } = await healthDb(server.monitorUrl);
    expect(byId['postgres.data-checksums']).toMatchObject({
      status: 'fail',
      observed: { value: 1, unit: 'count' },
      message: expect.stringMatching(/^1 page failed its checksum: data corruption on disk/),
      details: [expect.stringMatching(/^primary: 1 checksum failure in database postgres, last at \d{4}-/)],
    });
    expect(exitCode).toBe(2);
    const classify = await nvcops(['incident', 'classify', '--config', writeConfig({ postgres: { url: server.monitorUrl } }), '--format', 'json'], { env: { XDG_STATE_HOME: stateDir() } });
    const out = JSON.parse(classify.stdout);
    expect(out.proposed).toBe('P0');
    expect(out.reasons[0]).toMatchObject({ severity: 'P0', kind: 'Data corruption', evidence: expect.stringMatching(/^Data checksum failures: 1 page failed its checksum/) });
  }, 60_000);
});

describe('transactions that hold the xmin horizon and locks', () => {
  let primary: PgServer;
  let replica: PgServer;
  beforeAll(async () => {
    primary = await startPostgres({ settings: { max_prepared_transactions: 5, wal_level: 'logical' } });
    replica = await startReplica(primary);
    await primary.sql('CREATE TABLE accounts (id int PRIMARY KEY, balance int); INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 10) g');
    await until('the monitoring role on the replica', async () => (await replica.sql<{ n: number }>("SELECT count(*)::int AS n FROM pg_roles WHERE rolname = 'nvcops_monitor'"))[0]!.n === 1);
    await replica.sql('ALTER SYSTEM SET hot_standby_feedback = on');
    await replica.sql('SELECT pg_reload_conf()');
  });
  afterAll(async () => {
    await replica?.stop();
    await primary?.stop();
  });
  /** health db of the primary and its standby. */
  const run = async (thresholds: Record<string, { warn?: string; fail?: string }> = {}) => {
    const config = writeConfig({ postgres: { url: primary.monitorUrl, replicas: [{ name: 'standby1', url: replica.monitorUrl }] }, thresholds });
    const r = await nvcops(['health', 'db', '--config', config, '--format', 'json'], { env: { XDG_STATE_HOME: stateDir() } });
    expect(r.stderr).toBe('');
    return { ...parseReport(r.stdout), exitCode: r.exitCode };
  };

  it('passes a healthy, busy primary and its standby: many short transactions, none left open or prepared', async () => {
    const busy = await primary.connect();
    let on = true;
    const load = (async () => {
      for (let k = 0; on; k++) await busy.query('UPDATE accounts SET balance = balance + 1 WHERE id = $1', [(k % 10) + 1]);
    })();
    try {
      const { byId } = await run();
      expect(byId['postgres.oldest-transaction']).toMatchObject({ status: 'pass', message: expect.stringMatching(/^(no open transaction|oldest open transaction \d+ s on primary)/) });
      expect(byId['postgres.prepared-transactions']).toMatchObject({ status: 'pass', observed: { value: 0, unit: 's' }, message: 'no prepared transaction waiting' });
    } finally {
      on = false;
      await load;
    }
  });

  it('fails a transaction kept open across many short statements, which neither idle-in-transaction nor long-running-queries see', async () => {
    const teller = await primary.connect();
    await teller.query("SET application_name = 'teller'");
    await teller.query('BEGIN');
    let on = true;
    const statements = (async () => {
      for (let k = 0; on; k++) {
        await teller.query('UPDATE accounts SET balance = balance - 1 WHERE id = $1', [(k % 10) + 1]);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 3500));
      const strict = { warn: '> 1s', fail: '> 3s' };
      const { byId, exitCode } = await run({ 'postgres.oldest-transaction': strict, 'postgres.idle-in-transaction': strict, 'postgres.long-running-queries': strict });
      expect(byId['postgres.idle-in-transaction']!.status).toBe('pass');
      expect(byId['postgres.long-running-queries']!.status).toBe('pass');
      const oldest = byId['postgres.oldest-transaction']!;
      expect(oldest).toMatchObject({ status: 'fail', message: expect.stringMatching(/^oldest open transaction \d+ s on primary \(pid \d+, (active|idle in transaction)\)/) });
      expect(oldest.observed!.value).toBeGreaterThanOrEqual(3);
      expect(oldest.details!.join('\n')).toMatch(/primary: transaction open \d+ s .*postgres@teller.*UPDATE accounts/);
      expect(exitCode).toBe(2);
      // Under the defaults (2 and 10 minutes) a few seconds pass.
      expect((await run()).byId['postgres.oldest-transaction']!.status).toBe('pass');
    } finally {
      on = false;
      await statements;
      await teller.query('ROLLBACK');
    }
  });

  it('counts a standby transaction that holds the primary back through hot_standby_feedback, and names the standby', async () => {
    const reader = await replica.connect();
    await reader.query("SET application_name = 'report'");
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await reader.query('SELECT sum(balance) FROM accounts');
    try {
      await primary.sql('UPDATE accounts SET balance = balance + 1');
      await until('the standby\'s xmin on the primary', async () => (await primary.sql<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_replication WHERE backend_xmin IS NOT NULL'))[0]!.n === 1);
      await new Promise((r) => setTimeout(r, 2500));
      const { byId } = await run({ 'postgres.oldest-transaction': { warn: '> 1s', fail: '> 60s' } });
      const oldest = byId['postgres.oldest-transaction']!;
      expect(oldest).toMatchObject({ status: 'warn', message: expect.stringMatching(/^oldest open transaction \d+ s on standby1 \(pid \d+, idle in transaction\); xmin also held by standby /) });
      expect(oldest.details!.join('\n')).toMatch(/standby1: transaction open \d+ s .*postgres@report[\s\S]*standby .* \(hot_standby_feedback\) holds xmin \d+ transactions back/);
    } finally {
      await reader.query('ROLLBACK');
    }
  });

  it('names a replication slot that holds xmin', async () => {
    // A logical slot nobody reads keeps its catalog_xmin.
    await primary.sql("SELECT pg_create_logical_replication_slot('cdc_feed', 'test_decoding')");
    try {
      const { byId } = await run();
      expect(byId['postgres.oldest-transaction']!.details!.join('\n')).toMatch(/slot cdc_feed \(INACTIVE\) holds xmin \d+ transactions back/);
      expect(byId['postgres.oldest-transaction']!.message).toMatch(/xmin also held by .*slot cdc_feed \(inactive\)/);
    } finally {
      await primary.sql("SELECT pg_drop_replication_slot('cdc_feed')");
    }
  });

  it('says error naming pg_monitor, never pass, when the role cannot see other sessions\' transactions', async () => {
    await primary.sql("CREATE ROLE plain_login LOGIN PASSWORD 'Pl41n-login-pw'");
    const other = await primary.connect();
    await other.query('BEGIN; SELECT 1');
    try {
      const config = writeConfig({ postgres: { url: primary.urlFor('plain_login', 'postgres', 'Pl41n-login-pw') } });
      const { byId } = parseReport((await nvcops(['health', 'db', '--config', config, '--format', 'json'], { env: { XDG_STATE_HOME: stateDir() } })).stdout);
      expect(byId['postgres.oldest-transaction']).toMatchObject({ status: 'error', message: expect.stringMatching(/missing privilege: .*GRANT pg_monitor \(or pg_read_all_stats\) TO plain_login/) });
    } finally {
      await other.query('ROLLBACK');
    }
  });

  it('fails a prepared transaction left behind, which outlives the session that prepared it', async () => {
    const app = await primary.connect();
    await app.query("BEGIN; UPDATE accounts SET balance = 0 WHERE id = 7; PREPARE TRANSACTION 'xfer-42'");
    await app.end();
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const warned = (await run()).byId['postgres.prepared-transactions']!;
      expect(warned).toMatchObject({ status: 'warn', message: expect.stringMatching(/^1 prepared transaction not committed or rolled back; oldest 'xfer-42' prepared \d+ s ago/) });
      expect(warned.details).toEqual([expect.stringMatching(/^'xfer-42' by postgres in database postgres, prepared \d+ s ago$/)]);
      const { byId, exitCode } = await run({ 'postgres.prepared-transactions': { warn: '> 0s', fail: '> 1s' } });
      expect(byId['postgres.prepared-transactions']!.status).toBe('fail');
      expect(exitCode).toBe(2);
    } finally {
      await primary.sql("ROLLBACK PREPARED 'xfer-42'");
    }
    expect((await run()).byId['postgres.prepared-transactions']!.status).toBe('pass');
  });
});

describe('deadlocks and rolled-back transactions since the last run', () => {
  let server: PgServer;
  const state = stateDir();
  beforeAll(async () => {
    server = await startPostgres({ settings: { deadlock_timeout: '50ms' } });
    await server.sql('CREATE TABLE accounts (id int PRIMARY KEY, balance int); INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 10) g');
  });
  afterAll(async () => {
    await server?.stop();
  });
  const run = async () => {
    const r = await nvcops(['health', 'db', '--config', writeConfig({ postgres: { url: server.monitorUrl } }), '--format', 'json'], { env: { XDG_STATE_HOME: state } });
    expect(r.stderr).toBe('');
    return parseReport(r.stdout).byId;
  };
  const totals = async () => (await server.sql<{ commits: number; rollbacks: number; deadlocks: number }>(
    'SELECT sum(xact_commit)::int AS commits, sum(xact_rollback)::int AS rollbacks, sum(deadlocks)::int AS deadlocks FROM pg_stat_database'))[0]!;
  /** `commits` committed and `rollbacks` rolled-back transactions on one session, ended so that its statistics are flushed. */
  async function transactions(commits: number, rollbacks: number) {
    const before = await totals();
    const c = await server.connect();
    for (let k = 0; k < commits; k++) await c.query('UPDATE accounts SET balance = balance + 1 WHERE id = $1', [(k % 10) + 1]);
    for (let k = 0; k < rollbacks; k++) await c.query('BEGIN; UPDATE accounts SET balance = 0 WHERE id = 3; ROLLBACK');
    await c.end();
    await until('the transactions counted', async () => {
      const now = await totals();
      return now.commits - before.commits >= commits && now.rollbacks - before.rollbacks >= rollbacks;
    });
  }

  it('stays quiet on a healthy busy workload: many commits, a few rollbacks, no deadlock', async () => {
    const first = await run();
    expect(first['postgres.rollback-ratio']).toMatchObject({ status: 'skip', message: expect.stringMatching(/^not enough data yet: \d+ transactions since the statistics began at .* \(judged from 1000\)$/) });
    expect(first['postgres.deadlocks']).toMatchObject({ status: 'pass', observed: { value: 0, unit: 'count' } });
    await transactions(2000, 20);
    const byId = await run();
    const ratio = byId['postgres.rollback-ratio']!;
    expect(ratio).toMatchObject({ status: 'pass', message: expect.stringMatching(/^2\d of 20\d\d transactions rolled back \([01](\.\d+)?%\) since the last run at \d{4}-/) });
    expect(ratio.details![0]).toMatch(/^pg_stat_database totals of 127\.0\.0\.1:\d+\/postgres at .*: \d+ commits, \d+ rollbacks, 0 deadlocks \(counting since .*\)$/);
    expect(byId['postgres.deadlocks']).toMatchObject({ status: 'pass', message: expect.stringMatching(/^0 deadlocks in [\d.]+ min since the last run at /) });
  }, 60_000);

  it('warns on a burst of rollbacks since the last run', async () => {
    await transactions(600, 400);
    const ratio = (await run())['postgres.rollback-ratio']!;
    expect(ratio).toMatchObject({ status: 'warn', message: expect.stringMatching(/^40\d of 10\d\d transactions rolled back \(\d\d(\.\d+)?%\) since the last run/) });
    expect(ratio.observed!.value).toBeGreaterThan(35);
    // The next run judges only what happened after this one.
    await transactions(1000, 0);
    expect((await run())['postgres.rollback-ratio']!.status).toBe('pass');
  }, 60_000);

  it('warns on real deadlocks between two sessions, more than 5 in a minute', async () => {
    const before = (await totals()).deadlocks;
    const [a, b] = [await server.connect(), await server.connect()];
    const victims: string[] = [];
    for (let k = 0; k < 6; k++) {
      await a.query('BEGIN; UPDATE accounts SET balance = balance WHERE id = 1');
      await b.query('BEGIN; UPDATE accounts SET balance = balance WHERE id = 2');
      const outcomes = await Promise.all([
        a.query('UPDATE accounts SET balance = balance WHERE id = 2').then(() => 'ok', (e: Error) => e.message),
        b.query('UPDATE accounts SET balance = balance WHERE id = 1').then(() => 'ok', (e: Error) => e.message),
      ]);
      victims.push(...outcomes.filter((o) => o !== 'ok'));
      await a.query('ROLLBACK');
      await b.query('ROLLBACK');
    }
    await Promise.all([a.end(), b.end()]);
    expect(victims).toEqual(Array(6).fill('deadlock detected'));
    await until('the deadlocks counted', async () => (await totals()).deadlocks - before >= 6);
    const deadlocks = (await run())['postgres.deadlocks']!;
    expect(deadlocks).toMatchObject({ status: 'warn', observed: { value: 6, unit: 'count' }, message: expect.stringMatching(/^6 deadlocks in 0\.\d min since the last run at .* \(6 a minute\); the server log names the statements$/) });
    expect((await run())['postgres.deadlocks']).toMatchObject({ status: 'pass', message: expect.stringMatching(/^0 deadlocks/) });
  }, 60_000);

  it('counts from the statistics reset when the last run\'s totals no longer compare', async () => {
    await server.sql('SELECT pg_stat_reset()');
    const byId = await run();
    expect(byId['postgres.deadlocks']).toMatchObject({ status: 'pass', message: expect.stringMatching(/since the statistics began at /) });
    expect(byId['postgres.deadlocks']!.details).toContainEqual(expect.stringMatching(/^the totals of the last run \(.*\) do not compare \(statistics reset or server restarted since\): counted since /));
  });
});
