import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogsProbe, MAX_LINE_BYTES } from '../src/probes/logs.js';
import type { SecurityEvent } from '../src/probes/security-events.js';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { startPostgres, type PgServer } from './support/servers.js';

const DAY = 24 * 3600_000;
type Summary = { exitCode: number; events: SecurityEvent[]; sources: { name: string; state: string; note: string }[] };

async function security(config: string): Promise<Summary> {
  const r = await nvcops(['health', 'security', '--last-24h', '--config', config, '--format', 'json']);
  return { ...(JSON.parse(r.stdout) as Omit<Summary, 'exitCode'>), exitCode: r.exitCode };
}

/** A superuser created, then DDL over several lines, as pg_restore and people write it; the password goes over a line too. */
async function attack(server: PgServer): Promise<void> {
  const c = await server.connect();
  try {
    await c.query("CREATE ROLE evil SUPERUSER LOGIN PASSWORD 'evil-pw-8h2k'");
    await c.query('CREATE SEQUENCE s1\n    START WITH 1\n    INCREMENT BY 1\n    NO MINVALUE\n    CACHE 1');
    await c.query("ALTER ROLE evil\n    PASSWORD 'second-pw-3j9x'");
    await c.query("CREATE ROLE evil2 LOGIN PASSWORD\n    'split-pw-5k7q'");
    await c.query('CREATE TABLE accounts (\n    id integer NOT NULL,\n    owner text\n)');
  } finally {
    await c.end();
  }
}

/** The logging collector writes behind the backend: waits until the log holds `text`. */
async function logged(log: string, text: string): Promise<void> {
  for (let i = 0; i < 100 && !(existsSync(log) && readFileSync(log, 'utf8').includes(text)); i++) await sleep(100);
  expect(readFileSync(log, 'utf8')).toContain(text);
}

/** The superuser's creation is an unreviewed high event, every entry whole and masked, the morning line fails. */
async function expectCaught(config: string, log: string): Promise<void> {
  await logged(log, 'CREATE TABLE accounts');
  const s = await security(config);
  const pgSource = s.sources.find((x) => x.name === 'postgres log')!;
  expect(pgSource.state).toBe('read');
  const high = s.events.filter((e) => e.source === 'postgres log' && e.severity === 'high').map((e) => e.message);
  expect(high.find((m) => /CREATE ROLE evil SUPERUSER/.test(m))).toBeDefined();
  // The multi-line ALTER ROLE is one event, its password (on the second line) masked.
  expect(high.find((m) => /ALTER ROLE evil/.test(m))).toBeDefined();
  expect(JSON.stringify(s)).not.toMatch(/evil-pw-8h2k|second-pw-3j9x|split-pw-5k7q/);
  expect(s.exitCode).toBe(2);
  const daily = parseReport((await nvcops(['health', 'daily', '--config', config, '--format', 'json'])).stdout).byId['security.alerts-reviewed']!;
  expect(daily.status).toBe('fail');
  // Each statement is one entry: its lines travel with it.
  const w = await new LogsProbe().window(log, DAY, new Date());
  const alter = w.notable.find((e) => /ALTER ROLE evil/.test(e.message))!;
  expect(alter.message).toMatch(/ALTER ROLE evil\n\s*PASSWORD '\*\*\*'/);
  expect(JSON.stringify(w.notable)).not.toMatch(/evil-pw-8h2k|second-pw-3j9x|split-pw-5k7q/);
  expect(w.undated).toBe(0);
}

describe('PostgreSQL log entries span lines, and a line without a time never ends the reading', () => {
  let stderrLog: PgServer;
  let csv: PgServer;
  let json: PgServer;
  beforeAll(async () => {
    [stderrLog, csv, json] = await Promise.all([
      startPostgres({ tls: false, settings: { log_statement: 'ddl' } }),
      startPostgres({ tls: false, settings: { log_statement: 'ddl', logging_collector: 'on', log_destination: 'csvlog', log_directory: 'log', log_filename: 'postgresql.log' } }),
      startPostgres({ tls: false, settings: { log_statement: 'ddl', logging_collector: 'on', log_destination: 'jsonlog', log_directory: 'log', log_filename: 'postgresql.log' } }),
    ]);
    await Promise.all([attack(stderrLog), attack(csv), attack(json)]);
  });
  afterAll(async () => {
    await Promise.all([stderrLog?.stop(), csv?.stop(), json?.stop()]);
  });

  const config = (log: string) => writeConfig({ logs: { postgres: log }, state: { path: join(mkdtempSync(join(tmpdir(), 'nvcops-entries-')), 'state') } });

  it('stderr (log_line_prefix): CREATE ROLE … SUPERUSER before a multi-line CREATE SEQUENCE is still found', async () => {
    await expectCaught(config(stderrLog.logFile), stderrLog.logFile);
    const w = await new LogsProbe().window(stderrLog.logFile, DAY, new Date());
    // The whole file was read: the server's start is in the window.
    expect(w.notable.some((e) => /CREATE ROLE evil/.test(e.raw))).toBe(true);
    const r = await nvcops(['incident', 'logs', '--file', stderrLog.logFile, '--level', 'info', '--grep', 'START WITH', '--since', '1h', '--format', 'json', '--config', config(stderrLog.logFile)]);
    // The continuation line is part of its statement's entry: the grep finds that entry once.
    expect(r.stdout).toMatch(/statement: CREATE SEQUENCE s1\\n\\t\s*START WITH 1/);
  });

  it('csvlog: a statement over several lines inside CSV quotes is one entry', async () => {
    const log = join(csv.dataDir, 'log', 'postgresql.csv');
    await expectCaught(config(log), log);
  });

  it('jsonlog (PostgreSQL 15): one line per entry, its severity read from error_severity', async () => {
    const log = join(json.dataDir, 'log', 'postgresql.json');
    await expectCaught(config(log), log);
    const c = await json.connect();
    await expect(c.query('SELECT * FROM no_such_table')).rejects.toThrow(/does not exist/);
    await c.end();
    await logged(log, 'no_such_table');
    const w = await new LogsProbe().window(log, DAY, new Date());
    expect(w.errorLines).toBe(1);
    // A statement's newline is escaped inside the JSON line: its password is masked there too.
    const r = await nvcops(['incident', 'logs', '--file', log, '--level', 'info', '--grep', 'evil2', '--since', '1h', '--format', 'json', '--config', config(log)]);
    expect(r.stdout).toMatch(/CREATE ROLE evil2 LOGIN PASSWORD\\\\n {4}'\*\*\*'/);
    expect(r.stdout).not.toContain('split-pw-5k7q');
  });
});

describe('application log entries', () => {
  const pyTime = (ms: number) => new Date(Date.now() - ms).toISOString().replace('T', ' ').replace('Z', '');

  it('a stack trace under an error line is part of that entry, and does not end the reading', async () => {
    const d = mkdtempSync(join(tmpdir(), 'nvcops-entries-app-'));
    const log = join(d, 'application.log');
    writeFileSync(log, [
      `${pyTime(3 * 3600_000)} WARNING auth: login failed for user mallory from 203.0.113.7`,
      `${pyTime(2 * 3600_000)} INFO payments: role granted: user=mallory role=admin`,
      `${pyTime(60_000)} ERROR payments: transfer 42 failed`,
      'Traceback (most recent call last):',
      '  File "/srv/app/payments.py", line 88, in transfer',
      '    return accounts[account_id]',
      // Date.parse reads "KeyError: 2" as 2001-02-01: it must not end the reading there.
      'KeyError: 2',
      `${pyTime(30_000)} INFO payments: transfer 43 done`,
    ].join('\n') + '\n');
    const w = await new LogsProbe().window(log, DAY, new Date());
    expect([w.lines, w.errorLines, w.undated]).toEqual([4, 1, 0]);
    expect(w.notable.find((e) => e.level === 'error')!.raw).toMatch(/transfer 42 failed\nTraceback[^]*\nKeyError: 2$/);
    const s = await security(writeConfig({ logs: { application: log }, state: { path: join(d, 'state') } }));
    expect(s.events.map((e) => `${e.severity} ${e.kind}`)).toContain('high privilege-change');
    expect(s.exitCode).toBe(2);
    const r = await nvcops(['incident', 'logs', '--file', log, '--since', '1h', '--grep', 'KeyError', '--format', 'json', '--config', writeConfig({})]);
    expect(r.stdout).toMatch(/transfer <n> failed/);
    expect(r.stdout).toMatch(/"count":\s*1\b/);
  });

  it('lines nvcops cannot read above the first dated one are an error, never a quiet day', async () => {
    const d = mkdtempSync(join(tmpdir(), 'nvcops-entries-bad-'));
    const log = join(d, 'application.log');
    // A log half overwritten by a binary blob (or written in another encoding), one readable line at the end.
    const blob = Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 37 + 11) % 256));
    writeFileSync(log, Buffer.concat([blob, Buffer.from(`\n${new Date(Date.now() - 60_000).toISOString()} INFO request served\n`)]));
    const s = await security(writeConfig({ logs: { application: log }, state: { path: join(d, 'state') } }));
    const app = s.sources.find((x) => x.name === 'application log')!;
    expect(app.state).toBe('error');
    expect(app.note).toMatch(/without a time nvcops could read: they may hold events of the window/);
    expect(s.exitCode).toBe(3);
    // A log written in UTF-16: no line reads as dated, so none is taken as a quiet day.
    writeFileSync(log, Buffer.from(`\ufeff${new Date(Date.now() - 60_000).toISOString()} WARN login failed for user bob\n`, 'utf16le'));
    const utf16 = await security(writeConfig({ logs: { application: log }, state: { path: join(d, 'state') } }));
    expect(utf16.sources.find((x) => x.name === 'application log')).toMatchObject({ state: 'error', note: expect.stringMatching(/no line had a timestamp nvcops could read/) });
  });

  it('bounds an entry: 5 MB of undated lines under one error keep about MAX_LINE_BYTES of it and count the rest', async () => {
    const d = mkdtempSync(join(tmpdir(), 'nvcops-entries-big-'));
    const log = join(d, 'application.log');
    const under = Buffer.alloc(5 * 1024 * 1024, 'at x\n');
    writeFileSync(log, Buffer.concat([Buffer.from(`${pyTime(120_000)} ERROR boom\n`), under, Buffer.from(`${pyTime(60_000)} INFO after\n`)]));
    const t0 = performance.now();
    const w = await new LogsProbe().window(log, DAY, new Date());
    expect([w.lines, w.errorLines, w.undated]).toEqual([2, 1, 0]);
    const boom = w.notable.find((e) => e.level === 'error')!;
    expect(boom.raw.length).toBeLessThan(MAX_LINE_BYTES + 200);
    expect(boom.raw).toMatch(/^\S+ \S+ ERROR boom\nat x\n[^]*\n… \d+ more lines of this entry left out$/);
    const r = await nvcops(['incident', 'logs', '--file', log, '--since', '1h', '--grep', 'boom', '--format', 'json', '--config', writeConfig({})]);
    expect(r.stdout).toMatch(/"count":\s*1\b/);
    expect(performance.now() - t0).toBeLessThan(20_000);
  });

  it('a rotation inside an entry: the top of the log continues the last entry of .1; without .1 those lines are an error', async () => {
    const d = mkdtempSync(join(tmpdir(), 'nvcops-entries-rot-'));
    const log = join(d, 'application.log');
    writeFileSync(`${log}.1`, `${pyTime(3600_000)} INFO payments: started\n${pyTime(1800_000)} ERROR payments: transfer 7 failed\nTraceback (most recent call last):\n`);
    writeFileSync(log, `  File "/srv/app/payments.py", line 88, in transfer\nKeyError: 2\n${pyTime(60_000)} INFO payments: transfer 8 done\n`);
    const w = await new LogsProbe().window(log, DAY, new Date());
    expect([w.lines, w.errorLines, w.undated]).toEqual([3, 1, 0]);
    expect(w.notable.find((e) => e.level === 'error')!.raw).toMatch(/transfer 7 failed\nTraceback[^]*\nKeyError: 2$/);
    const config = writeConfig({ logs: { application: log }, state: { path: join(d, 'state') } });
    expect((await security(config)).sources.find((x) => x.name === 'application log')!.state).toBe('read');
    rmSync(`${log}.1`);
    const alone = (await security(config)).sources.find((x) => x.name === 'application log')!;
    expect(alone).toMatchObject({ state: 'error', note: expect.stringMatching(/2 lines above the first dated one/) });
  });
});
