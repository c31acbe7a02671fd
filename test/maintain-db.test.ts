import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PgServer } from './support/servers.js';
import { execa } from 'execa';
import { CLI, nvcops, writeConfig } from './support/cli.js';

const dead = async (pg: PgServer, table: string) =>
  Number((await pg.sql<{ n: string }>(`SELECT n_dead_tup AS n FROM pg_stat_user_tables WHERE relname = $1`, [table]))[0]!.n);

/** The audit trail the CLI wrote into a state directory. */
const auditOf = (state: string) => readFileSync(join(state, 'nvcops', 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('maintain db and maintain stats against a real PostgreSQL', () => {
  let pg: PgServer;
  let config: string;

  beforeAll(async () => {
    // autovacuum off: the dead tuples stay until nvcops removes them.
    pg = await startPostgres({ settings: { autovacuum: 'off' } });
    await pg.sql(`CREATE TABLE accounts (id int PRIMARY KEY, balance numeric, note text)`);
    await pg.sql(`INSERT INTO accounts SELECT g, g, repeat('x', 100) FROM generate_series(1, 40000) g`);
    await pg.sql(`DELETE FROM accounts WHERE id > 10000`);
    await pg.sql(`CREATE TABLE ledger (id int PRIMARY KEY, amount numeric)`);
    await pg.sql(`INSERT INTO ledger SELECT g, g FROM generate_series(1, 20000) g`);
    await pg.sql(`DELETE FROM ledger WHERE id <= 100`);
    config = writeConfig({ environment: 'staging', postgres: { url: pg.url } });
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('plans VACUUM (ANALYZE) for the table with many dead tuples only, and --dry-run changes nothing', async () => {
    const r = await nvcops(['maintain', 'db', '--vacuum', '--analyze', '--dry-run', '--config', config, '--format', 'json']);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ action: 'maintain db', status: 'planned', environment: 'staging', outcomes: [] });
    expect(out.plan.map((s: { title: string }) => s.title)).toEqual(['VACUUM (ANALYZE) public.accounts']);
    expect(out.plan[0].details[0]).toMatch(/30000 dead of 40000 rows \(75\.0%\)/);
    expect(await dead(pg, 'accounts')).toBe(30000);
  });

  it('refuses without --yes when no one is at a terminal, and does nothing', async () => {
    const r = await nvcops(['maintain', 'db', '--vacuum', '--analyze', '--config', config]);
    expect(r.exitCode).toBe(64);
    expect(r.stdout).toMatch(/1\. VACUUM \(ANALYZE\) public\.accounts/);
    expect(r.stdout).toMatch(/refused: not confirmed: add --yes/);
    expect(await dead(pg, 'accounts')).toBe(30000);
  });

  it('needs --confirm-env naming a protected environment', async () => {
    const prod = writeConfig({ environment: 'production', postgres: { url: pg.url } });
    const r = await nvcops(['maintain', 'db', '--vacuum', '--yes', '--config', prod]);
    expect(r.exitCode).toBe(64);
    expect(r.stdout).toMatch(/production is protected: add --confirm-env production/);
    const wrong = await nvcops(['maintain', 'db', '--vacuum', '--yes', '--confirm-env', 'staging', '--config', prod]);
    expect(wrong.exitCode).toBe(64);
    expect(wrong.stdout).toMatch(/--confirm-env staging does not match this environment \(production\)/);
    expect(await dead(pg, 'accounts')).toBe(30000);
  });

  it('acts as postgres.adminUrl: a pg_monitor role in postgres.url is refused before anything is done, naming what it lacks', async () => {
    const monitor = { environment: 'staging', postgres: { url: pg.monitorUrl } };
    // PostgreSQL itself would only warn and skip the table: the plan must not pretend the vacuum happened.
    for (const args of [['db', '--vacuum', '--analyze'], ['stats', '--all']]) {
      const r = await nvcops(['maintain', ...args, '--yes', '--config', writeConfig(monitor)]);
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toMatch(/nothing was done: maintain (db|stats): role nvcops_monitor may not act on public\.accounts.*only the owner, the database owner or a superuser may .*set postgres\.adminUrl/);
    }
    expect(await dead(pg, 'accounts')).toBe(30000);
    const admin = writeConfig({ ...monitor, postgres: { ...monitor.postgres, adminUrl: pg.url } });
    const planned = await nvcops(['maintain', 'db', '--vacuum', '--analyze', '--dry-run', '--config', admin, '--format', 'json']);
    expect(planned.exitCode).toBe(0);
    expect(JSON.parse(planned.stdout).plan.map((s: { title: string }) => s.title)).toEqual(['VACUUM (ANALYZE) public.accounts']);
  });

  it('vacuums with --yes, reports dead tuples before and after, and audits before and after', async () => {
    const state = mkdtempSync(join(tmpdir(), 'nvcops-state-'));
    const r = await nvcops(['maintain', 'db', '--vacuum', '--analyze', '--yes', '--config', config, '--by', 'alice'], { env: { XDG_STATE_HOME: state } });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/✔ 1\. VACUUM \(ANALYZE\) public\.accounts — dead tuples 30000 → 0/);
    expect(r.stdout).toMatch(/DONE — 1 done, 0 failed, 0 not run of 1 steps · exit 0/);
    expect(await dead(pg, 'accounts')).toBe(0);
    const audit = auditOf(state);
    expect(audit.map((a) => [a.phase, a.action, a.by])).toEqual([['started', 'maintain db', 'alice'], ['finished', 'maintain db', 'alice']]);
    expect(audit[0].details.steps).toEqual(['VACUUM (ANALYZE) public.accounts']);
    expect(audit[1]).toMatchObject({ outcome: 'ok', details: { outcomes: [{ status: 'done' }] } });
    // Run again: the work is done, so there is nothing to do.
    const again = await nvcops(['maintain', 'db', '--vacuum', '--analyze', '--yes', '--config', config]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/nothing to do/);
  });

  it('gives up on a table it cannot lock within lock_timeout and goes on with the next', async () => {
    await pg.sql(`DELETE FROM ledger WHERE id <= 200`);
    const holder = await pg.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE');
    try {
      const cfg = writeConfig({ postgres: { url: pg.url }, maintenance: { vacuum: { lockTimeout: '1s' } } });
      const r = await nvcops(['maintain', 'db', '--vacuum', '--table', 'accounts', '--table', 'public.ledger', '--yes', '--config', cfg, '--format', 'json']);
      expect(r.exitCode).toBe(2);
      const out = JSON.parse(r.stdout);
      expect(out.status).toBe('failed');
      expect(out.outcomes[0]).toMatchObject({ title: 'VACUUM public.accounts', status: 'failed', message: expect.stringMatching(/lock not granted within lock_timeout/) });
      expect(out.outcomes[1]).toMatchObject({ title: 'VACUUM public.ledger', status: 'done', message: expect.stringMatching(/dead tuples 200 → 0/) });
    } finally {
      await holder.query('ROLLBACK');
    }
  });

  it.each([['Ctrl-C', 130, 'SIGINT'], ['SIGTERM', 143, 'SIGTERM']] as const)('on %s cancels the VACUUM waiting on the server, runs no further step, exits %s and audits it as interrupted', async (_, code, signal) => {
    const holder = await pg.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE');
    const state = mkdtempSync(join(tmpdir(), 'nvcops-state-'));
    try {
      const cfg = writeConfig({ postgres: { url: pg.url }, maintenance: { vacuum: { lockTimeout: '60s' } } });
      const child = execa('node', [CLI, 'maintain', 'db', '--vacuum', '--table', 'accounts', '--table', 'ledger', '--yes', '--config', cfg, '--format', 'json'], {
        reject: false, env: { ...process.env, NO_COLOR: '1', XDG_STATE_HOME: state },
      });
      // Wait until the VACUUM is queued behind the lock, then interrupt.
      for (let i = 0; i < 100; i++) {
        const [w] = await pg.sql<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'VACUUM%' AND wait_event_type = 'Lock'`);
        if (Number(w!.n) > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill(signal);
      const r = await child;
      expect(r.exitCode).toBe(code);
      const out = JSON.parse(r.stdout);
      expect(out).toMatchObject({ status: 'interrupted', exitCode: code });
      expect(out.outcomes[0]).toMatchObject({ status: 'failed', message: expect.stringMatching(/canceling statement due to user request/) });
      expect(out.outcomes[1]).toMatchObject({ title: 'VACUUM public.ledger', status: 'not run' });
      const audit = auditOf(state);
      expect(audit.map((a) => [a.phase, a.outcome])).toEqual([['started', undefined], ['finished', 'interrupted']]);
      const shown = await nvcops(['audit', 'show', '--config', cfg, '--format', 'json'], { env: { XDG_STATE_HOME: state } });
      expect(JSON.parse(shown.stdout)).toMatchObject([{ phase: 'started' }, { phase: 'finished', outcome: 'interrupted' }]);
      expect((await nvcops(['audit', 'verify', '--config', cfg], { env: { XDG_STATE_HOME: state } })).exitCode).toBe(0);
      const [left] = await pg.sql<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'VACUUM%' AND state = 'active'`);
      expect(Number(left!.n)).toBe(0);
    } finally {
      await holder.query('ROLLBACK');
    }
  });

  it('runs VACUUM FULL only with --full, warns about the lock first, and shrinks the table', async () => {
    await pg.sql(`DELETE FROM accounts WHERE id > 1000`);
    const before = Number((await pg.sql<{ s: string }>(`SELECT pg_table_size('accounts') AS s`))[0]!.s);
    const plan = await nvcops(['maintain', 'db', '--vacuum', '--full', '--table', 'accounts', '--dry-run', '--config', config]);
    expect(plan.stdout).toMatch(/▲ VACUUM FULL rewrites each table under an ACCESS EXCLUSIVE lock: reads and writes of public\.accounts wait/);
    const r = await nvcops(['maintain', 'db', '--vacuum', '--full', '--table', 'accounts', '--yes', '--config', config]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/VACUUM \(FULL\) public\.accounts — dead tuples 9000 → 0, size [\d.]+ MB → [\d.]+ kB/);
    const after = Number((await pg.sql<{ s: string }>(`SELECT pg_table_size('accounts') AS s`))[0]!.s);
    expect(after).toBeLessThan(before / 2);
  });

  it('asks at a terminal: typed "yes" acts, anything else does nothing', async () => {
    await pg.sql(`DELETE FROM ledger WHERE id <= 300`);
    await pg.sql(`SELECT pg_stat_force_next_flush()`);
    // script(1) gives the CLI a real pseudo-terminal; what it reads is the answer typed at the prompt.
    const atTerminal = (answer: string) =>
      // A width for the terminal, so the live progress line (ora) runs as it does for a person.
      execa('script', ['-qec', `stty cols 120 rows 40; node ${CLI} maintain db --vacuum --table ledger --config ${config}`, '/dev/null'], {
        input: `${answer}\n`, timeout: 20_000, env: { ...process.env, NO_COLOR: '1', XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'nvcops-state-')) }, reject: false,
      });
    const no = await atTerminal('no');
    expect(no.stdout).toMatch(/Type "yes" to go ahead:/);
    expect(no.stdout).toMatch(/refused: not confirmed at the prompt; nothing was done/);
    expect(no.exitCode).toBe(64);
    const before = await dead(pg, 'ledger');
    expect(before).toBeGreaterThanOrEqual(100);
    const yes = await atTerminal('yes');
    expect(yes.stdout).toMatch(new RegExp(`VACUUM public\\.ledger — dead tuples ${before} → 0`));
    expect(yes.exitCode).toBe(0);
  });

  it.each([
    [['maintain', 'db'], /say what to do: --vacuum, --analyze or both/],
    [['maintain', 'db', '--analyze', '--full'], /--full rewrites tables with VACUUM FULL: it needs --vacuum/],
    [['maintain', 'db', '--vacuum', '--table', 'nosuch'], /--table nosuch: no such table/],
    // An unset variable: refused naming the flag, not sent to the server as a name it cannot parse (exit 3).
    [['maintain', 'db', '--vacuum', '--table', 'accounts', '--table', ''], /--table <name>' argument '' is invalid\. use a table name such as public\.payments; it cannot be empty/],
    // Names the server cannot parse: refused naming the flag, not sent to to_regclass (exit 3, "invalid name syntax").
    [['maintain', 'db', '--vacuum', '--table', '"abc'], /--table <name>' argument '"abc' is invalid\. use a table name such as public\.payments: a name or schema\.name, each part plain or in double quotes/],
    [['maintain', 'db', '--vacuum', '--table', 'a.b.c.d'], /--table <name>' argument 'a\.b\.c\.d' is invalid\. use a table name such as public\.payments: a name or schema\.name/],
    [['maintain', 'db', '--vacuum', '--table', 'public.'], /--table <name>' argument 'public\.' is invalid/],
  ])('exits 64 for %j with one line', async (args, message) => {
    const r = await nvcops([...args, '--config', config]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('takes a --table name in double quotes, as PostgreSQL writes it', async () => {
    const r = await nvcops(['maintain', 'db', '--vacuum', '--table', '"public"."ledger"', '--dry-run', '--config', config]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('VACUUM public.ledger');
  });

  it('maintain stats analyzes the tables past the autovacuum analyze rule, or every table with --all', async () => {
    await pg.sql(`CREATE TABLE transfers (id int, amount numeric)`);
    await pg.sql(`ANALYZE`);
    await pg.sql(`INSERT INTO transfers SELECT g, g FROM generate_series(1, 5000) g`);
    const plan = await nvcops(['maintain', 'stats', '--dry-run', '--config', config, '--format', 'json']);
    expect(JSON.parse(plan.stdout).plan.map((s: { title: string }) => s.title)).toEqual(['ANALYZE public.transfers']);
    const all = await nvcops(['maintain', 'stats', '--all', '--dry-run', '--config', config, '--format', 'json']);
    expect(JSON.parse(all.stdout).plan.length).toBe(3);
    const r = await nvcops(['maintain', 'stats', '--yes', '--config', config]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/ANALYZE public\.transfers — rows changed since analyze 5000 → 0/);
  });

  it('after VACUUM FULL a re-run has nothing left to do: the rewritten table is not planned again', async () => {
    await pg.sql(`CREATE TABLE payments (id int, note text)`);
    await pg.sql(`INSERT INTO payments SELECT g, repeat('p', 50) FROM generate_series(1, 30000) g`);
    await pg.sql(`DELETE FROM payments WHERE id > 10000; SELECT pg_stat_force_next_flush()`);
    const plan = await nvcops(['maintain', 'db', '--vacuum', '--full', '--dry-run', '--config', config, '--format', 'json']);
    expect(JSON.parse(plan.stdout).plan).toContainEqual(expect.objectContaining({
      title: 'VACUUM (FULL) public.payments',
      details: expect.arrayContaining(['then VACUUM public.payments, so that pg_stat counts the dead tuples VACUUM FULL removed (it does not report them)']),
    }));
    const r = await nvcops(['maintain', 'db', '--vacuum', '--full', '--yes', '--config', config]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/VACUUM \(FULL\) public\.payments — dead tuples 20000 → 0/);
    const again = await nvcops(['maintain', 'db', '--vacuum', '--full', '--yes', '--config', config]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/nothing to do/);
  });
});
