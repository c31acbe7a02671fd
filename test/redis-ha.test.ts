import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { freePort, redisCli, startRedis, type RedisServer } from './support/servers.js';
import { until } from './support/until.js';

/** Runs `health daily` (where the Redis high-availability checks are) with its own run history in `state`. */
async function daily(redis: Record<string, unknown>, opts: { state?: string; thresholds?: Record<string, unknown> } = {}) {
  const state = opts.state ?? mkdtempSync(join(tmpdir(), 'nvcops-redis-ha-state-'));
  const r = await nvcops(['health', 'daily', '--config', writeConfig({ redis: { connectTimeout: '1s', ...redis }, state: { path: state }, thresholds: opts.thresholds ?? {} }), '--format', 'json']);
  return { ...parseReport(r.stdout), exitCode: r.exitCode, stderr: r.stderr };
}

interface Sentinel { port: number; process: ChildProcess; dir: string }

/** A sentinel watching `master` as `payments` (quorum 2), logged in to it through `sentinel auth-pass`. */
async function startSentinel(master: RedisServer): Promise<Sentinel> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'nvcops-sentinel-'));
  writeFileSync(join(dir, 'sentinel.conf'), [
    `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`,
    `sentinel monitor payments 127.0.0.1 ${master.port} 2`,
    `sentinel auth-pass payments ${master.password}`,
    'sentinel down-after-milliseconds payments 1000',
    'sentinel failover-timeout payments 5000', '',
  ].join('\n'));
  const child = spawn('redis-server', [join(dir, 'sentinel.conf'), '--sentinel'], { stdio: 'ignore' });
  return { port, process: child, dir };
}
const sentinelCli = (s: Sentinel, ...args: string[]) => execa('redis-cli', ['-p', String(s.port), ...args], { reject: false }).then((r) => r.stdout);

describe('Redis high availability behind real sentinels', () => {
  let master: RedisServer;
  let replica: RedisServer;
  let sentinels: Sentinel[];
  const config = () => ({ sentinels: sentinels.map((s) => `redis://127.0.0.1:${s.port}`), name: 'payments', password: master.password });

  beforeAll(async () => {
    master = await startRedis();
    replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port), '--masterauth', master.password, '--requirepass', master.password] });
    await until('the replica linked', async () => (await redisCli(replica, ['INFO', 'replication'])).stdout.includes('master_link_status:up'));
    sentinels = await Promise.all([0, 1, 2].map(() => startSentinel(master)));
    // The sentinels find each other and the replica through the master: quorum reached, replica listed.
    await until('the sentinels reaching quorum', async () => (await sentinelCli(sentinels[0]!, 'SENTINEL', 'CKQUORUM', 'payments')).startsWith('OK 3 usable'), 30_000);
    await until('the replica known to the sentinels', async () => (await sentinelCli(sentinels[0]!, 'SENTINEL', 'REPLICAS', 'payments')).includes(String(replica.port)), 30_000);
  });
  afterAll(async () => {
    for (const s of sentinels ?? []) {
      s.process.kill('SIGCONT');
      s.process.kill('SIGKILL');
      rmSync(s.dir, { recursive: true, force: true });
    }
    await Promise.all([replica?.stop(), master?.stop()]);
  });

  it('passes three sentinels that agree, one master and a replica in step', async () => {
    const { byId, line } = await daily(config());
    expect(byId['redis.sentinel-quorum']).toMatchObject({ status: 'pass', observed: { value: 3 }, message: `3 sentinels answer, have the quorum and agree: payments is at 127.0.0.1:${master.port}` });
    expect(byId['redis.masters']).toMatchObject({ status: 'pass', message: expect.stringMatching(new RegExp(`^one master, 127\\.0\\.0\\.1:${master.port} \\(master payments\\), and 1 replica that say they are replicas$`)) });
    expect(byId['redis.replica-lag']).toMatchObject({ status: 'pass', message: expect.stringMatching(new RegExp(`^replica 127\\.0\\.0\\.1:${replica.port} [\\d.]+ k?B behind \\([\\d.]+% of repl-backlog-size 1\\.0 MB\\)$`)) });
    expect(byId['redis.error-replies']).toMatchObject({ status: 'pass', observed: { value: 0 } });
    expect(byId['redis.restarts-failovers']).toMatchObject({ status: 'pass' });
    expect(line('Database connections healthy').status).not.toBe('fail');
  });

  it('fails too many masters when the replica is promoted by hand while the master still runs', async () => {
    await redisCli(replica, ['REPLICAOF', 'NO', 'ONE']);
    try {
      const { byId } = await daily(config());
      expect(byId['redis.masters']).toMatchObject({ status: 'fail', observed: { value: 2 }, message: `2 masters: 127.0.0.1:${master.port} (master payments), 127.0.0.1:${replica.port} (a replica promoted outside Sentinel?)` });
    } finally {
      await redisCli(replica, ['REPLICAOF', '127.0.0.1', String(master.port)]);
      await until('the replica linked again', async () => (await redisCli(replica, ['INFO', 'replication'])).stdout.includes('master_link_status:up'));
    }
  });

  it('fails a replica further behind than the replication backlog (frozen while the master writes)', async () => {
    process.kill(replica.process.pid!, 'SIGSTOP');
    try {
      // 2 MB of writes the frozen replica does not acknowledge: twice the 1 MB backlog.
      await redisCli(master, ['EVAL', "for i=1,2000 do redis.call('SET', 'lag:'..i, string.rep('x', 1000)) end", '0']);
      const { byId } = await daily(config());
      expect(byId['redis.replica-lag']).toMatchObject({ status: 'fail', message: expect.stringMatching(new RegExp(`^replica 127\\.0\\.0\\.1:${replica.port} [\\d.]+ MB behind \\([\\d.]+% of repl-backlog-size 1\\.0 MB\\)$`)) });
      expect(byId['redis.replica-lag']!.observed!.value).toBeGreaterThan(100);
    } finally {
      process.kill(replica.process.pid!, 'SIGCONT');
    }
    await until('the replica in step again', async () => (await daily(config())).byId['redis.replica-lag']!.status === 'pass', 30_000);
  });

  it('warns about a burst of error replies during the run', async () => {
    const client = new Redis(`redis://:${master.password}@127.0.0.1:${master.port}`, { maxRetriesPerRequest: 0 });
    let bursting = true;
    const burst = (async () => {
      while (bursting) {
        await Promise.all(Array.from({ length: 20 }, () => client.call('NO-SUCH-COMMAND').catch(() => undefined)));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      const { byId } = await daily(config());
      expect(byId['redis.error-replies']).toMatchObject({ status: 'warn', threshold: { warn: '> 5' }, message: expect.stringMatching(/error replies per second \(\d+ in [\d.]+ m?s; \d+ since the server started\)$/) });
      expect(byId['redis.error-replies']!.observed!.value).toBeGreaterThan(5);
    } finally {
      bursting = false;
      await burst;
      client.disconnect();
    }
  });

  it('fails when the sentinels lose quorum (two of three frozen), warns when one is gone', async () => {
    sentinels[2]!.process.kill('SIGSTOP');
    try {
      const one = await daily(config());
      expect(one.byId['redis.sentinel-quorum']).toMatchObject({ status: 'warn', observed: { value: 2 }, message: expect.stringMatching(new RegExp(`^1 of 3 sentinels did not answer \\(sentinel 127\\.0\\.0\\.1:${sentinels[2]!.port}\\); the others have the quorum for payments at 127\\.0\\.0\\.1:${master.port}$`)) });
      sentinels[1]!.process.kill('SIGSTOP');
      await until('the last sentinel seeing the others down', async () => (await sentinelCli(sentinels[0]!, 'SENTINEL', 'CKQUORUM', 'payments')).includes('NOQUORUM'), 30_000);
      const lost = await daily(config());
      expect(lost.byId['redis.sentinel-quorum']).toMatchObject({ status: 'fail', observed: { value: 1 }, message: expect.stringMatching(new RegExp(`^sentinel 127\\.0\\.0\\.1:${sentinels[0]!.port}: NOQUORUM 1 usable Sentinels`)) });
      expect(lost.exitCode).toBe(2);
    } finally {
      for (const s of sentinels.slice(1)) s.process.kill('SIGCONT');
    }
    await until('the quorum back', async () => (await sentinelCli(sentinels[0]!, 'SENTINEL', 'CKQUORUM', 'payments')).startsWith('OK 3 usable'), 30_000);
  });

  it('fails restarts-failovers when the sentinels move the master between two runs', async () => {
    const state = mkdtempSync(join(tmpdir(), 'nvcops-redis-ha-state-'));
    expect((await daily(config(), { state })).byId['redis.restarts-failovers']!.status).toBe('pass');
    await sentinelCli(sentinels[0]!, 'SENTINEL', 'FAILOVER', 'payments');
    await until('the failover', async () => (await sentinelCli(sentinels[0]!, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'payments')).includes(String(replica.port)), 30_000);
    await until('the new master accepting writes', async () => (await redisCli(replica, ['INFO', 'replication'])).stdout.includes('role:master'));
    const after = await daily(config(), { state });
    expect(after.byId['redis.restarts-failovers']).toMatchObject({
      status: 'fail', message: `failover: master payments moved from 127.0.0.1:${master.port} (master payments) to 127.0.0.1:${replica.port} (master payments)`,
    });
  });
});

describe('Redis high availability on a standalone server', () => {
  it('skips the sentinel checks and passes the others', async () => {
    const s = await startRedis();
    try {
      const { byId } = await daily({ url: s.url });
      expect(byId['redis.sentinel-quorum']).toMatchObject({ status: 'skip' });
      expect(byId['redis.masters']).toMatchObject({ status: 'skip' });
      expect(byId['redis.cluster-flapping']).toMatchObject({ status: 'skip', message: 'not a cluster: set redis.cluster to check it for failovers and flapping' });
      expect(byId['redis.replica-lag']).toMatchObject({ status: 'pass', observed: { value: 0 }, message: 'master, no replica online' });
      expect(byId['redis.error-replies']).toMatchObject({ status: 'pass', observed: { value: 0 } });
    } finally {
      await s.stop();
    }
  });
});
