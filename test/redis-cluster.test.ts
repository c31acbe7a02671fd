import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { randomPassword, redisCli, startRedis, type RedisServer } from './support/servers.js';
import { until } from './support/until.js';

const text = async (node: RedisServer, ...args: string[]) => (await redisCli(node, args)).stdout;
/** Node ids and masters as `node` sees them: CLUSTER NODES' id, address, flags, master columns. */
const clusterNodes = async (node: RedisServer) => (await text(node, 'CLUSTER', 'NODES')).trim().split('\n').map((l) => {
  const [id, addr, flags, master] = l.split(' ');
  return { id: id!, port: Number(addr!.split('@')[0]!.split(':')[1]), flags: flags!.split(','), master: master! };
});

describe('redis.cluster-flapping on a real six-node Redis Cluster (three masters, a replica each)', () => {
  const password = randomPassword();
  const state = mkdtempSync(join(tmpdir(), 'nvcops-redis-cluster-state-'));
  let nodes: RedisServer[] = [];
  /** `health daily` (where the Redis high-availability checks are), every run in the same run history. */
  const daily = async () => {
    const redis = { cluster: [nodes[0]!.url, nodes[1]!.url], connectTimeout: '1s' };
    const r = await nvcops(['health', 'daily', '--config', writeConfig({ redis, state: { path: state } }), '--format', 'json']);
    return { ...parseReport(r.stdout), exitCode: r.exitCode };
  };
  /** Every node answering says cluster_state ok and agrees on which node masters a replica's slots. */
  const settled = (master: RedisServer, replica: RedisServer) => until('the cluster to agree', async () => {
    const up = nodes.filter((n) => n.process.exitCode === null && n.process.signalCode === null);
    const views = await Promise.all(up.map(async (n) => ({ info: await text(n, 'CLUSTER', 'INFO'), nodes: await clusterNodes(n) })));
    return views.every((v) => v.info.includes('cluster_state:ok')
      && v.nodes.find((x) => x.port === master.port)!.flags.includes('master')
      && v.nodes.find((x) => x.port === replica.port)!.flags.includes('slave')
      && !v.nodes.some((x) => x.flags.some((f) => f.startsWith('fail'))))
      && (await text(replica, 'INFO', 'replication')).includes('master_link_status:up');
  }, 30_000);

  beforeAll(async () => {
    nodes = await Promise.all([0, 1, 2, 3, 4, 5].map(() => startRedis(['--cluster-enabled', 'yes', '--cluster-node-timeout', '1000', '--requirepass', password, '--masterauth', password])));
    await execa('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'], { env: { REDISCLI_AUTH: password } });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it('is quiet on a healthy cluster, warns naming the nodes at a failover, fails when it flaps back, fails a frozen master and a stopped node', async () => {
    // redis-cli --cluster create makes the first three masters; nodes[2] and its replica fail over, the seeds stay as they are.
    const master = nodes[2]!;
    const masterId = (await clusterNodes(master)).find((n) => n.port === master.port)!.id;
    let replicaPort = 0;
    await until('the master to know its replica', async () => (replicaPort = (await clusterNodes(master)).find((n) => n.master === masterId)?.port ?? 0) > 0);
    const theReplica = nodes.find((n) => n.port === replicaPort)!;
    await settled(master, theReplica);

    const first = await daily();
    expect(first.byId['redis.cluster-flapping']).toMatchObject({ status: 'pass', observed: { value: 0 }, message: expect.stringMatching(/^no previous run to compare: cluster_current_epoch \d+ and the masters seen now are kept for the next run$/) });
    const second = await daily();
    expect(second.byId['redis.cluster-flapping']).toMatchObject({ status: 'pass', observed: { value: 0 }, message: expect.stringMatching(/^no failover since the last run \(.+\), cluster_current_epoch \d+$/) });

    // A real failover: the replica takes its master's slots over (CLUSTER FAILOVER, the master agreeing).
    await text(theReplica, 'CLUSTER', 'FAILOVER');
    await settled(theReplica, master);
    const failedOver = await daily();
    const short = (s: RedisServer, id: string) => `127\\.0\\.0\\.1:${s.port} \\(${id.slice(0, 8)}\\)`;
    const replicaId = (await clusterNodes(theReplica)).find((n) => n.port === theReplica.port)!.id;
    expect(failedOver.byId['redis.cluster-flapping']).toMatchObject({
      status: 'warn', observed: { value: 1 },
      message: expect.stringMatching(new RegExp(`^failover since the last run \\(.+\\), cluster_current_epoch (\\d+) → \\d+: slots \\d+-\\d+: master ${short(master, masterId)} replaced by ${short(theReplica, replicaId)}$`)),
    });

    // And back: a second failover within the window is flapping.
    await text(master, 'CLUSTER', 'FAILOVER');
    await settled(master, theReplica);
    const flapped = await daily();
    expect(flapped.byId['redis.cluster-flapping']).toMatchObject({
      status: 'fail', observed: { value: 2 },
      message: expect.stringMatching(new RegExp(`^flapping: cluster_current_epoch rose 2 times in 24 h; failover since the last run \\(.+\\), cluster_current_epoch \\d+ → \\d+: slots \\d+-\\d+: master ${short(theReplica, replicaId)} replaced by ${short(master, masterId)}$`)),
    });
    expect(flapped.exitCode).toBe(2);

    // A master frozen past cluster-node-timeout: the cluster flags it failed and its replica takes over by itself.
    master.process.kill('SIGSTOP');
    try {
      await until('the replica to take over from the frozen master', async () => (await text(theReplica, 'INFO', 'replication')).includes('role:master')
        && (await clusterNodes(nodes[0]!)).find((n) => n.port === master.port)!.flags.includes('fail'));
      const frozen = await daily();
      const result = frozen.byId['redis.cluster-flapping']!;
      expect(result).toMatchObject({
        status: 'fail',
        message: expect.stringMatching(new RegExp(`^127\\.0\\.0\\.1:${master.port} unreachable; 127\\.0\\.0\\.1:${master.port} flagged fail; flapping: cluster_current_epoch rose \\d+ times in 24 h; failover since the last run \\(.+\\), cluster_current_epoch \\d+ → \\d+: slots \\d+-\\d+: master ${short(master, masterId)} replaced by ${short(theReplica, replicaId)}$`)),
      });
      expect(result.observed!.value).toBeGreaterThanOrEqual(3);
    } finally {
      master.process.kill('SIGCONT');
    }
    await settled(theReplica, master);

    // A node stopped: the others flag it fail after cluster-node-timeout.
    const other = nodes.slice(3).find((n) => n !== theReplica)!;
    await other.stop();
    await until('the cluster to flag the stopped replica', async () => (await clusterNodes(nodes[0]!)).find((n) => n.port === other.port)!.flags.includes('fail'));
    const stopped = await daily();
    expect(stopped.byId['redis.cluster-flapping']).toMatchObject({ status: 'fail', message: `127.0.0.1:${other.port} unreachable; 127.0.0.1:${other.port} flagged fail` });
    expect(stopped.exitCode).toBe(2);
  }, 120_000);
});
