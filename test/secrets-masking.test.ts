/**
 * Secrets in the query texts and log lines nvcops reads are masked where they enter: no command, format, run
 * history, record or report file holds them. Sessions are really blocked on a real PostgreSQL; logs are real files.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';
import { startPostgres, startRedis } from './support/servers.js';
import type { PgServer } from './support/servers.js';
import { until } from './support/until.js';
import { FORMATS } from '../src/report/formats.js';

const HOLDER_PW = 'Holder_P4ss11';
const WAITER_PW = 'IdleLeak_P4ss77';
const COMMENT_PW = 'Comment_P4ss33';
const URL_PW = 'Url_P4ss55';
const QUOTED_PW = 'Quoted_P4ss99';
/** Only in a fleet's config (another environment's password): masked as a secret nvcops learnt, not by its shape. */
const LEARNT_PW = 'Learnt_P4ss22';
const CARD = '4111 1111 1111 1111';
const SECRETS = [HOLDER_PW, WAITER_PW, COMMENT_PW, URL_PW, QUOTED_PW, CARD, CARD.replace(/ /g, '')];

/** Every file under a directory, with its text. */
function filesUnder(dir: string): { path: string; text: string }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).isFile())
    .map((path) => ({ path, text: readFileSync(path, 'utf8') }));
}

/** The secrets a text holds (an empty list is what every output must give). */
const leaked = (text: string) => SECRETS.filter((s) => text.includes(s));

describe('secrets in running SQL (pg_stat_activity, pg_stat_statements) never leave nvcops', () => {
  let server: PgServer;
  let holder: pg.Client;
  let waiter: pg.Client;
  let sleeper: pg.Client;
  let pending: Promise<unknown>[] = [];
  let config: string;
  const work = mkdtempSync(join(tmpdir(), 'nvcops-secrets-'));
  const state = join(work, 'state');
  // Wide enough that a masked statement is one line (test/screen.test.ts masks before it wraps).
  const run = (args: string[]) => nvcops([...args, '--config', config], { env: { XDG_STATE_HOME: state, COLUMNS: '1000' } });

  beforeAll(async () => {
    server = await startPostgres({ settings: { shared_preload_libraries: 'pg_stat_statements' } });
    await server.sql('CREATE EXTENSION pg_stat_statements');
    await server.sql("CREATE ROLE victim LOGIN PASSWORD 'first-one'");
    // A utility statement keeps its text in pg_stat_statements as sent; 300 ms puts it at the top by total time.
    await server.sql(`DO $$ BEGIN PERFORM pg_sleep(0.3); END $$ /* password=${COMMENT_PW} */`);
    [holder, waiter, sleeper] = await Promise.all([server.connect(), server.connect(), server.connect()]);
    // The holder changes the password in an open transaction; the waiter's change waits for its row lock.
    await holder.query('BEGIN');
    await holder.query(`ALTER ROLE victim PASSWORD '${HOLDER_PW}'`);
    pending = [
      waiter.query(`ALTER ROLE victim PASSWORD '${WAITER_PW}'`).catch(() => undefined),
      sleeper.query(`SELECT pg_sleep(600) /* password=${COMMENT_PW} card ${CARD} */, 'postgres://app:${URL_PW}@db1/bank' AS dsn, '${LEARNT_PW}' AS note`).catch(() => undefined),
    ];
    await until('the waiter blocked and the sleeper running', async () => {
      const rows = await server.sql<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE (wait_event_type = 'Lock' AND query LIKE 'ALTER ROLE%') OR query LIKE 'SELECT pg_sleep(600)%'");
      return Number(rows[0]!.n) === 2;
    });
    // Long-running lists queries running 1 s or more.
    await new Promise((r) => setTimeout(r, 1500));
    config = writeConfig({ environment: 'staging', postgres: { url: server.url } });
  }, 60_000);
  afterAll(async () => {
    await server?.sql("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(600)%'").catch(() => undefined);
    await holder?.query('ROLLBACK').catch(() => undefined);
    await Promise.all(pending);
    await server?.stop();
  });

  it('health daily and health db show the sessions masked in every format', async () => {
    for (const command of [['health', 'daily'], ['health', 'db']]) {
      for (const format of FORMATS) {
        const r = await run([...command, '--format', format]);
        expect({ command: command.join(' '), format, leaked: leaked(r.stdout + r.stderr) }).toEqual({ command: command.join(' '), format, leaked: [] });
        // Where the details are printed, the statements are there, masked: the check saw them.
        if (format === 'human' || format === 'json') expect(r.stdout).toContain("ALTER ROLE victim PASSWORD '***'");
        // health db lists long-running queries too.
        if (command[1] === 'db' && (format === 'human' || format === 'json')) {
          expect(r.stdout).toMatch(/password=\*\*\* card \*{12}1111/);
          expect(r.stdout).toContain('postgres://app:***@db1/bank');
        }
      }
    }
  });

  it('a fleet run (--env all) shows, files and keeps them masked in every format, a secret learnt from another environment too', async () => {
    // Each environment's report is masked once, then shown, kept and gathered into the fleet's report.
    const fleet = writeConfig({
      environments: { live: { postgres: { url: server.url } }, other: { postgres: { url: `postgres://nvcops:${LEARNT_PW}@127.0.0.1:1/postgres` } } },
    });
    const fleetState = join(work, 'fleet-state');
    const all = [...SECRETS, LEARNT_PW];
    for (const format of FORMATS) {
      const file = join(work, `fleet-report-${format}`);
      const r = await nvcops(['--config', fleet, '--env', 'all', 'health', 'db', '--format', format, '--report', `${format}=${file}`], { env: { XDG_STATE_HOME: fleetState, COLUMNS: '1000' } });
      const shown = r.stdout + r.stderr + readFileSync(file, 'utf8');
      expect({ format, leaked: all.filter((x) => shown.includes(x)) }).toEqual({ format, leaked: [] });
      if (format === 'json') {
        expect(JSON.parse(r.stdout).environments).toEqual(['live', 'other']);
        expect(r.stdout).toContain("ALTER ROLE victim PASSWORD '***'");
        expect(r.stdout).toContain("AS dsn, '***'");
      }
    }
    const kept = filesUnder(fleetState);
    expect(kept.map((f) => f.text).join('\n')).toContain("AS dsn, '***'");
    for (const f of kept) expect({ path: f.path, leaked: all.filter((x) => f.text.includes(x)) }).toEqual({ path: f.path, leaked: [] });
  });

  it('incident db shows the blocking tree, long-running and top statements masked in every format', async () => {
    for (const format of ['human', 'json', 'markdown']) {
      const r = await run(['incident', 'db', '--long', '1s', '--format', format]);
      expect({ format, leaked: leaked(r.stdout + r.stderr) }).toEqual({ format, leaked: [] });
      expect(r.stdout).toContain("ALTER ROLE victim PASSWORD '***'");
      expect(r.stdout).toMatch(/password=\*\*\* card \*{12}1111/);
    }
    const top = (JSON.parse((await run(['incident', 'db', '--format', 'json'])).stdout).sections as { title: string; data: { query: string }[] }[])
      .find((s) => s.title === 'Top statements by time')!;
    expect(top.data.map((d) => d.query)).toContain('DO $$ BEGIN PERFORM pg_sleep(0.3); END $$ /* password=*** */');
  });

  it('incident diagnose --output writes a file without them, and the state directory (history, records) holds none', async () => {
    const output = join(work, 'diagnosis.md');
    const r = await run(['incident', 'diagnose', '--output', output]);
    expect(leaked(r.stdout + r.stderr)).toEqual([]);
    const report = readFileSync(output, 'utf8');
    expect(report).toContain("ALTER ROLE victim PASSWORD '***'");
    expect(leaked(report)).toEqual([]);
    const stored = filesUnder(state);
    // The runs above were kept: history of the check runs, and the investigations' records.
    expect(stored.map((f) => f.path).join('\n')).toMatch(/history\/\d{4}-\d{2}\.jsonl/);
    expect(stored.map((f) => f.path).join('\n')).toMatch(/records\.jsonl/);
    expect(stored.map((f) => ({ path: f.path, leaked: leaked(f.text) })).filter((f) => f.leaked.length)).toEqual([]);
    expect(stored.map((f) => f.text).join('\n')).toContain("PASSWORD '***'");
  });
});

describe('a password literal cut off by track_activity_query_size', () => {
  it('is masked to the end of the kept text: no prefix of it is shown', async () => {
    const server = await startPostgres({ settings: { track_activity_query_size: 100 } });
    const [holder, waiter] = await Promise.all([server.connect(), server.connect()]);
    const cut = 'CutOff_P4ss_that_runs_past_the_kept_bytes';
    try {
      await server.sql("CREATE ROLE victim LOGIN PASSWORD 'first-one'");
      await holder.query('BEGIN');
      await holder.query('ALTER ROLE victim CONNECTION LIMIT 5');
      // The literal starts before byte 100 and ends after it: PostgreSQL keeps `PASSWORD 'CutOff_P4…`.
      const sql = `ALTER ROLE victim /* ${'-'.repeat(50)} */ PASSWORD '${cut}'`;
      expect(sql.indexOf(cut)).toBeLessThan(95);
      const pending = waiter.query(sql).catch(() => undefined);
      await until('the waiter blocked', async () =>
        Number((await server.sql<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))[0]!.n) === 1);
      const [kept] = await server.sql<{ query: string }>("SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock'");
      expect(kept!.query).toMatch(/PASSWORD 'CutOff_P4\w*$/);
      expect(kept!.query).not.toContain(cut);
      const config = writeConfig({ postgres: { url: server.url } });
      const r = await nvcops(['health', 'db', '--config', config, '--format', 'json']);
      expect(r.stdout).toContain("PASSWORD '***'");
      expect(r.stdout).not.toContain(cut.slice(0, 6));
      await holder.query('ROLLBACK');
      await pending;
    } finally {
      await server.stop();
    }
  });
});

describe('secrets in log lines never leave nvcops', () => {
  const work = mkdtempSync(join(tmpdir(), 'nvcops-secret-logs-'));
  const state = join(work, 'state');
  const appLog = join(work, 'application.log');
  const now = Date.now();
  const line = (ago: number, o: object) => JSON.stringify({ time: new Date(now - ago).toISOString(), ...o });
  writeFileSync(appLog, [
    line(600_000, { level: 'warn', msg: `account bob locked: rejected 'password=${QUOTED_PW}' for card ${CARD}`, user: 'bob', ip: '10.0.0.7' }),
    line(500_000, { level: 'error', msg: `payment failed: postgres://app:${URL_PW}@db1/bank refused`, password: WAITER_PW }),
    `${new Date(now - 400_000).toISOString()} ERROR connect "host=db1 password='${COMMENT_PW} x' dbname=bank" failed`,
  ].join('\n') + '\n');
  const config = writeConfig({ environment: 'staging', logs: { application: appLog } });
  const run = (args: string[]) => nvcops([...args, '--config', config], { env: { XDG_STATE_HOME: state } });

  it('incident logs shows the samples masked in every format, and --grep cannot find a secret', async () => {
    for (const format of ['human', 'json', 'markdown']) {
      const r = await run(['incident', 'logs', '--since', '1h', '--format', format]);
      expect({ format, leaked: leaked(r.stdout + r.stderr) }).toEqual({ format, leaked: [] });
      expect(r.stdout).toContain("'password=***'");
      expect(r.stdout).toContain('************1111');
      expect(r.stdout).toContain('postgres://app:***@db1/bank');
    }
    const grep = await run(['incident', 'logs', '--since', '1h', '--grep', QUOTED_PW, '--format', 'json']);
    expect(grep.stdout).toMatch(/"summary": "0 lines in 0 groups since/);
    expect(leaked(filesUnder(state).map((f) => f.text).join('\n'))).toEqual([]);
  });

  it('health security shows the event masked', async () => {
    for (const format of ['human', 'json']) {
      const r = await run(['health', 'security', '--last-24h', '--format', format]);
      expect({ format, leaked: leaked(r.stdout + r.stderr) }).toEqual({ format, leaked: [] });
      expect(r.stdout).toContain("'password=***'");
      expect(r.stdout).toContain('************1111');
    }
  });
});

describe('secrets in Redis key names and slow commands never leave nvcops', () => {
  it('weekly performance shows the largest key and the slow command masked', async () => {
    const redis = await startRedis();
    const c = new Redis(redis.url, { maxRetriesPerRequest: 0 });
    try {
      await c.set(`card:${CARD.replace(/ /g, '')}`, 'x'.repeat(20_000));
      await c.eval('local i = 0 while i < 3e6 do i = i + 1 end return ARGV[1]', 0, `password=${QUOTED_PW}`);
      const config = writeConfig({ redis: { url: redis.url } });
      for (const format of ['human', 'json']) {
        const r = await nvcops(['weekly', 'performance', '--config', config, '--format', format]);
        expect({ format, leaked: leaked(r.stdout + r.stderr) }).toEqual({ format, leaked: [] });
        expect(r.stdout).toContain('card:************1111');
        expect(r.stdout).toContain('password=***');
      }
    } finally {
      c.disconnect();
      await redis.stop();
    }
  });
});
