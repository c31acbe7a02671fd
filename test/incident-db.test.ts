import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';
import { startPostgres, startReplica, type PgServer } from './support/servers.js';

interface Section { title: string; state: string; summary: string; lines?: string[]; table?: { rows: string[][] }; data?: any }

const sectionsOf = (stdout: string): Record<string, Section> =>
  Object.fromEntries((JSON.parse(stdout).sections as Section[]).map((s) => [s.title, s]));

async function until(what: string, probe: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('nvcops incident db (db_diagnostics.py) against a real PostgreSQL', () => {
  let primary: PgServer;
  let replica: PgServer;
  let config: string;
  const state = mkdtempSync(join(tmpdir(), 'nvcops-incident-db-state-'));
  const run = (args: string[], cfg = config) => nvcops(['incident', 'db', '--config', cfg, '--format', 'json', ...args], { env: { XDG_STATE_HOME: state } });

  beforeAll(async () => {
    primary = await startPostgres({ settings: { shared_preload_libraries: 'pg_stat_statements', deadlock_timeout: '200ms' } });
    await primary.sql('CREATE TABLE accounts (id int PRIMARY KEY, balance numeric NOT NULL)');
    await primary.sql('INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 10) g');
    replica = await startReplica(primary);
    config = writeConfig({ environment: 'staging', postgres: { url: primary.monitorUrl, replicas: [{ name: 'replica1', url: replica.monitorUrl }] } });
  });
  afterAll(async () => {
    await replica?.stop();
    await primary?.stop();
  });

  it('reads a healthy server: nothing blocked, replica streaming, and says how to enable pg_stat_statements', async () => {
    const r = await run([]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const s = sectionsOf(r.stdout);
    expect(s['Blocking tree']).toMatchObject({ state: 'ok', summary: 'no session is waiting on another' });
    expect(s['Lock waits by relation']!.state).toBe('ok');
    expect(s['Long-running queries']!.state).toBe('ok');
    expect(s['Replication']!.state).toBe('ok');
    expect(s['Replication']!.lines!.join('\n')).toMatch(/sender → .*streaming/);
    expect(s['Replication']!.lines!.join('\n')).toMatch(/replica replica1 .*in recovery, receiver streaming/);
    expect(s['Top statements by time']).toMatchObject({ state: 'skipped', summary: expect.stringContaining('CREATE EXTENSION pg_stat_statements') });
    expect(s['Connections']!.summary).toMatch(/client connections of max_connections 100/);
  });

  it('draws the blocking tree of a real chain (idle transaction → waiter → waiter) and counts lock waits by relation', async () => {
    const holder = await primary.connect();
    const second = await primary.connect();
    const third = await primary.connect();
    try {
      const pids = await Promise.all([holder, second, third].map(async (c) => Number((await c.query('SELECT pg_backend_pid() AS p')).rows[0].p)));
      await holder.query("SET application_name = 'payments-api'");
      await holder.query('BEGIN');
      await holder.query('UPDATE accounts SET balance = balance - 1 WHERE id = 1 /* card 4111 1111 1111 1111 */');
      const waiting = async () => Number((await primary.sql<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))[0]!.n);
      const pending: Promise<unknown>[] = [];
      for (const [i, c] of [second, third].entries()) {
        pending.push(c.query('UPDATE accounts SET balance = balance + 1 WHERE id = 1').catch(() => undefined));
        await until(`${i + 1} session(s) waiting on locks`, async () => (await waiting()) === i + 1);
      }
      await new Promise((r) => setTimeout(r, 1200));
      const r = await run(['--long', '1s']);
      expect(r.exitCode).toBe(0);
      const s = sectionsOf(r.stdout);
      const tree = s['Blocking tree']!;
      expect(tree.state).toBe('attention');
      expect(tree.data.roots).toEqual([pids[0]]);
      expect(tree.lines![0]).toMatch(new RegExp(`^pid ${pids[0]} postgres@payments-api \\(idle in transaction, transaction open \\d+ s\\): UPDATE accounts`));
      expect(tree.lines!.join('\n')).toMatch(new RegExp(`└─ pid ${pids[1]} .*waiting \\d+ s on Lock/transactionid`));
      expect(tree.lines!.join('\n')).toMatch(new RegExp(`   └─ pid ${pids[2]} .*waiting \\d+ s on Lock/tuple`));
      const waits = s['Lock waits by relation']!;
      expect(waits.state).toBe('attention');
      expect(waits.data.filter((w: { relation: string }) => w.relation === 'accounts').reduce((n: number, w: { waiting: number }) => n + w.waiting, 0)).toBe(2);
      const long = s['Long-running queries']!;
      expect(long.state).toBe('attention');
      expect(long.data.map((q: { pid: number }) => q.pid)).toEqual(expect.arrayContaining(pids));
      expect(s['Connections']!.data.application).toContainEqual(['payments-api', 1]);
      const human = await nvcops(['incident', 'db', '--config', config], { env: { XDG_STATE_HOME: state } });
      expect(human.stdout).toMatch(/▲ Blocking tree — 2 sessions waiting behind 1 blocker\(s\)/);
      // A card number in a query's text is masked wherever it is printed.
      expect(r.stdout + human.stdout).toContain('card ************1111');
      expect(r.stdout + human.stdout).not.toContain('4111 1111 1111 1111');
      await holder.query('ROLLBACK');
      await Promise.all(pending);
    } finally {
      await Promise.all([holder, second, third].map((c) => c.end()));
    }
  });

  const deadlocks = async () => Number((await primary.sql<{ d: string }>("SELECT deadlocks AS d FROM pg_stat_database WHERE datname = 'postgres'"))[0]!.d);

  /** Two sessions that each wait for the other's row: PostgreSQL cancels one, and counts the deadlock. */
  async function deadlock(): Promise<void> {
    const before = await deadlocks();
    const a = await primary.connect();
    const b = await primary.connect();
    try {
      await a.query('BEGIN');
      await b.query('BEGIN');
      await a.query('UPDATE accounts SET balance = 1 WHERE id = 2');
      await b.query('UPDATE accounts SET balance = 1 WHERE id = 3');
      const outcomes = await Promise.allSettled([
        a.query('UPDATE accounts SET balance = 2 WHERE id = 3'),
        new Promise((r) => setTimeout(r, 100)).then(() => b.query('UPDATE accounts SET balance = 2 WHERE id = 2')),
      ]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(String((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(/deadlock detected/);
      await Promise.all([a.query('ROLLBACK'), b.query('ROLLBACK')]);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
    await until('the deadlock counted', async () => (await deadlocks()) > before);
  }

  it('reports a real deadlock since the last look, temp files that spilled, and checkpoint pressure', async () => {
    await run([]);
    await deadlock();
    await primary.sql("SET work_mem = '64kB'; SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC");
    for (let i = 0; i < 3; i++) await primary.sql('CHECKPOINT');
    const r = await run([]);
    const s = sectionsOf(r.stdout);
    const dl = s['Deadlocks and temp files']!;
    expect(dl.state).toBe('attention');
    expect(dl.summary).toMatch(/postgres: 1 deadlocks, [1-9]\d* temp files \(.*\) since the last look at /);
    const cp = s['Checkpoint pressure']!;
    expect(cp.state).toBe('attention');
    expect(cp.data.requested).toBeGreaterThanOrEqual(3);
    expect(cp.summary).toMatch(/consider raising max_wal_size/);
    // Nothing new since: the next look is quiet again.
    const again = sectionsOf((await run([])).stdout)['Deadlocks and temp files']!;
    expect(again).toMatchObject({ state: 'ok', summary: expect.stringMatching(/^no deadlocks or temp files since the last look/) });
  });

  it('counts from the reset when the statistics were reset since the last look (pg_stat_reset, a crash), never hiding new deadlocks', async () => {
    await deadlock();
    await run([]);
    // Two deadlocks on record at the last look; after the reset the counter starts again from 0.
    await primary.sql('SELECT pg_stat_reset()');
    await deadlock();
    const dl = sectionsOf((await run([])).stdout)['Deadlocks and temp files']!;
    expect(dl.state).toBe('attention');
    expect(dl.summary).toMatch(/^postgres: 1 deadlocks, \d+ temp files \(.*\) since the last look at \S+ \(postgres since its statistics were reset at \d{4}-\d\d-\d\dT/);
  });

  it('lists top statements by time once pg_stat_statements is installed', async () => {
    await primary.sql('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await primary.sql('SELECT count(*) FROM accounts a, accounts b, generate_series(1, 2000)');
    const s = sectionsOf((await run([])).stdout)['Top statements by time']!;
    expect(s.state).toBe('ok');
    expect(s.table!.rows.some((row) => /FROM accounts a, accounts b/.test(row.at(-1)!))).toBe(true);
  });

  it('flags a replica that is down and says error, exit 3, when the primary refuses connections', async () => {
    const broken = writeConfig({ postgres: { url: primary.monitorUrl, replicas: [{ name: 'gone', url: 'postgres://nvcops_monitor@127.0.0.1:1/postgres' }] } });
    const s = sectionsOf((await run([], broken)).stdout)['Replication']!;
    expect(s.state).toBe('attention');
    expect(s.lines!.join('\n')).toMatch(/replica gone: .*connection refused/);
    const down = writeConfig({ postgres: { url: 'postgres://nvcops_monitor:S3cretPw@127.0.0.1:1/postgres' } });
    const r = await run([], down);
    expect(r.exitCode).toBe(3);
    expect(sectionsOf(r.stdout)['PostgreSQL']).toMatchObject({ state: 'error', summary: expect.stringMatching(/connection refused/) });
    expect(r.stdout).not.toContain('S3cretPw');
  });
});
