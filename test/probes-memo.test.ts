/** Probes memoise each read per run (per Probes instance): a second asking in one run sends nothing, the next run reads again. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/engine/config/index.js';
import { Probes } from '../src/probes/index.js';
import { startRedis, type RedisServer } from './support/servers.js';

/** `fn` on a fresh Probes, as one check run would have it, closed afterwards. */
async function inRun<T>(config: Config, fn: (probes: Probes) => Promise<T>): Promise<T> {
  const probes = new Probes(config);
  try {
    return await fn(probes);
  } finally {
    await probes.close();
  }
}

describe('Probes: each read once per run', () => {
  let redis: RedisServer;
  let dir: string;
  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'nvcops-probes-memo-'));
  });
  afterAll(async () => {
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Redis ACL users and settings: one command each per run, sent again by the next run', async () => {
    const config = { redis: { url: redis.url } } as unknown as Config;
    const sent = () => inRun(config, async (probes) => {
      const first = await probes.redis.aclUsers();
      expect(await probes.redis.aclUsers()).toBe(first);
      expect(first.map((u) => u.name)).toContain('default');
      expect(await probes.redis.setting('protected-mode')).toBe(await probes.redis.setting('protected-mode'));
      return probes.redis.commandCount;
    });
    expect(await sent()).toBe(2);
    expect(await sent()).toBe(2);
  });

  it('run history and certificates: one read per filter per run, not shared with the next run', async () => {
    const config = { environment: 'test', state: { path: dir }, certificates: { files: [] } } as unknown as Config;
    const now = new Date();
    const reads = (probes: Probes) => [probes.history.runs({ command: 'weekly capacity', days: 35 }, now), probes.certificates(now)] as const;
    const [history, certificates] = await inRun(config, async (probes) => {
      const first = reads(probes);
      const again = reads(probes);
      expect(again[0]).toBe(first[0]);
      expect(again[1]).toBe(first[1]);
      expect(probes.history.runs({ command: 'weekly capacity', days: 7 }, now)).not.toBe(first[0]);
      await Promise.all(first);
      return first;
    });
    await inRun(config, async (probes) => {
      const next = reads(probes);
      expect(next[0]).not.toBe(history);
      expect(next[1]).not.toBe(certificates);
      expect(await next[0]).toEqual([]);
      expect(await next[1]).toEqual([]);
    });
  });

  it('the database host: /proc/meminfo and each filesystem read once per run (host-memory and host-swap share one read), again by the next run', async () => {
    const config = { environment: 'test', state: { path: dir } } as unknown as Config;
    const first = await inRun(config, async (probes) => {
      const memory = probes.postgresHost.memory();
      expect(probes.postgresHost.memory()).toBe(memory);
      const disk = probes.postgresHost.disk(dir);
      expect(probes.postgresHost.disk(dir)).toBe(disk);
      expect(probes.postgresHost.disk(tmpdir())).not.toBe(disk);
      expect((await memory).MemTotal).toBeGreaterThan(0);
      expect((await disk).size).toBeGreaterThan(0);
      return memory;
    });
    await inRun(config, async (probes) => expect(probes.postgresHost.memory()).not.toBe(first));
  });

  it('security events, their reviews and the incident records: one scan per window, one read of the reviews and of the incidents per run, read again by the next run', async () => {
    const config = { environment: 'test', state: { path: dir }, redis: { url: redis.url } } as unknown as Config;
    const now = new Date();
    const day = 86_400_000;
    const run = () => inRun(config, async (probes) => {
      const scan = probes.securityEvents(day, now);
      const acks = probes.securityAcks();
      expect(probes.securityEvents(day, new Date(now.getTime() + 1000))).toBe(scan);
      expect(probes.securityAcks()).toBe(acks);
      const incidents = probes.incidents();
      expect(probes.incidents()).toBe(incidents);
      expect(await incidents).toEqual([]);
      expect(probes.securityEvents(7 * day, now)).not.toBe(scan);
      expect((await scan).sources.find((s) => s.name === 'redis')?.state).toBe('read');
      expect(await acks).toEqual(new Map());
      await probes.securityEvents(7 * day, now);
      return { scan, commands: probes.redis.commandCount };
    });
    const first = await run();
    const next = await run();
    expect(next.scan).not.toBe(first.scan);
    // ACL LOG once per window (two), INFO once (the node keeps it for the run): not once per asking.
    expect(first.commands).toBe(3);
    expect(next.commands).toBe(3);
  });
});
