import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nvcops, startNvcops, writeConfig } from './support/cli.js';
import { freePort, startPostgres, type PgServer } from './support/servers.js';
import { connectedTo, until } from './support/until.js';

/** One check's result wherever its checklist line puts it. */
const result = (report: { items: { results: { id: string }[] }[] }, id: string) => report.items.flatMap((i) => i.results).find((r) => r.id === id);

describe('SIGTERM (systemd, Kubernetes, CI runners) is handled as Ctrl-C is', () => {
  let frozen: PgServer;

  beforeAll(async () => {
    // A server that takes connections and never answers: the checks hang until the signal comes.
    frozen = await startPostgres();
    process.kill(frozen.pid(), 'SIGSTOP');
  });
  afterAll(async () => {
    await frozen?.stop();
  });

  it('a check run reports what finished, writes its --report file, stays in the run history and exits 143', async () => {
    const state = mkdtempSync(join(tmpdir(), 'nvcops-state-'));
    const file = join(mkdtempSync(join(tmpdir(), 'nvcops-report-')), 'run.json');
    const cfg = writeConfig({ environment: 'staging', postgres: { url: frozen.url, connectTimeout: '60s' } });
    const child = startNvcops(['health', 'db', '--config', cfg, '--format', 'json', '--report', `json=${file}`], state);
    await until('nvcops has connected to the frozen server', () => connectedTo(frozen.port));
    const t0 = Date.now();
    child.kill('SIGTERM');
    const r = await child;
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect([r.exitCode, r.signal]).toEqual([143, undefined]);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ command: 'health db', interrupted: true, exitCode: 143 });
    expect(result(report, 'postgres.connect-time')).toMatchObject({ status: 'error', message: 'interrupted (SIGTERM) before it finished' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ interrupted: true, exitCode: 143 });
    const history = await nvcops(['history', '--config', cfg, '--format', 'json'], { env: { XDG_STATE_HOME: state } });
    expect(history.exitCode).toBe(0);
    expect(JSON.parse(history.stdout)).toMatchObject([{ command: 'health db', environment: 'staging', exitCode: 143, report: { interrupted: true } }]);
  });

  it('a SIGTERM between --wait attempts reports the last attempt, not checks that never started', async () => {
    const state = mkdtempSync(join(tmpdir(), 'nvcops-state-'));
    // Nothing listens there: each attempt fails at once, and the gate waits to try again.
    const cfg = writeConfig({ redis: { url: `redis://127.0.0.1:${await freePort()}` } });
    const child = startNvcops(['health', 'db', '--config', cfg, '--format', 'json', '--wait', '60s', '--interval', '30s'], state);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    await until('the first attempt has failed', () => stderr.includes('attempt 1: fail'));
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).toBe(143);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ interrupted: true, exitCode: 143 });
    expect(result(report, 'redis.ping')).toMatchObject({ status: 'fail', message: expect.stringMatching(/connection refused/) });
  });

  it.each([['SIGTERM', 143], ['SIGINT', 130]] as const)('a second %s ends the run at once, not after the clean-up (here a history write to a frozen state store)', async (signal, code) => {
    const state = mkdtempSync(join(tmpdir(), 'nvcops-state-'));
    const cfg = writeConfig({ postgres: { url: frozen.url, connectTimeout: '60s' }, state: { url: frozen.url } });
    const child = startNvcops(['health', 'db', '--config', cfg, '--format', 'json'], state);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    await until('nvcops has connected to the frozen server', () => connectedTo(frozen.port));
    child.kill(signal);
    // The report comes first; the run history then waits on the frozen store (10 s to connect).
    await until('the report is printed', () => stdout.includes('"interrupted": true'));
    expect(JSON.parse(stdout)).toMatchObject({ exitCode: code });
    const t0 = Date.now();
    child.kill(signal);
    const r = await child;
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(r.signal).toBe(signal);
  });
});
