import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { randomPassword, redisCli, startPostgres, startRedis, startReplica, type PgServer } from './support/servers.js';
import { until } from './support/until.js';

/** Runs `health daily` with its own run history in `state`: the runs of one test compare with each other. */
async function daily(config: Record<string, unknown>, state: string) {
  const r = await nvcops(['health', 'daily', '--config', writeConfig({ ...config, state: { path: state } }), '--format', 'json']);
  return { ...parseReport(r.stdout), exitCode: r.exitCode, stderr: r.stderr };
}
const history = () => mkdtempSync(join(tmpdir(), 'nvcops-topology-state-'));

describe('postgres.restarts-failovers: a restart, a promotion or a new cluster since the last run', () => {
  let primary: PgServer;
  let replica: PgServer;
  beforeAll(async () => {
    primary = await startPostgres();
    replica = await startReplica(primary);
  });
  afterAll(async () => {
    await Promise.all([replica?.stop(), primary?.stop()]);
  });
  const config = () => ({ postgres: { url: primary.monitorUrl, replicas: [{ name: 'replica1', url: replica.monitorUrl }] } });

  it('passes the first run (nothing to compare) and stays quiet while nothing changes', async () => {
    const state = history();
    const first = await daily(config(), state);
    expect(first.byId['postgres.restarts-failovers']).toMatchObject({ status: 'pass', message: 'no previous run to compare: the facts seen now are kept for the next run' });
    expect(first.byId['postgres.restarts-failovers']!.details).toEqual([
      expect.stringMatching(/^primary: primary, timeline 1, up [\d.]+ (s|min) \(since \S+\), system identifier \d+$/),
      expect.stringMatching(/^replica1: replica, up /),
    ]);
    const second = await daily(config(), state);
    expect(second.byId['postgres.restarts-failovers']).toMatchObject({ status: 'pass', observed: { value: 0 }, message: expect.stringMatching(/^no restart, failover or new cluster since the last run \(\S+\)$/) });
    expect(second.line('Database connections healthy').status).toBe('pass');
  });

  it('warns that the primary restarted since the last run', async () => {
    const state = history();
    expect((await daily(config(), state)).byId['postgres.restarts-failovers']!.status).toBe('pass');
    await primary.restart();
    await until('the replica streaming again', async () => (await replica.sql<{ status: string }>('SELECT status FROM pg_stat_wal_receiver'))[0]?.status === 'streaming');
    const after = await daily(config(), state);
    expect(after.byId['postgres.restarts-failovers']).toMatchObject({ status: 'warn', observed: { value: 1 }, message: expect.stringMatching(/^primary restarted [\d.]+ s ago$/) });
    // Once seen, a restart is not news at the run after.
    expect((await daily(config(), state)).byId['postgres.restarts-failovers']!.status).toBe('pass');
  });

  it('fails when a replica was promoted between two runs, and says there are two primaries', async () => {
    const own = await startPostgres();
    const standby = await startReplica(own);
    try {
      const state = history();
      const cfg = { postgres: { url: own.monitorUrl, replicas: [{ name: 'replica1', url: standby.monitorUrl }] } };
      expect((await daily(cfg, state)).byId['postgres.restarts-failovers']!.status).toBe('pass');
      await standby.sql('SELECT pg_promote()');
      const after = await daily(cfg, state);
      expect(after.byId['postgres.restarts-failovers']).toMatchObject({
        status: 'fail',
        message: 'replica1 was promoted: a replica at the last run, now a primary; primary and replica1 are all primaries (split brain?)',
      });
      expect(after.byId['postgres.restarts-failovers']!.details![1]).toMatch(/^replica1: primary, timeline 2, /);
      expect(after.exitCode).toBe(2);
      // The primary's address moved to the promoted server (DNS, a virtual IP): same cluster, still a primary, a new timeline.
      const moved = await daily({ postgres: { url: standby.monitorUrl } }, state);
      expect(moved.byId['postgres.restarts-failovers']).toMatchObject({ status: 'fail', message: 'primary: failover: on timeline 2, was 1 (another server took over behind the same address)' });
    } finally {
      await Promise.all([standby.stop(), own.stop()]);
    }
  });

  it('fails when a new cluster answers on the same port (system identifier changed)', async () => {
    const old = await startPostgres();
    const state = history();
    expect((await daily({ postgres: { url: old.monitorUrl } }, state)).byId['postgres.restarts-failovers']!.status).toBe('pass');
    const port = old.port;
    await old.stop();
    const fresh = await startPostgres({ port });
    try {
      const after = await daily({ postgres: { url: fresh.monitorUrl } }, state);
      expect(after.byId['postgres.restarts-failovers']).toMatchObject({
        status: 'fail', message: expect.stringMatching(/^primary is a new cluster: system identifier \d+, was \d+ \(re-initialised or restored\?\)$/),
      });
    } finally {
      await fresh.stop();
    }
  });

  it('fails with no primary when every configured server is in recovery, from the first run', async () => {
    const { byId } = await daily({ postgres: { url: replica.monitorUrl } }, history());
    expect(byId['postgres.restarts-failovers']).toMatchObject({ status: 'fail', message: 'no primary: primary is in recovery' });
  });
});

describe('redis.restarts-failovers: a Redis restart or role change since the last run', () => {
  it('stays quiet while nothing changes, warns after a restart on the same port', async () => {
    const password = randomPassword();
    const first = await startRedis({ args: ['--requirepass', password] });
    const state = history();
    const cfg = { redis: { url: first.url } };
    expect((await daily(cfg, state)).byId['redis.restarts-failovers']).toMatchObject({ status: 'pass', message: 'no previous run to compare: the facts seen now are kept for the next run' });
    const quiet = await daily(cfg, state);
    expect(quiet.byId['redis.restarts-failovers']).toMatchObject({ status: 'pass', observed: { value: 0 }, message: expect.stringMatching(/^no restart or failover since the last run/) });
    expect(quiet.byId['redis.restarts-failovers']!.details).toEqual([expect.stringMatching(new RegExp(`^127\\.0\\.0\\.1:${first.port}: master, up [\\d.]+ s, run_id [0-9a-f]{40}$`))]);
    await first.stop();
    const again = await startRedis({ args: ['--requirepass', password], port: first.port });
    try {
      expect((await daily(cfg, state)).byId['redis.restarts-failovers']).toMatchObject({ status: 'warn', observed: { value: 1 }, message: expect.stringMatching(new RegExp(`^127\\.0\\.0\\.1:${first.port} restarted [\\d.]+ s ago$`)) });
    } finally {
      await again.stop();
    }
  });

  it('fails when the replica it checks was promoted between two runs', async () => {
    const master = await startRedis();
    const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port), '--masterauth', master.password, '--requirepass', master.password] });
    try {
      const state = history();
      await until('the replica linked', async () => (await redisCli(replica, ['INFO', 'replication'])).stdout.includes('master_link_status:up'));
      expect((await daily({ redis: { url: replica.url } }, state)).byId['redis.restarts-failovers']!.status).toBe('pass');
      await redisCli(replica, ['REPLICAOF', 'NO', 'ONE']);
      expect((await daily({ redis: { url: replica.url } }, state)).byId['redis.restarts-failovers']).toMatchObject({
        status: 'fail', message: `127.0.0.1:${replica.port} was promoted: a replica at the last run, now a master`,
      });
    } finally {
      await Promise.all([replica.stop(), master.stop()]);
    }
  });
});

/** Runs `health db` (the checklist with the WAL and slot checks). */
async function healthDb(config: Record<string, unknown>) {
  const r = await nvcops(['health', 'db', '--config', writeConfig(config), '--format', 'json']);
  return { ...parseReport(r.stdout), exitCode: r.exitCode, stderr: r.stderr };
}

/** About `mb` MB of WAL: rows written, then the segment switched and a checkpoint, so that nothing but a slot keeps the files. */
async function writeWal(server: PgServer, mb: number): Promise<void> {
  await server.sql('CREATE TABLE IF NOT EXISTS ballast (payload text)');
  for (let i = 0; i < mb / 8; i++) {
    await server.sql("INSERT INTO ballast SELECT repeat(md5(g::text), 30) FROM generate_series(1, 8000) g");
    await server.sql('SELECT pg_switch_wal()');
  }
  await server.sql('CHECKPOINT');
}

describe('replication in bytes and WAL held back', () => {
  it('passes a healthy primary and its streaming replica', async () => {
    const primary = await startPostgres();
    const replica = await startReplica(primary);
    try {
      const { byId } = await healthDb({ postgres: { url: primary.monitorUrl, replicas: [{ name: 'replica1', url: replica.monitorUrl }] } });
      expect(byId['postgres.replication-bytes']).toMatchObject({ status: 'pass', threshold: { warn: '> 50MB', fail: '> 100MB' }, message: expect.stringMatching(/^1 standby; \S+ furthest behind: [\d.]+ (B|kB) of WAL not yet replayed$/) });
      expect(byId['postgres.slot-wal']).toMatchObject({ status: 'pass', message: 'no replication slots' });
      expect(byId['postgres.wal-size']).toMatchObject({ status: 'pass', message: expect.stringMatching(/^pg_wal holds \d+ WAL files?, [\d.]+ MB: [\d.]+% of max_wal_size 1\.0 GB$/) });
      // A role without pg_monitor sees neither the standbys' positions nor pg_wal: error naming the grant, never a pass.
      await primary.sql("CREATE ROLE plain LOGIN PASSWORD 'plain-pw-1'");
      const blind = (await healthDb({ postgres: { url: primary.urlFor('plain', 'postgres', 'plain-pw-1') } })).byId;
      expect(blind['postgres.replication-bytes']).toMatchObject({ status: 'error', message: expect.stringMatching(/missing privilege: pg_stat_replication hides the standbys' positions; GRANT pg_monitor/) });
      expect(blind['postgres.wal-size']).toMatchObject({ status: 'error', message: expect.stringMatching(/missing privilege \(permission denied for function pg_ls_waldir\); grant pg_monitor to the nvcops role/) });
    } finally {
      await Promise.all([replica.stop(), primary.stop()]);
    }
  });

  it('measures a replica that stopped receiving (walreceiver frozen) in bytes behind', async () => {
    const primary = await startPostgres();
    const replica = await startReplica(primary);
    await until('the replica reporting its replay position', async () => (await primary.sql('SELECT 1 FROM pg_stat_replication WHERE replay_lsn IS NOT NULL')).length === 1);
    const [receiver] = await replica.sql<{ pid: number }>('SELECT pid FROM pg_stat_wal_receiver');
    process.kill(receiver!.pid, 'SIGSTOP');
    try {
      await writeWal(primary, 24);
      const { byId, exitCode } = await healthDb({ postgres: { url: primary.monitorUrl }, thresholds: { 'postgres.replication-bytes': { warn: '> 1MB', fail: '> 16MB' } } });
      expect(byId['postgres.replication-bytes']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^1 standby; \S+ furthest behind: [\d.]+ MB of WAL not yet replayed$/) });
      expect(byId['postgres.replication-bytes']!.observed!.value).toBeGreaterThan(16 * 1024 ** 2);
      expect(exitCode).toBe(2);
    } finally {
      process.kill(receiver!.pid, 'SIGCONT');
      await Promise.all([replica.stop(), primary.stop()]);
    }
  });

  it('warns about a forgotten slot holding WAL past max_wal_size, fails once it is unreserved, and judges pg_wal\'s size', async () => {
    const pg = await startPostgres({ settings: { max_wal_size: '32MB', min_wal_size: '32MB', checkpoint_timeout: '1h' } });
    try {
      await pg.sql("SELECT pg_create_physical_replication_slot('forgotten', true)");
      await writeWal(pg, 64);
      const held = await healthDb({ postgres: { url: pg.monitorUrl } });
      expect(held.byId['postgres.slot-wal']).toMatchObject({ status: 'warn', message: expect.stringMatching(/^forgotten holds the most WAL: [\d.]+ MB, [\d.]+% of max_wal_size$/) });
      expect(held.byId['postgres.slot-wal']!.details).toEqual([expect.stringMatching(/^forgotten \(inactive\): holds [\d.]+ MB \([\d.]+% of max_wal_size 32\.0 MB\), wal_status extended$/)]);
      expect(held.byId['postgres.wal-size']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^pg_wal holds \d+ WAL files, [\d.]+ MB: [\d.]+% of max_wal_size 32\.0 MB$/) });
      expect(held.byId['postgres.wal-size']!.observed!.value).toBeGreaterThan(150);
      // A keep limit below what the slot holds: its WAL goes at the next checkpoint.
      await pg.sql("ALTER SYSTEM SET max_slot_wal_keep_size = '16MB'");
      await pg.sql('SELECT pg_reload_conf()');
      await until('the slot unreserved', async () => (await pg.sql<{ wal_status: string }>('SELECT wal_status FROM pg_replication_slots'))[0]?.wal_status === 'unreserved');
      const unreserved = await healthDb({ postgres: { url: pg.monitorUrl } });
      expect(unreserved.byId['postgres.slot-wal']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^forgotten: WAL beyond max_slot_wal_keep_size \(wal_status unreserved\)/) });
    } finally {
      await pg.stop();
    }
  });
});
