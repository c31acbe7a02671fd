import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from './support/servers.js';
import { nvcops, writeConfig } from './support/cli.js';

describe('maintain cache --flush against a real Redis', () => {
  let redis: RedisServer;
  let config: string;
  // The password through the environment, not argv; the data in redis.url's database (3), another beside it.
  const cli = (...args: string[]) => execa('redis-cli', ['-p', String(redis.port), ...args], { env: { REDISCLI_AUTH: redis.password } }).then((r) => r.stdout);
  const db = () => String(redis.db);
  const OTHER = '4';
  const fill = async () => {
    const session = Array.from({ length: 120 }, (_, i) => [`session:${i}`, 'v']).flat();
    const rate = Array.from({ length: 30 }, (_, i) => [`rate:${i}`, 'v']).flat();
    await cli('-n', db(), 'MSET', ...session, ...rate);
    await cli('-n', OTHER, 'SET', 'other-db', 'stays');
  };

  beforeAll(async () => {
    redis = await startRedis();
    config = writeConfig({ environment: 'staging', redis: { url: redis.url } });
    await fill();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('shows the database, key count and memory first, and refuses without --yes or without --confirm-env', async () => {
    const r = await nvcops(['maintain', 'cache', '--flush', '--config', config]);
    expect(r.exitCode).toBe(64);
    expect(r.stdout).toMatch(/database 3: 150 keys; server memory used [\d.]+[KM]/);
    expect(r.stdout).toMatch(/1\. FLUSHDB ASYNC on database 3/);
    const yesOnly = await nvcops(['maintain', 'cache', '--flush', '--yes', '--config', config]);
    expect(yesOnly.exitCode).toBe(64);
    expect(yesOnly.stdout).toMatch(/refused: this removes data in any environment: add --confirm-env staging/);
    expect(await cli('-n', db(), 'DBSIZE')).toBe('150');
  });

  it('flushes one database with --yes and --confirm-env, and leaves the others alone', async () => {
    const r = await nvcops(['maintain', 'cache', '--flush', '--db', db(), '--yes', '--confirm-env', 'staging', '--config', config]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/FLUSHDB ASYNC on database 3 — database 3: 150 → 0 keys/);
    expect(await cli('-n', db(), 'DBSIZE')).toBe('0');
    expect(await cli('-n', OTHER, 'GET', 'other-db')).toBe('stays');
  });

  it('removes only the keys matching --pattern with SCAN and UNLINK', async () => {
    await fill();
    const plan = await nvcops(['maintain', 'cache', '--flush', '--pattern', 'session:*', '--dry-run', '--config', config, '--format', 'json']);
    expect(JSON.parse(plan.stdout).summary[0]).toMatch(/database 3: 150 keys, 120 matching session:\*/);
    const r = await nvcops(['maintain', 'cache', '--flush', '--pattern', 'session:*', '--yes', '--confirm-env', 'staging', '--config', config]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/120 keys removed; database 3: 150 → 30 keys/);
    expect(await cli('-n', db(), 'KEYS', 'session:*')).toBe('');
    expect(await cli('-n', db(), 'DBSIZE')).toBe('30');
  });

  it('needs Redis configured (78), and says nothing was done when Redis cannot be reached (3); no password in any output', async () => {
    const none = await nvcops(['maintain', 'cache', '--flush', '--config', writeConfig({})]);
    expect(none.exitCode).toBe(78);
    expect(none.stderr).toMatch(/maintain cache: Redis not configured: set redis\.url/);
    const down = await nvcops(['maintain', 'cache', '--flush', '--yes', '--confirm-env', 'staging', '--config', writeConfig({ environment: 'staging', redis: { url: 'redis://:Fl0sh-S3cret@127.0.0.1:1' } })]);
    expect(down.exitCode).toBe(3);
    expect(down.stderr).toMatch(/^nvcops: nothing was done: Redis .*127\.0\.0\.1:1.*connection refused/im);
    expect(down.stdout + down.stderr).not.toContain('Fl0sh-S3cret');
  });

  it('a Redis that stops answering while the plan reads it: one line, nothing was done (exit 3), nothing audited, no key removed', async () => {
    const own = await startRedis();
    const watch = new Redis(own.url);
    const state = mkdtempSync(join(tmpdir(), 'nvcops-state-'));
    let stopped = false;
    try {
      // Enough keys that counting the matches takes hundreds of SCAN round trips: the server is stopped in the middle.
      for (let i = 0; i < 300_000; i += 10_000) await watch.mset(...Array.from({ length: 10_000 }, (_, k) => [`session:${i + k}`, 'v']).flat());
      const cfg = writeConfig({ environment: 'staging', redis: { url: own.url } });
      const planning = nvcops(['maintain', 'cache', '--flush', '--pattern', 'session:*', '--yes', '--confirm-env', 'staging', '--config', cfg], { env: { XDG_STATE_HOME: state } });
      while (!/name=nvcops .*cmd=scan/.test(String(await watch.client('LIST')))) await new Promise((r) => setTimeout(r, 5));
      process.kill(own.process.pid!, 'SIGSTOP');
      stopped = true;
      const r = await planning;
      expect([r.exitCode, r.stdout]).toEqual([3, '']);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^nvcops: nothing was done: Redis \(127\.0\.0\.1:\d+.*\): no answer in time$/)]);
      expect(existsSync(join(state, 'nvcops', 'audit.jsonl')) ? readFileSync(join(state, 'nvcops', 'audit.jsonl'), 'utf8') : '').toBe('');
      process.kill(own.process.pid!, 'SIGCONT');
      stopped = false;
      expect(await watch.dbsize()).toBe(300_000);
    } finally {
      if (stopped) process.kill(own.process.pid!, 'SIGCONT');
      watch.disconnect();
      await own.stop();
    }
  }, 60_000);

  it('rejects a bad --db and needs --flush', async () => {
    const bad = await nvcops(['maintain', 'cache', '--flush', '--db', 'x', '--config', config]);
    expect(bad.exitCode).toBe(64);
    expect(bad.stderr).toMatch(/--db <n>' argument 'x' is invalid\. use a database index from 0 to 15/);
    const none = await nvcops(['maintain', 'cache', '--config', config]);
    expect(none.exitCode).toBe(64);
    expect(none.stderr).toMatch(/say what to do: --flush/);
  });

  it('refuses an empty --pattern (an unset variable) instead of flushing the whole database', async () => {
    await fill();
    const r = await nvcops(['maintain', 'cache', '--flush', '--pattern', '', '--yes', '--confirm-env', 'staging', '--config', config]);
    expect([r.exitCode, r.stdout]).toEqual([64, '']);
    expect(r.stderr).toBe("nvcops: option '--pattern <glob>' argument '' is invalid. use a glob such as session:*; it cannot be empty (run with --help for usage)");
    expect(await cli('-n', db(), 'DBSIZE')).toBe('150');
  });
});
