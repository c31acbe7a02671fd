import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printable } from '../src/engine/printable.js';
import { Redactor } from '../src/engine/redact.js';
import type { RunReport } from '../src/engine/report.js';
import { renderHuman } from '../src/incident/document.js';
import { human } from '../src/report/human.js';
import { CLI, nvcops, writeConfig } from './support/cli.js';
import { startPostgres, startRedis, type PgServer } from './support/servers.js';

const ESC = '\x1b';
/** Clears the screen; sets the terminal's title (OSC 0, ended by BEL). */
const CLEAR = `${ESC}[2J`;
const TITLE = `${ESC}]0;pwned\x07`;
const SHOWN = '\\x1b[2J\\x1b]0;pwned\\x07';

describe('printable', () => {
  it('writes out every control character a terminal would act on, and nothing else', () => {
    expect(printable(`a${CLEAR}b${TITLE}c`)).toBe(`a\\x1b[2Jb\\x1b]0;pwned\\x07c`);
    expect(printable('one\ntwo\r\tthree')).toBe('one\\ntwo\\r\\tthree');
    // NUL, DEL, a C1 CSI, the line separator and the bidi override that reverses what follows it.
    expect(printable('\0\x7f\x9b31m\u2028evil\u202etxt.exe')).toBe('\\x00\\x7f\\x9b31m\\u2028evil\\u202etxt.exe');
    expect(printable('SELECT \'C:\\temp\' — café ₿ 日本 ✔')).toBe('SELECT \'C:\\temp\' — café ₿ 日本 ✔');
    expect(printable(printable(`x${CLEAR}\n`))).toBe(printable(`x${CLEAR}\n`));
  });

  it('a secret with a control character in it is masked as a renderer shows it too', () => {
    const redactor = new Redactor();
    redactor.add('pass\tword\x1b9');
    expect(redactor.apply(printable('login as ops with pass\tword\x1b9 failed'))).toBe('login as ops with *** failed');
  });

  it('leaves the colours nvcops paints itself, and escapes those in the text it shows', async () => {
    const report: RunReport = {
      schemaVersion: 2, command: 'health db', runbook: 'r', environment: `staging${TITLE}`, startedAt: '2025-07-01T03:00:00.000Z', durationMs: 5, status: 'fail', exitCode: 2, interrupted: false,
      summary: { pass: 0, warn: 0, fail: 1, error: 0, skip: 0, manual: 0, waived: 0, total: 1 },
      items: [{ title: 'Item', status: 'fail', results: [{ id: 't.x', title: 'X', status: 'fail', message: `bad${CLEAR}`, details: [`pid 1: SELECT 1${TITLE}`], durationMs: 1 }] }],
    } as RunReport;
    const coloured = human(report, { color: true });
    expect(coloured).toContain(`${ESC}[31m`);
    expect(coloured).toContain(`bad\\x1b[2J`);
    expect(coloured).toContain('SELECT 1\\x1b]0;pwned\\x07');
    expect(coloured).not.toContain(CLEAR);
    expect(coloured).not.toContain(`${ESC}]`);
    const doc = await renderHuman({ title: 't', runbook: 'r', environment: null, generatedAt: 'now', sections: [
      { title: 'Logs', state: 'attention', summary: `1 line${CLEAR}`, table: { head: ['line'], rows: [[`x${TITLE}`]] }, lines: [`y${CLEAR}`] },
    ] }, { color: true });
    expect(doc).toContain(`${ESC}[33m`);
    expect(doc).toContain('1 line\\x1b[2J');
    expect(doc).toContain('x\\x1b]0;pwned\\x07');
    expect(doc).toContain('y\\x1b[2J');
    expect(doc).not.toContain(CLEAR);
    expect(doc).not.toContain(`${ESC}]`);
  });
});

describe('text from logs, servers and people reaches the terminal shown, not acted on', () => {
  let server: PgServer;
  let state: string;
  let config: string;
  let log: string;

  beforeAll(async () => {
    server = await startPostgres();
    state = mkdtempSync(join(tmpdir(), 'nvcops-state-'));
    log = join(mkdtempSync(join(tmpdir(), 'nvcops-logs-')), 'application.log');
    writeFileSync(log, `${new Date().toISOString()} ERROR payment failed ${CLEAR}${TITLE}after\n`);
    config = writeConfig({ environment: 'staging', postgres: { url: server.url }, logs: { application: log } });
  });
  afterAll(async () => {
    await server?.stop();
  });
  const run = (args: string[]) => nvcops([...args, '--config', config], { env: { XDG_STATE_HOME: state } });

  it('incident logs shows the escape sequences of a log line written out, and so does --follow', async () => {
    const r = await run(['incident', 'logs', '--since', '1h']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toContain(ESC);
    expect(r.stdout).toContain(`payment failed ${SHOWN}after`);
    const child = execa('node', [CLI, 'incident', 'logs', '--follow', '--since', '1h', '--config', config], { reject: false, env: { NO_COLOR: '1', XDG_STATE_HOME: state } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    try {
      for (const end = Date.now() + 20_000; !stdout.includes('Errors and warnings'); await new Promise((r) => setTimeout(r, 50))) if (Date.now() > end) throw new Error('not following');
      appendFileSync(log, `${new Date().toISOString()} ERROR followed ${TITLE}${CLEAR}\n`);
      for (const end = Date.now() + 20_000; !stdout.includes('followed'); await new Promise((r) => setTimeout(r, 50))) if (Date.now() > end) throw new Error('line not followed');
    } finally {
      child.kill('SIGTERM');
    }
    await child;
    expect(stdout).not.toContain(ESC);
    expect(stdout).toContain('followed \\x1b]0;pwned\\x07\\x1b[2J');
  });

  it('health db and incident db show a running query\'s escape sequences written out', async () => {
    const holder: pg.Client = await server.connect();
    const running = holder.query(`SELECT pg_sleep(20), '${CLEAR}${TITLE}' AS trap`).catch(() => undefined);
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const health = await run(['health', 'db']);
      expect(health.stdout).toContain(`'${SHOWN}' AS trap`);
      expect(health.stdout).not.toContain(ESC);
      const db = await run(['incident', 'db', '--long', '1s']);
      expect(db.stdout).toContain(SHOWN);
      expect(db.stdout).not.toContain(ESC);
    } finally {
      await server.sql(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(20)%'`);
      await running;
    }
  });

  it('health db shows a Redis slow-log entry\'s escape sequences written out', async () => {
    const redis = await startRedis(['--slowlog-log-slower-than', '1000']);
    try {
      const client = new Redis(redis.url);
      // A slow script whose text carries the sequences: the slowest entry, quoted by redis.slowlog.
      await client.eval(`local x = '${TITLE}${CLEAR}' for i = 1, 5000000 do end return 1`, 0);
      client.disconnect();
      // Wide enough that the message is one line (the wrapping is test/screen.test.ts's).
      const r = await nvcops(['health', 'db', '--config', writeConfig({ redis: { url: redis.url } })], { env: { COLUMNS: '1000' } });
      expect(r.stdout).toMatch(/slowest [\d.]+ ms: eval local x = '\\x1b\]0;pwned\\x07\\x1b\[2J'/);
      expect(r.stdout).not.toContain(ESC);
    } finally {
      await redis.stop();
    }
  });

  it('an incident title and note with escapes and newlines stay on their line in incident open, timeline and audit show', async () => {
    const opened = await run(['incident', 'open', '--severity', 'P3', '--title', `Ledger${CLEAR}\nforged line`, '--no-checks']);
    expect(opened.exitCode).toBe(0);
    expect(opened.stdout).toContain('Ledger\\x1b[2J\\nforged line');
    const noted = await run(['incident', 'note', `checked${TITLE}\nresolved: all fine`]);
    expect(noted.exitCode).toBe(0);
    const timeline = await run(['incident', 'timeline']);
    const audit = await run(['audit', 'show']);
    const markdown = await run(['incident', 'timeline', '--format', 'markdown']);
    const postmortem = await run(['incident', 'postmortem', '--force']);
    expect(postmortem.exitCode).toBe(0);
    expect(postmortem.stdout).toContain('# Post-mortem: INC-1 — Ledger\\x1b[2J\\nforged line');
    for (const out of [opened.stdout, timeline.stdout, audit.stdout, markdown.stdout, postmortem.stdout]) {
      expect(out).not.toContain(ESC);
      expect(out.split('\n').some((l) => l.startsWith('forged line') || l.startsWith('resolved: all fine'))).toBe(false);
    }
    expect(timeline.stdout).toContain('Ledger\\x1b[2J\\nforged line');
    expect(timeline.stdout).toContain('checked\\x1b]0;pwned\\x07\\nresolved: all fine');
    expect(audit.stdout).toContain('checked\\x1b]0;pwned\\x07\\nresolved: all fine');
    // JSON keeps the text itself, escaped as JSON escapes it.
    const json = await run(['incident', 'timeline', '--format', 'json']);
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain('Ledger\\u001b[2J\\nforged line');
  });

  it('an error quoting what was typed shows its escapes written out, on one line', async () => {
    const flag = await run(['health', 'db', '--timeout', `soon${CLEAR}`]);
    const id = await run(['incident', 'timeline', `INC-9${TITLE}\nforged`]);
    for (const r of [flag, id]) {
      expect(r.exitCode).toBe(64);
      expect(r.stderr).not.toContain(ESC);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(flag.stderr).toContain('soon\\x1b[2J');
    expect(id.stderr).toContain('INC-9\\x1b]0;pwned\\x07\\nforged');
  });

  it('backup list shows an application version with escapes and a newline on its own row', async () => {
    const from = mkdtempSync(join(tmpdir(), 'nvcops-app-'));
    writeFileSync(join(from, 'index.js'), 'ok\n');
    const repo = writeConfig({ backups: { directory: mkdtempSync(join(tmpdir(), 'nvcops-backups-')) } });
    const stored = await nvcops(['backup', 'app', '--from', from, '--app-version', `1.4${CLEAR}\n2.0`, '--config', repo], { env: { XDG_STATE_HOME: state } });
    expect(stored.exitCode).toBe(0);
    const list = await nvcops(['backup', 'list', '--config', repo], { env: { XDG_STATE_HOME: state } });
    for (const out of [stored.stdout, list.stdout]) {
      expect(out).not.toContain(ESC);
      expect(out).toContain('1.4\\x1b[2J\\n2.0');
    }
    expect(list.stdout.trim().split('\n')).toHaveLength(2);
  });
});
