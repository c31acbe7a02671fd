import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';
import { startPostgres, startRedis, type PgServer, type RedisServer } from './support/servers.js';

const stateDir = () => mkdtempSync(join(tmpdir(), 'nvcops-classify-state-'));
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
type Reason = { severity: string; kind: string; evidence: string };

/** Keeps PostgreSQL and Redis busy (CPU-bound queries, Lua loops that hold Redis) until stopped: bounded, loopback only. */
function busy(pg: PgServer, redis: RedisServer) {
  let on = true;
  const loops: Promise<void>[] = [];
  for (let k = 0; k < 3; k++) {
    loops.push((async () => {
      const c = await pg.connect();
      try {
        while (on) await c.query('SELECT count(*) FROM generate_series(1, 2000000)');
      } finally {
        await c.end();
      }
    })());
  }
  loops.push((async () => {
    const r = new Redis(redis.url, { lazyConnect: true });
    await r.connect();
    try {
      while (on) await r.eval('local i = 0 while i < 300000 do i = i + 1 end return i', 0);
    } finally {
      r.disconnect();
    }
  })());
  return async () => {
    on = false;
    await Promise.all(loops);
  };
}

describe('incident classify: evidence, not noise', () => {
  let pg: PgServer;
  let redis: RedisServer;
  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres({ settings: { archive_mode: 'on', archive_command: 'true' } }), startRedis()]);
  });
  afterAll(async () => {
    redis?.process.kill('SIGCONT');
    await Promise.all([pg?.stop(), redis?.stop()]);
  });

  it('a healthy but busy system proposes nothing above P3; a Redis outage is a partial outage naming Redis', async () => {
    const config = writeConfig({ postgres: { url: pg.monitorUrl }, redis: { url: redis.url } });
    const state = stateDir();
    const run = (args: string[]) => nvcops([...args, '--config', config], { env: { XDG_STATE_HOME: state } });
    // Earlier fast runs: the history every latency is compared with.
    for (let k = 0; k < 5; k++) await run(['incident', 'classify', '--format', 'json']);
    const stop = busy(pg, redis);
    let loaded;
    try {
      loaded = JSON.parse((await run(['incident', 'classify', '--format', 'json'])).stdout);
    } finally {
      await stop();
    }
    expect(loaded.proposed).toBe('P3');
    expect(loaded.reasons.map((r: Reason) => r.kind)).toEqual(['Minor bugs']);

    redis.process.kill('SIGSTOP');
    try {
      const out = JSON.parse((await run(['incident', 'classify', '--format', 'json'])).stdout);
      expect(out.proposed).toBe('P1');
      expect(out.reasons[0]).toMatchObject({ severity: 'P1', kind: 'Partial system outage', evidence: expect.stringMatching(/redis/i) });
      expect(out.reasons.filter((r: Reason) => /Performance degradation|Data corruption/.test(r.kind))).toEqual([]);
    } finally {
      redis.process.kill('SIGCONT');
    }
  }, 120_000);

  it('no backup yet is a backup finding, not P0 data corruption', async () => {
    const config = writeConfig({ postgres: { url: pg.monitorUrl }, backups: { directory: mkdtempSync(join(tmpdir(), 'nvcops-classify-repo-')) } });
    const out = JSON.parse((await nvcops(['incident', 'classify', '--config', config, '--format', 'json'], { env: { XDG_STATE_HOME: stateDir() } })).stdout);
    expect(out.reasons.map((r: Reason) => r.kind)).not.toContain('Data corruption');
    expect(out.proposed).not.toBe('P0');
    expect(out.reasons).toContainEqual(expect.objectContaining({ severity: 'P2', evidence: expect.stringMatching(/^backup finding — Backups match their manifests: no backup to verify in /) }));
  }, 60_000);

  it('an incident opened in a Redis outage resolves without --force once Redis is back, though an unrelated check failed for hours', async () => {
    const config = writeConfig({ environment: 'staging', postgres: { url: pg.monitorUrl }, redis: { url: redis.url }, backups: { directory: mkdtempSync(join(tmpdir(), 'nvcops-classify-repo-')) } });
    const state = stateDir();
    const run = (args: string[], now?: string) => nvcops([...args, '--config', config, '--by', 'ada'], { env: { XDG_STATE_HOME: state, ...(now && { NVCOPS_NOW: now }) } });
    // Hours of history: backups failing all along (no backup yet), Redis passing.
    await run(['health', 'daily'], minutesAgo(180));
    await run(['health', 'daily'], minutesAgo(30));
    redis.process.kill('SIGSTOP');
    let opened;
    try {
      await run(['health', 'daily']);
      opened = JSON.parse((await run(['incident', 'open', '--severity', 'P1', '--title', 'Sessions lost: Redis not answering', '--started', '5 minutes ago', '--format', 'json'])).stdout);
    } finally {
      redis.process.kill('SIGCONT');
    }
    // Everything that began failing with the outage is the incident's: Redis's checks, and the security line that reads its ACL LOG.
    expect(opened.failingChecks.map((f: { id: string }) => f.id)).toEqual([
      'redis.ping', 'redis.clients', 'redis.rejected-connections', 'redis.restarts-failovers', 'redis.replica-lag', 'redis.error-replies', 'security.alerts-reviewed',
    ]);
    for (const f of opened.failingChecks) expect(f.message).toMatch(/Redis \(127\.0\.0\.1:\d+\): no answer in time/);
    expect(opened.longStanding.map((f: { id: string }) => f.id)).toContain('backups.checksums');
    const shown = (await run(['incident', 'show', opened.id])).stdout;
    expect(shown).toMatch(/Failing before impact began \(context\)/);
    expect(shown).toMatch(/backups\.checksums fail: no backup to verify in /);
    const resolved = await run(['incident', 'resolve', '--note', 'Redis restarted']);
    expect(resolved.stderr).toBe('');
    expect(resolved.exitCode).toBe(0);
    expect(resolved.stdout).toMatch(/resolved after .* — all 7 checks failing at open now pass\n\s+✔ redis.ping: fail → pass/);
    const pm = (await run(['incident', 'postmortem', opened.id])).stdout;
    const impact = /\| Checks failing at open \| (.*) \|/.exec(pm)![1]!;
    expect(impact).toMatch(/^`redis.ping`/);
    expect(impact).not.toMatch(/backups/);
    const actions = pm.slice(pm.indexOf('## Action items'), pm.indexOf('## Lessons learned'));
    expect(actions).toMatch(/Keep `redis.ping` passing/);
    expect(actions).not.toMatch(/backups\./);
    expect(pm).toMatch(/Failing before impact began, so not counted as this incident's \(context\): .*`backups.checksums`/);
  }, 120_000);
});
