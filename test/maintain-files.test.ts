import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it, onTestFinished } from 'vitest';
import { execa, execaSync } from 'execa';
import { CLI, nvcops, writeConfig } from './support/cli.js';

const WRITER = new URL('./support/log-writer.mjs', import.meta.url).pathname;

/** Starts the writer, waits until the log has `bytes`, and returns a stop() that gives the number of lines written. */
async function startWriter(file: string, mode: 'reopen' | 'plain' | 'ignore', bytes: number) {
  const pidFile = `${file}.pid`;
  const child = spawn('node', [WRITER, file, pidFile, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  while (!existsSync(file) || statSync(file).size < bytes) await new Promise((r) => setTimeout(r, 20));
  return {
    pidFile,
    async stop(): Promise<number> {
      if (child.exitCode !== null || child.signalCode !== null) return Number(out);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      return Number(out);
    },
  };
}

const numbers = (text: string) => text.split('\n').filter(Boolean).map((l) => {
  expect(l).toMatch(/^line \d+ x{40}$/);
  return Number(l.split(' ')[1]);
});

const daysAgo = (path: string, days: number) => {
  const t = new Date(Date.now() - days * 86_400_000);
  utimesSync(path, t, t);
};

describe('maintain logs --rotate', () => {
  it('renames, signals the writer to reopen, and compresses: a process writing throughout loses no line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-logs-'));
    const log = join(dir, 'app.log');
    const writer = await startWriter(log, 'reopen', 20_000);
    const config = writeConfig({ maintenance: { logs: [{ path: log, maxSize: '10 kB', keep: 3, reopen: { pidFile: writer.pidFile, signal: 'SIGHUP' } }] } });
    const r = await nvcops(['maintain', 'logs', '--rotate', '--yes', '--config', config]);
    await new Promise((res) => setTimeout(res, 200));
    const written = await writer.stop();
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/rotate .*app\.log \(rename, keep 3\) — renamed, reopened and compressed into .*app\.log\.1\.gz/);
    const rotated = numbers(gunzipSync(readFileSync(`${log}.1.gz`)).toString());
    const current = numbers(readFileSync(log, 'utf8'));
    expect(rotated.length).toBeGreaterThan(100);
    expect(current.length).toBeGreaterThan(0);
    expect([...rotated, ...current]).toEqual(Array.from({ length: written }, (_, i) => i + 1));
    expect(existsSync(`${log}.1`)).toBe(false);
  });

  it('copytruncate keeps writing in place; only lines at the rotation point may be lost, in one gap; keeps N archives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-logs-'));
    const log = join(dir, 'api.log');
    writeFileSync(`${log}.1.gz`, gzipSync('old one\n'));
    writeFileSync(`${log}.2.gz`, gzipSync('old two\n'));
    const writer = await startWriter(log, 'plain', 20_000);
    const config = writeConfig({ maintenance: { logs: [{ path: join(dir, '*.log'), maxSize: '10 kB', keep: 2 }] } });
    const plan = await nvcops(['maintain', 'logs', '--rotate', '--dry-run', '--config', config]);
    expect(plan.stdout).toMatch(/▲ copytruncate: lines written between the last copy and the truncation are lost/);
    const r = await nvcops(['maintain', 'logs', '--rotate', '--yes', '--config', config]);
    await new Promise((res) => setTimeout(res, 200));
    const written = await writer.stop();
    expect(r.exitCode).toBe(0);
    const rotated = numbers(gunzipSync(readFileSync(`${log}.1.gz`)).toString());
    const current = numbers(readFileSync(log, 'utf8'));
    const all = [...rotated, ...current];
    for (let i = 1; i < all.length; i++) expect(all[i]).toBeGreaterThan(all[i - 1]!);
    const seen = new Set(all);
    const missing = Array.from({ length: written }, (_, i) => i + 1).filter((n) => !seen.has(n));
    if (missing.length) {
      expect(missing[missing.length - 1]! - missing[0]! + 1).toBe(missing.length);
      expect(missing[0]).toBe(rotated[rotated.length - 1]! + 1);
    }
    expect(gunzipSync(readFileSync(`${log}.2.gz`)).toString()).toBe('old one\n');
    expect(existsSync(`${log}.3.gz`)).toBe(false);
  });

  it('never follows a link out of the log directory, and finishes an archive an interrupted run left uncompressed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-logs-'));
    const outside = join(mkdtempSync(join(tmpdir(), 'nvcops-outside-')), 'secret.log');
    writeFileSync(outside, 'x'.repeat(50_000));
    symlinkSync(outside, join(dir, 'evil.log'));
    writeFileSync(join(dir, 'jobs.log'), 'current\n'.repeat(5000));
    writeFileSync(join(dir, 'jobs.log.1'), 'left behind\n');
    const config = writeConfig({ maintenance: { logs: [{ path: join(dir, '*.log'), maxSize: '1 kB' }] } });
    const r = await nvcops(['maintain', 'logs', '--rotate', '--yes', '--config', config, '--format', 'json']);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.summary.join('\n')).toMatch(/evil\.log: a link out of the log directory \(to .*secret\.log\): never followed/);
    expect(out.plan.map((s: { title: string }) => s.title)).toEqual([
      expect.stringMatching(/finish .*jobs\.log\.1 \(compress, keep 4\)/),
      expect.stringMatching(/rotate .*jobs\.log \(copytruncate, keep 4\)/),
    ]);
    expect(out.outcomes.map((o: { status: string }) => o.status)).toEqual(['done', 'done']);
    expect(out.outcomes[0].message).toMatch(/compressed into .*jobs\.log\.1\.gz/);
    expect(readFileSync(outside, 'utf8')).toHaveLength(50_000);
    expect(gunzipSync(readFileSync(join(dir, 'jobs.log.2.gz'))).toString()).toBe('left behind\n');
    expect(gunzipSync(readFileSync(join(dir, 'jobs.log.1.gz'))).toString()).toBe('current\n'.repeat(5000));
    expect(readFileSync(join(dir, 'jobs.log'), 'utf8')).toBe('');
    expect(existsSync(join(dir, 'jobs.log.1'))).toBe(false);
  });

  it('a writer that does not reopen: the rotation fails and says so, the leftover .1 is never replaced, and a later run finishes it; no line is lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-logs-'));
    const log = join(dir, 'app.log');
    const state = mkdtempSync(join(tmpdir(), 'nvcops-state-'));
    const run = () => nvcops(['maintain', 'logs', '--rotate', '--yes', '--config', config, '--format', 'json'], { env: { XDG_STATE_HOME: state } });
    const audit = () => readFileSync(join(state, 'nvcops', 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const first = await startWriter(log, 'ignore', 20_000);
    let second: Awaited<ReturnType<typeof startWriter>> | undefined;
    onTestFinished(async () => {
      await first.stop();
      await second?.stop();
    });
    const config = writeConfig({ maintenance: { logs: [{ path: log, maxSize: '10 kB', keep: 3, reopen: { pidFile: first.pidFile, signal: 'SIGHUP' } }] } });

    // 1. The writer ignores the signal and keeps writing to app.log.1: the step fails, the audit and the exit code say so.
    const r1 = await run();
    expect(r1.exitCode).toBe(2);
    const o1 = JSON.parse(r1.stdout);
    expect(o1.status).toBe('failed');
    expect(o1.outcomes[0]).toMatchObject({ status: 'failed', message: expect.stringMatching(/renamed to .*app\.log\.1, but process \d+ still writes to it after 10 s: not compressed/) });
    expect(audit().at(-1)).toMatchObject({ phase: 'finished', outcome: 'failed', details: { outcomes: [{ status: 'failed' }] } });
    expect(existsSync(`${log}.1`)).toBe(true);
    expect(existsSync(`${log}.1.gz`)).toBe(false);

    // 2. New lines in app.log make it due again while app.log.1 is still held: the plan finishes app.log.1 first and does not rotate over it.
    const fresh = Array.from({ length: 1000 }, (_, i) => `fresh ${i + 1} ${'y'.repeat(40)}\n`).join('');
    writeFileSync(log, fresh);
    const r2 = await run();
    expect(r2.exitCode).toBe(2);
    const o2 = JSON.parse(r2.stdout);
    expect(o2.plan.map((s: { title: string }) => s.title)).toEqual([expect.stringMatching(/finish .*app\.log\.1 \(compress, keep 3\)/)]);
    expect(o2.summary.join('\n')).toMatch(/app\.log: .*: due, but waits: .*app\.log\.1 is still held open/);
    expect(o2.outcomes[0]).toMatchObject({ status: 'failed', message: expect.stringMatching(/app\.log\.1 is still held open by process \d+/) });
    expect(audit().at(-1)).toMatchObject({ phase: 'finished', outcome: 'failed' });
    expect(readFileSync(log, 'utf8')).toBe(fresh);
    expect(existsSync(`${log}.1.gz`)).toBe(false);

    // 3. The writer lets go; a new one starts and reopens on the signal: the run finishes app.log.1, then rotates app.log.
    const written1 = await first.stop();
    second = await startWriter(log, 'reopen', fresh.length + 20_000);
    const r3 = await run();
    await new Promise((res) => setTimeout(res, 200));
    const written2 = await second.stop();
    expect(r3.exitCode).toBe(0);
    const o3 = JSON.parse(r3.stdout);
    expect(o3.plan.map((s: { title: string }) => s.title)).toEqual([
      expect.stringMatching(/finish .*app\.log\.1 \(compress, keep 3\)/),
      expect.stringMatching(/rotate .*app\.log \(rename, keep 3\)/),
    ]);
    expect(o3.outcomes.map((o: { status: string }) => o.status)).toEqual(['done', 'done']);
    expect(audit().at(-1)).toMatchObject({ phase: 'finished', outcome: 'ok' });
    expect(existsSync(`${log}.1`)).toBe(false);
    // Every line is in an archive or the live file: the first writer's in app.log.2.gz, then the fresh ones and the second writer's.
    expect(numbers(gunzipSync(readFileSync(`${log}.2.gz`)).toString())).toEqual(Array.from({ length: written1 }, (_, i) => i + 1));
    const later = gunzipSync(readFileSync(`${log}.1.gz`)).toString() + readFileSync(log, 'utf8');
    expect(later.startsWith(fresh)).toBe(true);
    expect(numbers(later.slice(fresh.length))).toEqual(Array.from({ length: written2 }, (_, i) => i + 1));
  });

  it('never renames over a leftover .1 a process still writes to: the live file waits, the leftover keeps every line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-logs-'));
    const log = join(dir, 'web.log');
    // What a rotation whose writer did not reopen leaves: web.log.1, still written to; web.log has new lines and is due.
    const writer = await startWriter(`${log}.1`, 'ignore', 20_000);
    onTestFinished(async () => { await writer.stop(); });
    const fresh = Array.from({ length: 1000 }, (_, i) => `fresh ${i + 1} ${'y'.repeat(40)}\n`).join('');
    writeFileSync(log, fresh);
    const config = writeConfig({ maintenance: { logs: [{ path: log, maxSize: '10 kB', keep: 3, strategy: 'rename' }] } });
    const r = await nvcops(['maintain', 'logs', '--rotate', '--yes', '--config', config, '--format', 'json']);
    const written = await writer.stop();
    expect(existsSync(`${log}.1.gz`) ? gunzipSync(readFileSync(`${log}.1.gz`)).toString() : '').not.toBe(fresh);
    expect(numbers(readFileSync(`${log}.1`, 'utf8'))).toEqual(Array.from({ length: written }, (_, i) => i + 1));
    expect(r.exitCode).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.summary.join('\n')).toMatch(/web\.log: .*: due, but waits: .*web\.log\.1 is still held open/);
    expect(out.plan.map((s: { title: string }) => s.title)).toEqual([expect.stringMatching(/finish .*web\.log\.1/)]);
    expect(out.outcomes[0]).toMatchObject({ status: 'failed', message: expect.stringMatching(/still held open by process \d+/) });
    expect(readFileSync(log, 'utf8')).toBe(fresh);
    expect(existsSync(`${log}.1.gz`)).toBe(false);
    // Once the writer has let go, the next run finishes web.log.1 and then rotates web.log: both archives are whole.
    const again = await nvcops(['maintain', 'logs', '--rotate', '--yes', '--config', config, '--format', 'json']);
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout).outcomes.map((o: { status: string }) => o.status)).toEqual(['done', 'done']);
    expect(numbers(gunzipSync(readFileSync(`${log}.2.gz`)).toString())).toEqual(Array.from({ length: written }, (_, i) => i + 1));
    expect(gunzipSync(readFileSync(`${log}.1.gz`)).toString()).toBe(fresh);
    expect(readFileSync(log, 'utf8')).toBe('');
  });

  it('signals only the writer its pid file names: 0, -1, junk, a dead pid, nvcops\' parent or another user\'s process are refused before anything is rotated', async () => {
    // A process that records each SIGHUP it gets: the proof of who was signalled.
    const recorder = (uid?: number) => {
      const child = spawn('node', ['-e', "process.on('SIGHUP', () => process.stdout.write('HUP\\n')); process.stdout.write('ready\\n'); setInterval(() => {}, 1e6)"], { stdio: ['ignore', 'pipe', 'inherit'], ...(uid !== undefined && { uid, gid: uid }) });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      onTestFinished(() => { child.kill('SIGKILL'); });
      return { pid: child.pid!, ready: () => out.includes('ready'), hups: () => out.split('\n').filter((l) => l === 'HUP').length };
    };
    const writer = recorder();
    const stranger = recorder(65534);
    const dead = spawn('true');
    await new Promise((r) => dead.once('exit', r));
    while (!writer.ready() || !stranger.ready()) await new Promise((r) => setTimeout(r, 20));

    const dir = mkdtempSync(join(tmpdir(), 'nvcops-logs-'));
    const log = join(dir, 'app.log');
    const pidFile = join(dir, 'app.pid');
    const state = mkdtempSync(join(tmpdir(), 'nvcops-state-'));
    const config = writeConfig({ maintenance: { logs: [{ path: log, maxSize: '1 kB', keep: 3, reopen: { pidFile, signal: 'SIGHUP' } }] } });
    const lines = 'line\n'.repeat(1000);
    const run = async () => {
      // Its own process group: were 0 ever signalled, only nvcops would get it, not this test.
      const r = await execa('node', [CLI, 'maintain', 'logs', '--rotate', '--yes', '--config', config], {
        reject: false, detached: true, extendEnv: false, timeout: 60_000,
        env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PG|NVCOPS_|AWS_)/.test(k))), NO_COLOR: '1', XDG_STATE_HOME: state },
      });
      await new Promise((res) => setTimeout(res, 100));
      return r;
    };
    const audit = () => readFileSync(join(state, 'nvcops', 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    writeFileSync(log, lines);
    const refused: [string | Buffer, RegExp][] = [
      ['', /holds "", not a process id/],
      [`${writer.pid}`.padEnd(100_000, '0'), new RegExp(`holds "${`${writer.pid}`.padEnd(32, '0')}…", not a process id`)],
      [Buffer.from([0xff, 0x31]), /holds "\uFFFD1", not a process id/],
      ['-1', /holds "-1", not a process id/],
      ['0\n', /holds "0", not a process id/],
      ['abc', /holds "abc", not a process id/],
      [`${dead.pid}`, new RegExp(`process ${dead.pid} is not running`)],
      [`${process.pid}`, new RegExp(`process ${process.pid} is nvcops itself or a process it runs under`)],
      [`${stranger.pid}`, new RegExp(`process ${stranger.pid} runs as uid 65534, but the pid file belongs to uid 0`)],
    ];
    for (const [content, why] of refused) {
      writeFileSync(pidFile, content);
      const r = await run();
      expect(r.exitCode, String(content)).toBe(64);
      expect(r.stderr.trim().split('\n'), String(content)).toEqual([expect.stringMatching(new RegExp(`^nvcops: refused: maintenance\\.logs\\[\\]\\.reopen\\.pidFile .*app\\.pid: ${why.source}.*; nothing was done$`))]);
      expect(readdirSync(dir).sort(), String(content)).toEqual(['app.log', 'app.pid']);
      expect(readFileSync(log, 'utf8')).toBe(lines);
      expect(audit().at(-1), String(content)).toMatchObject({ action: 'maintain logs', phase: 'event', outcome: 'refused', message: expect.stringMatching(why) });
    }
    expect(audit().filter((a) => a.phase === 'started')).toEqual([]);
    expect([writer.hups(), stranger.hups()]).toEqual([0, 0]);

    // A FIFO in its place is refused at once, not read forever.
    unlinkSync(pidFile);
    execaSync('mkfifo', [pidFile]);
    const fifo = await run();
    expect(fifo.exitCode).toBe(64);
    expect(fifo.stderr).toMatch(/app\.pid: not a regular file; nothing was done/);
    unlinkSync(pidFile);

    writeFileSync(pidFile, `${writer.pid}\n`);
    const ok = await run();
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/renamed, reopened and compressed into .*app\.log\.1\.gz/);
    expect(gunzipSync(readFileSync(`${log}.1.gz`)).toString()).toBe(lines);
    expect([writer.hups(), stranger.hups()]).toEqual([1, 0]);
  });

  it('says what to do without --rotate, and names the config key when no logs are configured', async () => {
    const config = writeConfig({ maintenance: { logs: [{ path: '/nonexistent/app.log' }] } });
    const r = await nvcops(['maintain', 'logs', '--config', config]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/say what to do: --rotate/);
    const none = await nvcops(['maintain', 'logs', '--rotate', '--config', writeConfig({})]);
    expect(none.exitCode).toBe(78);
    expect(none.stderr).toMatch(/maintenance\.logs\[\]/);
    const bad = await nvcops(['maintain', 'logs', '--rotate', '--config', writeConfig({ maintenance: { logs: [{ path: 'a.log', strategy: 'move' }] } })]);
    expect(bad.exitCode).toBe(78);
    expect(bad.stderr).toMatch(/maintenance\.logs\[0\]\.strategy/);
  });
});

describe('maintain tmp', () => {
  it('lists old files with sizes first, removes only them with --yes, and never follows or removes links', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-tmp-'));
    const outside = mkdtempSync(join(tmpdir(), 'nvcops-outside-'));
    writeFileSync(join(outside, 'keep.dat'), 'k'.repeat(100));
    daysAgo(join(outside, 'keep.dat'), 30);
    mkdirSync(join(dir, 'uploads'));
    writeFileSync(join(dir, 'old.csv'), 'o'.repeat(2048));
    writeFileSync(join(dir, 'uploads', 'old.pdf'), 'p'.repeat(4096));
    writeFileSync(join(dir, 'fresh.csv'), 'f');
    daysAgo(join(dir, 'old.csv'), 20);
    daysAgo(join(dir, 'uploads', 'old.pdf'), 15);
    symlinkSync(outside, join(dir, 'elsewhere'));
    const linked = join(mkdtempSync(join(tmpdir(), 'nvcops-tmp-')), 'link');
    symlinkSync(dir, linked);
    const config = writeConfig({ maintenance: { tmp: { directories: [dir, linked], olderThan: '7d' } } });

    const refused = await nvcops(['maintain', 'tmp', '--config', config]);
    expect(refused.exitCode).toBe(64);
    expect(refused.stdout).toMatch(/2 files older than 7 days, 6\.0 kB; 1 symbolic links left alone/);
    expect(refused.stdout).toMatch(/4\.0 kB {2}\d{4}-\d\d-\d\d {2}.*uploads\/old\.pdf/);
    expect(refused.stdout).toMatch(/link: not a directory itself \(a link or a file\): skipped/);
    expect(existsSync(join(dir, 'old.csv'))).toBe(true);

    const r = await nvcops(['maintain', 'tmp', '--yes', '--config', config]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/2 files removed, 6\.0 kB freed/);
    expect(existsSync(join(dir, 'old.csv'))).toBe(false);
    expect(existsSync(join(dir, 'uploads', 'old.pdf'))).toBe(false);
    expect(existsSync(join(dir, 'fresh.csv'))).toBe(true);
    expect(existsSync(join(dir, 'elsewhere'))).toBe(true);
    expect(existsSync(join(outside, 'keep.dat'))).toBe(true);
    // --older-than overrides the config: the fresh file is not a day old either.
    const none = await nvcops(['maintain', 'tmp', '--older-than', '1d', '--yes', '--config', config]);
    expect(none.stdout).toMatch(/nothing to do/);
  });
});
