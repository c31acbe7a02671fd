import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nvcops, startNvcops, writeConfig } from './support/cli.js';
import { randomPassword, startPostgres, type PgServer } from './support/servers.js';
import { until } from './support/until.js';

/**
 * A "database" that takes the connection and never answers: a run against it lasts until its connect
 * timeout, long enough for a second run to meet it.
 */
async function silentServer(): Promise<{ port: number; server: Server }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => sockets.push(s));
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, server };
}

describe('one run of a command per environment at a time (--if-running)', () => {
  let silent: { port: number; server: Server };
  let pg: PgServer;
  const PASSWORD = randomPassword();
  beforeAll(async () => {
    [silent, pg] = await Promise.all([silentServer(), startPostgres()]);
    await pg.sql(`CREATE ROLE nvcops_state LOGIN PASSWORD '${PASSWORD}'`);
    await pg.sql('CREATE DATABASE state OWNER nvcops_state');
  });
  afterAll(async () => {
    silent?.server.close();
    await pg?.stop();
  });

  /** A run of health db that hangs on the silent server for about `seconds`. */
  const slow = (extra: Record<string, unknown> = {}, seconds = 6) => writeConfig({
    environment: 'production',
    postgres: { url: `postgres://nvcops:secret@127.0.0.1:${silent.port}/postgres?sslmode=disable`, connectTimeout: `${seconds}s` },
    ...extra,
  });

  it('local store: a second run exits 75 naming the holder, or waits and then runs; another environment is not held up; a killed holder frees the lock', async () => {
    const state = mkdtempSync(join(tmpdir(), 'nvcops-state-'));
    const config = slow();
    const first = startNvcops(['health', 'db', '--config', config, '--format', 'json'], state);
    const runs = join(state, 'nvcops', 'runs');
    await until('the first run holds the lock', () => existsSync(runs) && readdirSync(runs).length === 1);

    const refused = await nvcops(['health', 'db', '--config', config, '--if-running', 'exit'], { env: { XDG_STATE_HOME: state } });
    expect([refused.exitCode, refused.stdout]).toEqual([75, '']);
    expect(refused.stderr).toMatch(new RegExp(`^nvcops: health db @ production: another run is still going \\(pid ${first.pid} on \\S+ since \\S+Z\\); try again when it has finished$`));

    const staging = await nvcops(['health', 'db', '--config', slow({ environment: 'staging' }, 1), '--if-running', 'exit', '--format', 'json'], { env: { XDG_STATE_HOME: state } });
    expect(JSON.parse(staging.stdout).environment).toBe('staging');

    const waited = await nvcops(['health', 'db', '--config', config, '--format', 'json'], { env: { XDG_STATE_HOME: state } });
    expect(waited.stderr.split('\n')[0]).toMatch(/^nvcops: waiting for the run of health db @ production that is still going \(pid \d+ /);
    expect((await first).exitCode).not.toBe(75);
    expect(JSON.parse(waited.stdout).command).toBe('health db');
    // The waiting run started its checks only after the first one had finished: their spans do not overlap.
    const history = await nvcops(['history', '--config', config, '--format', 'json'], { env: { XDG_STATE_HOME: state } });
    const spans = (JSON.parse(history.stdout) as Array<{ environment: string; report: { startedAt: string; durationMs: number } }>)
      .filter((r) => r.environment === 'production').map((r) => ({ from: Date.parse(r.report.startedAt), to: Date.parse(r.report.startedAt) + r.report.durationMs }));
    expect(spans.length).toBe(2);
    expect(spans[0]!.to <= spans[1]!.from || spans[1]!.to <= spans[0]!.from).toBe(true);

    // A holder killed outright leaves its file behind; the next run sees the pid is gone and takes the lock.
    const killed = startNvcops(['health', 'db', '--config', config], state);
    await until('the run to be killed holds the lock', () => readdirSync(runs).length === 1);
    killed.kill('SIGKILL');
    await killed;
    expect(readdirSync(runs).length).toBe(1);
    const after = await nvcops(['health', 'db', '--config', slow({}, 1), '--if-running', 'exit', '--format', 'json'], { env: { XDG_STATE_HOME: state } });
    expect(after.exitCode).not.toBe(75);
    expect(readdirSync(runs)).toEqual([]);
  });

  it('shared PostgreSQL store: the lock covers every host sharing it (an advisory lock), and a killed holder\'s session gives it up', async () => {
    const state = { url: pg.urlFor('nvcops_state', 'state', PASSWORD) };
    const config = slow({ state });
    const lockHeld = async () => (await pg.sql<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted"))[0]!.n === 1;
    const first = startNvcops(['health', 'db', '--config', config], mkdtempSync(join(tmpdir(), 'nvcops-state-')));
    await until('the first run holds the advisory lock', lockHeld);
    // Another host's run: its own local state directory, the same shared store.
    const refused = await nvcops(['health', 'db', '--config', config, '--if-running', 'exit']);
    expect([refused.exitCode, refused.stdout]).toEqual([75, '']);
    expect(refused.stderr).toMatch(/^nvcops: health db @ production: another run is still going \(session pid \d+ on 127\.0\.0\.1 since \S+Z\); try again when it has finished$/);
    first.kill('SIGKILL');
    await first;
    await until('the killed run\'s session to end', async () => !(await lockHeld()));
    const next = await nvcops(['health', 'db', '--config', slow({ state }, 1), '--if-running', 'exit']);
    expect(next.exitCode).not.toBe(75);
  });

  it('refuses an unknown --if-running with one line and exit 64', async () => {
    const r = await nvcops(['health', 'db', '--config', slow(), '--if-running', 'skip']);
    expect([r.exitCode, r.stdout]).toEqual([64, '']);
    expect(r.stderr).toMatch(/--if-running.*wait, exit/);
  });
});
