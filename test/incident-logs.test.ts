import { closeSync, mkdtempSync, openSync, renameSync, statSync, utimesSync, writeFileSync, writeSync, appendFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI, nvcops, writeConfig } from './support/cli.js';

interface Section { title: string; state: string; summary: string; data?: any }
const sectionsOf = (stdout: string): Record<string, Section> =>
  Object.fromEntries((JSON.parse(stdout).sections as Section[]).map((s) => [s.title, s]));

const NOW = '2025-07-01T03:00:00.000Z';
const at = (minutesAgo: number, seconds = 0) => new Date(Date.parse(NOW) - minutesAgo * 60_000 + seconds * 1000).toISOString();

function logDir(): string {
  return mkdtempSync(join(tmpdir(), 'nvcops-logs-'));
}

async function until(what: string, probe: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('nvcops incident logs (tail -f application.log)', () => {
  it('groups errors and warnings by fingerprint across JSON and text formats, with counts, first and last seen and a masked sample', async () => {
    const dir = logDir();
    const log = join(dir, 'application.log');
    writeFileSync(log, [
      `${at(50)} ERROR payment 42 failed: too old for the window`,
      JSON.stringify({ time: at(20), level: 'error', msg: 'payment 1001 failed for card 4111-1111-1111-1111 (txn 9f86d081884c7d65)' }),
      JSON.stringify({ time: at(15), level: 50, msg: 'payment 1002 failed for card 4111-1111-1111-1111 (txn 2c26b46b68ffc68f)' }),
      `${at(10).replace('T', ' ').replace('Z', '')} [ERROR] payment 77 failed for card 4111-1111-1111-1111 (txn 0xdeadbeef)`,
      '    at Payments.charge (payments.js:10:3)',
      `[${at(8)}] production.WARNING: slow query took 2300 ms for user 6f1c3c2e-8a6b-4b8e-9d2a-1f0e5c1b2a3d`,
      `${at(7)} WARN slow query took 1900 ms for user 0b7e6a52-1c4d-4f3e-8a9b-2c3d4e5f6a7b`,
      `${at(6)} INFO request served in 12 ms`,
      `127.0.0.1 - - [${new Date(Date.parse(at(5))).toUTCString().replace(/^\w+, (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1/$2/$3:$4 +0000')}] "POST /api/transfers HTTP/1.1" 503 12 "-" "curl"`,
      `${at(2)} FATAL database connection pool exhausted (30 of 30 in use)`,
    ].join('\n') + '\n');
    const config = writeConfig({ logs: { application: log } });
    const r = await nvcops(['incident', 'logs', '--config', config, '--since', '30m', '--format', 'json'], { env: { NVCOPS_NOW: NOW } });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const groups = sectionsOf(r.stdout)['Errors and warnings by fingerprint']!;
    expect(groups.state).toBe('attention');
    const byPrint = Object.fromEntries(groups.data.map((g: { fingerprint: string }) => [g.fingerprint, g]));
    expect(byPrint['payment <n> failed for card ************<n> (txn <hex>)']).toMatchObject({ level: 'error', count: 3, firstSeen: at(20), lastSeen: at(10) });
    expect(byPrint['slow query took <n> ms for user <uuid>']).toMatchObject({ level: 'warn', count: 2, firstSeen: at(8), lastSeen: at(7) });
    expect(byPrint['database connection pool exhausted (<n> of <n> in use)']).toMatchObject({ level: 'fatal', count: 1 });
    expect(byPrint['POST /api/transfers HTTP/<n> <n>']).toMatchObject({ level: 'error', count: 1 });
    expect(groups.data.map((g: { level: string }) => g.level)).not.toContain('info');
    expect(groups.data[0].level).toBe('fatal');
    expect(r.stdout).not.toContain('4111-1111-1111-1111');
    expect(r.stdout).toContain('************1111');

    const grep = await nvcops(['incident', 'logs', '--config', config, '--since', '1h', '--grep', 'PAYMENT \\d+ failed', '--format', 'json'], { env: { NVCOPS_NOW: NOW } });
    const only = sectionsOf(grep.stdout)['Errors and warnings by fingerprint']!.data;
    expect(only.map((g: { fingerprint: string; count: number }) => [g.fingerprint, g.count])).toEqual([
      ['payment <n> failed for card ************<n> (txn <hex>)', 3], ['payment <n> failed: too old for the window', 1],
    ]);

    const human = await nvcops(['incident', 'logs', '--config', config], { env: { NVCOPS_NOW: NOW } });
    expect(human.stdout).toMatch(/▲ Errors and warnings by fingerprint — 7 lines in 4 groups since 2025-07-01T02:30:00.000Z/);
    expect(human.stdout).not.toContain('4111-1111-1111-1111');
  });

  it('reads rotated and gzipped files that reach into a longer window, and only those', async () => {
    const dir = logDir();
    const log = join(dir, 'application.log');
    writeFileSync(join(dir, 'application.log.2.gz'), gzipSync(`${at(300)} ERROR disk full on /var/lib/app\n${at(181)} ERROR disk full on /var/lib/app\n`));
    writeFileSync(join(dir, 'application.log.1'), `${at(170)} ERROR disk full on /var/lib/app\n`);
    writeFileSync(log, `${at(5)} ERROR disk full on /var/lib/app\n`);
    const secs = (m: number) => (Date.parse(NOW) - m * 60_000) / 1000;
    utimesSync(join(dir, 'application.log.2.gz'), secs(180), secs(180));
    utimesSync(join(dir, 'application.log.1'), secs(60), secs(60));
    const config = writeConfig({ logs: { application: log } });
    const short = sectionsOf((await nvcops(['incident', 'logs', '--config', config, '--since', '30m', '--format', 'json'], { env: { NVCOPS_NOW: NOW } })).stdout);
    expect(short['Files read']!.data.map((f: { path: string }) => f.path)).toEqual([log]);
    expect(short['Errors and warnings by fingerprint']!.data[0].count).toBe(1);
    const long = sectionsOf((await nvcops(['incident', 'logs', '--config', config, '--since', '4 hours ago', '--format', 'json'], { env: { NVCOPS_NOW: NOW } })).stdout);
    expect(long['Files read']!.data.map((f: { path: string }) => f.path)).toEqual([join(dir, 'application.log.2.gz'), join(dir, 'application.log.1'), log]);
    expect(long['Errors and warnings by fingerprint']!.data[0]).toMatchObject({ count: 3, firstSeen: at(181), lastSeen: at(5) });
  });

  it('on a large log, --since seeks to the time instead of reading the whole file', async () => {
    const dir = logDir();
    const log = join(dir, 'application.log');
    const out = createWriteStream(log);
    // Ten hours, one line every 50 ms, an error every 100th line: about 40 MB.
    const lines = 10 * 3600 * 20;
    let expectedErrors = 0;
    const start = Date.parse(NOW) - 10 * 3600_000;
    const since = Date.parse(NOW) - 30 * 60_000;
    for (let i = 0; i < lines; i++) {
      const t = start + i * 50;
      const error = i % 100 === 0;
      if (error && t >= since) expectedErrors++;
      const line = `${new Date(t).toISOString()} ${error ? 'ERROR' : 'INFO'} request ${i} ${error ? 'failed: upstream timeout' : 'served in 12 ms by worker pool'}\n`;
      if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r) => out.end(() => r()));
    const size = statSync(log).size;
    expect(size).toBeGreaterThan(30 * 1024 * 1024);
    const config = writeConfig({ logs: { application: log } });
    const r = await nvcops(['incident', 'logs', '--config', config, '--since', '30m', '--format', 'json'], { env: { NVCOPS_NOW: NOW } });
    const s = sectionsOf(r.stdout);
    const [file] = s['Files read']!.data;
    expect(file.seeked).toBe(true);
    expect(file.bytesRead).toBeLessThan(size / 10);
    expect(s['Errors and warnings by fingerprint']!.data).toEqual([
      expect.objectContaining({ fingerprint: 'request <n> failed: upstream timeout', count: expectedErrors, firstSeen: new Date(since).toISOString() }),
    ]);
  });

  it('--follow keeps printing new lines across a rotation (rename, old writer finishes, new file) until stopped', async () => {
    const dir = logDir();
    const log = join(dir, 'application.log');
    writeFileSync(log, `${new Date().toISOString()} ERROR before following\n`);
    const config = writeConfig({ logs: { application: log } });
    const child = execa('node', [CLI, 'incident', 'logs', '--config', config, '--follow', '--since', '5m'], {
      reject: false, env: { NO_COLOR: '1', XDG_STATE_HOME: logDir() },
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => { stderr += d; });
    try {
      await until('following', () => stderr.includes(`following ${log}`));
      expect(stdout).toMatch(/before following/);
      const writer = openSync(log, 'a');
      writeSync(writer, `${new Date().toISOString()} ERROR first while following\n${new Date().toISOString()} INFO not shown\n`);
      await until('the first line', () => stdout.includes('first while following'));
      renameSync(log, `${log}.1`);
      // The application still holds the old file open and writes once more before it reopens.
      writeSync(writer, `${new Date().toISOString()} ERROR last line into the rotated file\n`);
      closeSync(writer);
      appendFileSync(log, `${new Date().toISOString()} WARN first line of the new file, card 5500 0000 0000 0004\n`);
      await until('the new file', () => stdout.includes('first line of the new file'));
      appendFileSync(log, `${new Date().toISOString()} ERROR second line of the new file: connect "host=db1 password='Follow_P4ss 1'" failed\n`);
      await until('more of the new file', () => stdout.includes('second line of the new file'));
      const followed = stdout.slice(stdout.indexOf('first while following'));
      expect(followed.indexOf('last line into the rotated file')).toBeGreaterThan(0);
      expect(followed.indexOf('last line into the rotated file')).toBeLessThan(followed.indexOf('first line of the new file'));
      expect(followed).not.toContain('not shown');
      expect(followed).toContain('card ************0004');
      expect(followed).toContain(`connect "host=db1 password=***" failed`);
      expect(followed).not.toContain('Follow_P4ss');
    } finally {
      child.kill('SIGTERM');
    }
    const r = await child;
    expect(r.exitCode).toBe(0);
  });

  it('--follow polls for as long as it runs without piling listeners on the stop signal (no MaxListenersExceededWarning)', async () => {
    const log = join(logDir(), 'application.log');
    writeFileSync(log, `${new Date().toISOString()} ERROR before following\n`);
    const child = execa('node', [CLI, 'incident', 'logs', '--config', writeConfig({ logs: { application: log } }), '--follow', '--since', '5m'], {
      reject: false, env: { NO_COLOR: '1', XDG_STATE_HOME: logDir() },
    });
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr += d; });
    try {
      await until('following', () => stderr.includes(`following ${log}`));
      // 3 s at one poll each 200 ms: 15 polls, past the 10 listeners Node warns at.
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      child.kill('SIGTERM');
    }
    const r = await child;
    expect([r.exitCode, r.stderr]).toEqual([0, `following ${log} (Ctrl-C to stop)`]);
  });

  it('--since today / yesterday begin at midnight of the runbook\'s day (schedule.timezone), whatever the machine\'s TZ', async () => {
    const log = join(logDir(), 'application.log');
    writeFileSync(log, `${at(5)} ERROR payment 1 failed\n`);
    const since = async (when: string, schedule?: { timezone: string }) => {
      const r = await nvcops(['incident', 'logs', '--config', writeConfig({ logs: { application: log }, ...(schedule && { schedule }) }), '--since', when], { env: { NVCOPS_NOW: NOW, TZ: 'Asia/Tokyo' } });
      return /groups? since (\S+)/.exec(r.stdout)?.[1];
    };
    // 03:00Z on 1 July is 23:00 on 30 June in New York (EDT), and noon on 1 July in Tokyo.
    expect(await since('today')).toBe('2025-06-30T04:00:00.000Z');
    expect(await since('yesterday')).toBe('2025-06-29T04:00:00.000Z');
    expect(await since('today', { timezone: 'Europe/London' })).toBe('2025-06-30T23:00:00.000Z');
    // A date alone is that day in the runbook's zone too, not UTC midnight.
    expect(await since('2025-06-29')).toBe('2025-06-29T04:00:00.000Z');
  });

  it('says what is missing (exit 78 naming the key) and rejects a bad --grep or --since (exit 64)', async () => {
    const none = await nvcops(['incident', 'logs', '--config', writeConfig({ environment: 'staging' })]);
    expect([none.exitCode, none.stdout, none.stderr]).toEqual([78, '', 'nvcops: invalid configuration: incident logs: no application log configured: set logs.application (or pass --file)']);
    const missing = await nvcops(['incident', 'logs', '--file', '/nonexistent/app.log']);
    expect(missing.exitCode).toBe(3);
    expect(missing.stdout).toMatch(/cannot read \/nonexistent\/app.log: no such file/);
    const grep = await nvcops(['incident', 'logs', '--file', '/tmp/x.log', '--grep', '(']);
    expect(grep.exitCode).toBe(64);
    expect(grep.stderr).toMatch(/^nvcops: --grep: not a regular expression/);
    const since = await nvcops(['incident', 'logs', '--file', '/tmp/x.log', '--since', 'last tuesday-ish']);
    expect(since.exitCode).toBe(64);
    expect(since.stderr).toMatch(/--since: "last tuesday-ish" is not a time; use a duration/);
  });
});
