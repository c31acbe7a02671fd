import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { freePort, randomPassword, startRedis, type RedisServer } from './support/servers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(read: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await read())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const started: RedisServer[] = [];
const clients: Redis[] = [];
async function redisServer(args: string[] = []): Promise<RedisServer> {
  const s = await startRedis(args);
  started.push(s);
  return s;
}
function client(server: RedisServer): Redis {
  const c = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(started.map((s) => s.stop()));
});

async function healthDb(redis: Record<string, unknown>, thresholds = {}) {
  const r = await nvcops(['health', 'db', '--config', writeConfig({ redis, thresholds }), '--format', 'json']);
  return { ...parseReport(r.stdout), exitCode: r.exitCode, stderr: r.stderr, stdout: r.stdout };
}

/** 400,000 keys of 100 bytes, written by the server itself. */
const FILL = "for i=0,399999 do redis.call('SET','key:'..i, string.rep('x',100)) end";

describe('health db: the Redis checks on real servers, healthy and in their faults', () => {
  it('passes a healthy standalone server, persistence included', async () => {
    const s = await redisServer(['--save', '3600 1']);
    const c = client(s);
    await c.set('session:1', 'ok');
    const lookups = c.pipeline();
    for (let i = 0; i < 1000; i++) lookups.get('session:1');
    await lookups.exec();
    // Saving on (save 3600 1) and no save has failed. No BGSAVE here: its fork can itself land in the slow log.
    const { byId, exitCode, report } = await healthDb({ url: s.url });
    const redis = report.items.find((i) => i.title === 'Cache performance review')!.results;
    expect(redis.map((x) => [x.id, x.status])).toEqual([
      ['redis.ping', 'pass'], ['redis.clients', 'pass'], ['redis.rejected-connections', 'pass'], ['redis.memory', 'pass'],
      ['redis.evictions', 'pass'], ['redis.fragmentation', 'pass'], ['redis.hit-ratio', 'pass'], ['redis.blocked-clients', 'pass'],
      ['redis.replication', 'pass'], ['redis.persistence', 'pass'], ['redis.slowlog', 'pass'], ['redis.cluster', 'skip'],
    ]);
    expect(byId['redis.persistence']!.message).toMatch(/last successful save \d+ s ago/);
    expect(byId['postgres.connect-time']).toMatchObject({ status: 'skip' });
    expect(exitCode).toBe(0);
  });

  it('fails memory when a noeviction server is full and refuses writes', async () => {
    const s = await redisServer(['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction']);
    const c = client(s);
    // A running script may pass maxmemory; the next write is refused.
    await c.eval(FILL, 0).catch(() => undefined);
    await expect(c.set('one-more', 'x')).rejects.toThrow(/OOM/);
    const { byId } = await healthDb({ url: s.url });
    expect(byId['redis.memory']).toMatchObject({ status: 'fail', message: expect.stringMatching(/of maxmemory 2\.0 MB, policy noeviction: full, writes are refused \(OOM\)/) });
    expect(byId['redis.memory']!.observed!.value).toBeGreaterThanOrEqual(100);
  });

  it('warns about evictions and memory near maxmemory on an LRU cache', async () => {
    const s = await redisServer(['--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-lru']);
    await client(s).eval(FILL, 0);
    const { byId } = await healthDb({ url: s.url });
    expect(byId['redis.evictions']!.status).toBe('warn');
    expect(byId['redis.evictions']!.observed!.value).toBeGreaterThan(1000);
    expect(byId['redis.memory']).toMatchObject({ status: 'warn', message: expect.stringContaining('policy allkeys-lru') });
  });

  it('warns about fragmentation once most keys of a large keyspace are deleted', async () => {
    const s = await redisServer();
    const c = client(s);
    await c.eval(FILL, 0);
    const before = await healthDb({ url: s.url });
    expect(before.byId['redis.fragmentation']!.status).toBe('pass');
    await c.eval("for i=0,399999 do if i%5~=0 then redis.call('DEL','key:'..i) end end", 0);
    await until(async () => Number(/mem_fragmentation_ratio:([\d.]+)/.exec(await c.info('memory'))![1]) > 1.5, 'fragmentation');
    const { byId } = await healthDb({ url: s.url });
    expect(byId['redis.fragmentation']).toMatchObject({ status: 'warn', message: expect.stringMatching(/ratio \d+\.\d\d, [\d.]+ MB fragmented/) });
  });

  it('warns when most lookups miss, and counts blocked clients', async () => {
    const s = await redisServer();
    const c = client(s);
    await c.set('present', '1');
    await c.get('present');
    const misses = c.pipeline();
    for (let i = 0; i < 1000; i++) misses.get(`absent:${i}`);
    await misses.exec();
    const worker = client(s);
    void worker.blpop('jobs', 0).catch(() => undefined);
    await until(async () => /blocked_clients:1/.test(await c.info('clients')), 'BLPOP');
    const { byId } = await healthDb({ url: s.url });
    expect(byId['redis.hit-ratio']).toMatchObject({ status: 'warn', observed: { value: 0.000 }, message: '1 hits, 1000 misses' });
    expect(byId['redis.blocked-clients']).toMatchObject({ status: 'warn', observed: { value: 1 } });
  });

  it('says "not enough data yet" for a hit ratio over fewer than 1000 lookups, however bad', async () => {
    const s = await redisServer();
    const c = client(s);
    await c.set('present', '1');
    await c.get('present');
    for (let i = 0; i < 2; i++) await c.get(`absent:${i}`);
    const { byId } = await healthDb({ url: s.url });
    expect(byId['redis.hit-ratio']).toMatchObject({ status: 'skip', message: 'not enough data yet: 3 key lookups since the server started (judged from 1000)' });
  });

  it('rounds the hit ratio down, never up across its level: 8995 hits in 9999 lookups (0.89959) warns under 0.9', async () => {
    const s = await redisServer();
    const c = client(s);
    await c.set('present', '1');
    const lookups = c.pipeline();
    for (let i = 0; i < 8995; i++) lookups.get('present');
    for (let i = 0; i < 1004; i++) lookups.get('absent');
    await lookups.exec();
    const { byId } = await healthDb({ url: s.url });
    expect(byId['redis.hit-ratio']).toMatchObject({ status: 'warn', observed: { value: 0.899 }, message: '8995 hits, 1004 misses' });
  });

  it('fails client saturation and counts the connection maxclients refused', async () => {
    const s = await redisServer(['--maxclients', '4']);
    const held = [client(s), client(s), client(s), client(s)];
    await Promise.all(held.map((c) => c.ping()));
    // The server answers "max number of clients reached" and hangs up.
    await expect(client(s).ping()).rejects.toThrow();
    held.pop()!.disconnect();
    await until(async () => /connected_clients:3\b/.test(await held[0]!.info('clients')), 'the released slot');
    const { byId } = await healthDb({ url: s.url });
    expect(byId['redis.clients']).toMatchObject({ status: 'fail', observed: { value: 100 }, message: '4 of maxclients 4' });
    expect(byId['redis.rejected-connections']).toMatchObject({ status: 'warn', observed: { value: 1 } });
  });

  it('passes a replica with its link up, and fails it when the master goes away', async () => {
    const master = await redisServer();
    const replica = await redisServer(['--replicaof', '127.0.0.1', String(master.port), '--masterauth', master.password]);
    const r = client(replica);
    await until(async () => /master_link_status:up/.test(await r.info('replication')), 'the replication link');
    const up = await healthDb({ url: replica.url });
    expect(up.byId['redis.replication']).toMatchObject({ status: 'pass', message: expect.stringMatching(new RegExp(`replica of 127\\.0\\.0\\.1:${master.port}, link up`)) });
    const onMaster = await healthDb({ url: master.url });
    expect(onMaster.byId['redis.replication']).toMatchObject({ status: 'pass', message: expect.stringMatching(/master with 1 replica online/) });
    await master.stop();
    await until(async () => /master_link_status:down/.test(await r.info('replication')), 'the link to drop');
    const down = await healthDb({ url: replica.url });
    expect(down.byId['redis.replication']).toMatchObject({ status: 'fail', message: expect.stringContaining('link down') });
  });

  it('fails a master that lost a replica it is expected to have (redis.replicas): the master forgets a lost replica', async () => {
    const master = await redisServer();
    const replica = await redisServer(['--replicaof', '127.0.0.1', String(master.port), '--masterauth', master.password]);
    const m = client(master);
    await until(async () => /slave0:.*state=online/.test(await m.info('replication')), 'the replica online');
    expect((await healthDb({ url: master.url, replicas: 1 })).byId['redis.replication']).toMatchObject({ status: 'pass', message: expect.stringMatching(/^master with 1 replica online/) });
    await replica.stop();
    await until(async () => /connected_slaves:0/.test(await m.info('replication')), 'the master to drop the replica');
    expect((await healthDb({ url: master.url, replicas: 1 })).byId['redis.replication']).toMatchObject({ status: 'fail', message: 'master with 0 of 1 replicas online (redis.replicas)' });
    // A replica taking its first copy (a diskless sync that waits 30 s for more replicas) is on its way: a warning.
    const slow = await redisServer(['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '30']);
    await redisServer(['--replicaof', '127.0.0.1', String(slow.port), '--masterauth', slow.password]);
    await until(async () => /slave0:.*state=wait_bgsave/.test(await client(slow).info('replication')), 'the replica waiting for its copy');
    expect((await healthDb({ url: slow.url, replicas: 1 })).byId['redis.replication']).toMatchObject({ status: 'warn', message: expect.stringMatching(/^master; replica 127\.0\.0\.1:\d+ wait_bgsave \(copying the data set\)$/) });
    // Without the number, the same master says what it cannot tell apart.
    expect((await healthDb({ url: master.url })).byId['redis.replication']).toMatchObject({
      status: 'pass', message: 'master, no replicas attached (set redis.replicas to the number expected: a lost replica also looks like none)',
    });
  });

  it('fails persistence when a background save cannot be written', async () => {
    const s = await redisServer(['--save', '3600 1']);
    const c = client(s);
    await c.set('k', 'v');
    const [, dir] = (await c.config('GET', 'dir')) as string[];
    rmSync(dir!, { recursive: true, force: true });
    await c.bgsave();
    await until(async () => /rdb_last_bgsave_status:err/.test(await c.info('persistence')), 'the failed BGSAVE');
    const { byId } = await healthDb({ url: s.url });
    expect(byId['redis.persistence']).toMatchObject({ status: 'fail', message: expect.stringContaining('last RDB save failed (rdb_last_bgsave_status err)') });
  });

  it('lists slow commands of the last 24 h with card numbers masked', async () => {
    const s = await redisServer();
    const c = client(s);
    await c.eval('local i = 0 while i < 3e6 do i = i + 1 end return ARGV[1]', 0, '4111 1111 1111 1111');
    const { byId } = await healthDb({ url: s.url });
    const slow = byId['redis.slowlog']!;
    expect(slow.status).toBe('warn');
    expect(slow.message).toMatch(/^1 slow command in the [\d.]+ s since the server started \(a restart empties the slow log\); slowest [\d.]+ ms: eval local i = 0/);
    // numkeys 0 stays, the card is masked (the line is cut at 80 characters, inside its last four digits).
    expect(slow.message).toMatch(/ARGV\[1\] 0 \*{12}1/);
    expect(slow.message).not.toContain('4111 1111 1111 1111');
  });

  it('says error, not a clean slow log, when the server keeps no slow log', async () => {
    const off = await redisServer(['--slowlog-log-slower-than', '-1']);
    await client(off).eval('local i = 0 while i < 3e6 do i = i + 1 end return 1', 0);
    expect((await healthDb({ url: off.url })).byId['redis.slowlog']).toMatchObject({
      status: 'error', message: 'the slow log is off (slowlog-log-slower-than -1): no command is recorded; set it to 10000 (µs, the redis.conf default)',
    });
    const none = await redisServer(['--slowlog-max-len', '0']);
    expect((await healthDb({ url: none.url })).byId['redis.slowlog']).toMatchObject({ status: 'error', message: expect.stringContaining('slowlog-max-len 0') });
    // A server up for seconds has kept seconds of slow log, not a day's: the line says what it covers.
    const usual = await redisServer();
    expect((await healthDb({ url: usual.url })).byId['redis.slowlog']).toMatchObject({
      status: 'pass', message: expect.stringMatching(/^no command slower than 10 ms \(slowlog-log-slower-than\) in the [\d.]+ s since the server started \(a restart empties the slow log\)$/),
    });
  });

  it('says error, not down, when the ACL refuses PING to the nvcops user: the server answered', async () => {
    const s = await redisServer();
    await client(s).call('ACL', 'SETUSER', 'monitor', 'on', '>monitor-pw', '+info', '+config|get', '+slowlog', '+select');
    const { byId, exitCode } = await healthDb({ url: `redis://monitor:monitor-pw@127.0.0.1:${s.port}/${s.db}` });
    expect(byId['redis.ping']).toMatchObject({ status: 'error', message: expect.stringMatching(/^Redis \(127\.0\.0\.1:\d+\): missing privilege \(NOPERM .*'ping'.*\); extend the user's ACL \(the user needs "\+ping"\)$/) });
    expect(byId['redis.clients']!.status).toBe('pass');
    expect(exitCode).toBe(3);
    // Without +select the user cannot reach the URL's database: error naming that rule, not "+ping", never down.
    await client(s).call('ACL', 'SETUSER', 'monitor', '+ping', '-select');
    const noSelect = await healthDb({ url: `redis://monitor:monitor-pw@127.0.0.1:${s.port}/${s.db}` });
    expect(noSelect.byId['redis.ping']).toMatchObject({ status: 'error', message: expect.stringMatching(new RegExp(`^Redis \\(127\\.0\\.0\\.1:\\d+\\): missing privilege \\(NOPERM .*'select'.*\\); extend the user's ACL \\(the user needs "\\+select" for database ${s.db}\\)$`)) });
    expect(noSelect.exitCode).toBe(3);
  });

  it('says error naming the setting to fix, not down, when the server refuses nvcops\' login (WRONGPASS, NOAUTH); a refused port stays fail', async () => {
    const PASSWORD = 'Wr0ng-hunter2-pw';
    const s = await redisServer(['--requirepass', 'right-pw']);
    const at = `127.0.0.1:${s.port}`;
    const ping = async (redis: Record<string, unknown>) => {
      const { byId, exitCode, stdout } = await healthDb(redis);
      expect(stdout).not.toContain(PASSWORD);
      return { ping: byId['redis.ping'], exitCode };
    };
    expect(await ping({ url: `redis://:right-pw@${at}` })).toMatchObject({ ping: { status: 'pass' }, exitCode: 0 });
    const wrongpass = `Redis (${at}) refused nvcops' login as default: WRONGPASS invalid username-password pair or user is disabled. — fix the user or password in redis.url, or enable the user (ACL SETUSER default on)`;
    expect(await ping({ url: `redis://:${PASSWORD}@${at}` })).toEqual({ ping: expect.objectContaining({ status: 'error', message: wrongpass }), exitCode: 3 });
    expect((await ping({ url: `redis://nobody:${PASSWORD}@${at}` })).ping).toMatchObject({ status: 'error', message: expect.stringMatching(/refused nvcops' login as nobody: WRONGPASS .* — fix the user or password in redis\.url/) });
    expect((await ping({ url: `redis://${at}` })).ping).toMatchObject({ status: 'error', message: expect.stringMatching(new RegExp(`^Redis \\(${at}\\) refused nvcops' login as default: NOAUTH .* — set the password in redis\\.url$`)) });
    // A cluster's seeds take redis.username / redis.password unless their URL carries credentials.
    expect((await ping({ cluster: [`redis://${at}`], password: PASSWORD })).ping).toMatchObject({ status: 'error', message: expect.stringMatching(/^Redis cluster: no seed node answered CLUSTER NODES \(.+ WRONGPASS .+ — fix the user or password in redis\.password, or enable/) });
    expect((await ping({ cluster: [`redis://${at}`], username: 'nvcops', password: PASSWORD })).ping).toMatchObject({ status: 'error', message: expect.stringMatching(/as nvcops: WRONGPASS .+ — fix the user or password in redis\.username \/ redis\.password/) });
    // A seed that is down makes the cluster down, whatever the others say.
    expect((await ping({ cluster: [`redis://127.0.0.1:1`, `redis://:${PASSWORD}@${at}`] })).ping).toMatchObject({ status: 'fail', message: expect.stringMatching(/connection refused; .+ fix the user or password in redis\.cluster\[1\]/) });
    expect(await ping({ url: `redis://:right-pw@127.0.0.1:${await freePort()}` })).toMatchObject({ ping: { status: 'fail', message: expect.stringMatching(/connection refused$/) }, exitCode: 2 });
  });

  it('turns a frozen server (SIGSTOP) into a failed PING and errors within the timeout, and the run finishes', async () => {
    const s = await redisServer();
    process.kill(s.process.pid!, 'SIGSTOP');
    try {
      const t0 = Date.now();
      const { byId, exitCode } = await healthDb({ url: s.url, connectTimeout: '2s' });
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(byId['redis.ping']!.status).toBe('fail');
      for (const id of ['redis.memory', 'redis.clients', 'redis.slowlog']) expect(byId[id]!.status, id).toBe('error');
      expect(exitCode).toBe(2);
    } finally {
      process.kill(s.process.pid!, 'SIGCONT');
    }
  });
});

describe('Redis Cluster: a real local three-master cluster', () => {
  it('passes when every slot is served, and fails naming the node when a master stops', async () => {
    // One password for the whole cluster, as redis-cli --cluster and the nodes' replication expect.
    const password = randomPassword();
    const nodes = await Promise.all([0, 1, 2].map(() => redisServer(['--cluster-enabled', 'yes', '--cluster-node-timeout', '1000', '--requirepass', password, '--masterauth', password])));
    await execa('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes'], { env: { REDISCLI_AUTH: password } });
    const c = client(nodes[0]!);
    await until(async () => /cluster_state:ok/.test(String(await c.cluster('INFO'))), 'cluster_state ok');
    const seeds = { cluster: [nodes[0]!.url, nodes[1]!.url] };
    const ok = await healthDb(seeds);
    expect(ok.byId['redis.cluster']).toMatchObject({ status: 'pass', observed: { value: 100 }, message: '3 masters, 0 replicas; 16384 of 16384 slots served' });
    expect(ok.byId['redis.ping']).toMatchObject({ status: 'pass', message: '3 nodes PONG' });
    expect(ok.byId['redis.memory']!.details).toHaveLength(3);
    const victim = nodes[2]!;
    await victim.stop();
    await until(async () => /cluster_state:fail/.test(String(await c.cluster('INFO'))), 'the cluster to notice');
    const broken = await healthDb(seeds);
    const cluster = broken.byId['redis.cluster']!;
    expect(cluster.status).toBe('fail');
    expect(cluster.message).toContain(`127.0.0.1:${victim.port} unreachable`);
    expect(cluster.message).toMatch(/says cluster_state fail/);
    expect(cluster.observed!.value).toBeLessThan(100);
    expect(broken.byId['redis.ping']).toMatchObject({ status: 'fail', message: expect.stringContaining('1 of 3 not answering') });
    expect(broken.exitCode).toBe(2);
  });
});

describe('Redis Sentinel', () => {
  it('finds the master through the sentinels and checks it', async () => {
    const master = await redisServer();
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-sentinel-'));
    const port = await freePort();
    writeFileSync(join(dir, 'sentinel.conf'), `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor payments 127.0.0.1 ${master.port} 1\nsentinel auth-pass payments ${master.password}\n`);
    const sentinel = spawn('redis-server', [join(dir, 'sentinel.conf'), '--sentinel'], { stdio: 'ignore' });
    try {
      await until(async () => (await execa('redis-cli', ['-p', String(port), 'SENTINEL', 'get-master-addr-by-name', 'payments'], { reject: false })).stdout.includes(String(master.port)), 'the sentinel');
      const { byId, exitCode } = await healthDb({ sentinels: [`redis://127.0.0.1:${port}`], name: 'payments', password: master.password });
      expect(byId['redis.ping']).toMatchObject({ status: 'pass', message: `127.0.0.1:${master.port} (master payments) PONG` });
      expect(byId['redis.memory']!.status).toBe('pass');
      expect(exitCode).toBe(0);
      // The master's password is redis.password; the sentinels' own comes from the first sentinel's URL.
      await client(master).config('SET', 'requirepass', 'right-pw');
      expect((await healthDb({ sentinels: [`redis://127.0.0.1:${port}`], name: 'payments', password: 'Wr0ng-hunter2-pw' })).byId['redis.ping']).toMatchObject({
        status: 'error', message: `Redis (master payments via sentinels 127.0.0.1:${port}) refused nvcops' login as default: WRONGPASS invalid username-password pair or user is disabled. — fix the user or password in redis.password, or enable the user (ACL SETUSER default on)`,
      });
      await execa('redis-cli', ['-p', String(port), 'ACL', 'SETUSER', 'default', 'resetpass', '>sentinel-pw']);
      const sentinelRefused = await healthDb({ sentinels: [`redis://127.0.0.1:${port}`], name: 'payments', password: 'right-pw' });
      expect(sentinelRefused.byId['redis.ping']).toMatchObject({ status: 'error', message: expect.stringMatching(/refused nvcops' login as default at the sentinels: .+ NOAUTH .+ — set the password in redis\.sentinels\[0\]$/) });
      expect(sentinelRefused.exitCode).toBe(3);
      const wrong = await nvcops(['health', 'db', '--config', writeConfig({ redis: { sentinels: [`redis://127.0.0.1:${port}`] } })]);
      expect(wrong.exitCode).toBe(78);
      expect(wrong.stderr).toMatch(/redis\.name: required with redis\.sentinels/);
    } finally {
      sentinel.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
