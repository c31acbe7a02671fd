import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';
import { secretsIn, startPostgres, startReplica, type PgServer } from './support/servers.js';

const PASSWORD = 'Drill-S3cret-pw';

interface Outcome { title: string; status: string; message: string; data?: Record<string, any> }
interface Result { status: string; exitCode: number; outcomes: Outcome[]; summary: string[]; warnings: string[] }

// Drills restore and promote real servers; on a shared two-core machine they get room.
describe('monthly dr-test: restore drill and failover drill on a real primary and streaming replica', { timeout: 240_000 }, () => {
  let primary: PgServer;
  let replica: PgServer;
  let repo: string;
  let stateHome: string;
  const run = (args: string[]) => nvcops(args, { env: { XDG_STATE_HOME: stateHome }, timeoutMs: 180_000 });
  const configWith = (dr: Record<string, unknown>, extra: Record<string, unknown> = {}, standby = { name: 'replica1', server: replica }) =>
    writeConfig({
      environment: 'staging',
      postgres: {
        url: primary.urlFor('nvcops_monitor', 'bank'),
        adminUrl: primary.urlFor('postgres', 'bank'),
        replicas: [{ name: standby.name, url: standby.server.urlFor('nvcops_monitor', 'bank'), adminUrl: standby.server.urlFor('postgres', 'bank') }],
      },
      backups: { directory: repo },
      dr,
      ...extra,
    });
  const databases = async () => (await primary.sql<{ datname: string }>('SELECT datname FROM pg_database')).map((r) => r.datname);
  const inRecovery = async (s: PgServer) => (await s.sql<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0]!.r;
  /** Waits until the replica has replayed everything the primary has written so far. */
  const caughtUp = async () => {
    const [{ lsn }] = (await primary.sql<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')) as [{ lsn: string }];
    for (let i = 0; i < 1200; i++) {
      const [{ ok }] = (await replica.sql<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn])) as [{ ok: boolean }];
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    const state = await replica.sql('SELECT pg_last_wal_replay_lsn()::text AS replay, pg_get_wal_replay_pause_state() AS pause, (SELECT status FROM pg_stat_wal_receiver) AS receiver');
    throw new Error(`the replica never caught up to ${lsn}: ${JSON.stringify(state)}`);
  };

  beforeAll(async () => {
    primary = await startPostgres();
    await primary.sql('CREATE DATABASE bank');
    const bank = await primary.connect('postgres', 'bank');
    await bank.query(`CREATE TABLE accounts (id int PRIMARY KEY, balance numeric NOT NULL);
      INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 2000) g;`);
    await bank.end();
    replica = await startReplica(primary);
    repo = mkdtempSync(join(tmpdir(), 'nvcops-dr-repo-'));
    stateHome = mkdtempSync(join(tmpdir(), 'nvcops-dr-state-'));
    const backup = await run(['backup', 'db', '--config', configWith({})]);
    expect(backup.exitCode).toBe(0);
  });
  afterAll(async () => {
    await Promise.all([replica?.stop(), primary?.stop()]);
  });

  it('--dry-run shows both drills and changes nothing', async () => {
    const r = await run(['monthly', 'dr-test', '--config', configWith({ replica: 'replica1', rto: '15m', rpo: '5m' }), '--dry-run']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('objectives: RTO ≤ 15m, RPO ≤ 5m');
    expect(r.stdout).toMatch(/1\. Restore drill: restore db-\S+ into scratch database "nvcops_dr_restore_drill"/);
    expect(r.stdout).toMatch(/3\. Failover drill: promote replica1/);
    expect(r.stdout).toContain('▲ the failover drill promotes replica1');
    expect(r.stdout).toContain('dry run: nothing was done.');
    expect(await inRecovery(replica)).toBe(true);
    expect(secretsIn(r.stdout, PASSWORD, primary)).toEqual([]);
  });

  it('needs the environment named for a failover drill, even with --yes (exit 64)', async () => {
    const r = await run(['monthly', 'dr-test', '--config', configWith({ replica: 'replica1' }), '--yes']);
    expect(r.exitCode).toBe(64);
    expect(r.stdout).toContain('refused: this promotes a replica (in any environment): add --confirm-env staging');
    expect(await inRecovery(replica)).toBe(true);
  });

  it('names a dr.replica that is not configured, and a malformed objective or lag (exit 78)', async () => {
    const r = await run(['monthly', 'dr-test', '--config', configWith({ replica: 'replica9' }), '--dry-run']);
    expect(r.exitCode).toBe(78);
    expect(r.stderr.trim()).toBe('nvcops: invalid configuration: dr.replica: no replica named "replica9" in postgres.replicas; configured: replica1');
    const badRto = await run(['monthly', 'dr-test', '--config', configWith({ rto: '15 minutes' }), '--dry-run']);
    expect(badRto.exitCode).toBe(78);
    expect(badRto.stderr).toMatch(/dr\.rto: a duration such as 500ms, 5s, 2m/);
    const badLag = await run(['monthly', 'dr-test', '--config', configWith({ replica: 'replica1', maxReplicaLag: 'a lot' }), '--dry-run']);
    expect(badLag.exitCode).toBe(78);
    expect(badLag.stderr).toMatch(/dr\.maxReplicaLag: a size such as 10 MB/);
  });

  it('restore drill: restores the newest backup into a scratch database, runs the verification queries, measures RTO and RPO, drops it', async () => {
    const cfg = configWith({ rto: '15m', rpo: '5m', verificationQueries: ['SELECT count(*) = 2000 FROM accounts', 'SELECT sum(balance) FROM accounts'] });
    const r = await run(['monthly', 'dr-test', '--config', cfg, '--only', 'restore', '--yes', '--format', 'json']);
    expect(r.stderr).toBe('');
    const result: Result = JSON.parse(r.stdout);
    expect(result.outcomes.map((o) => [o.status, o.title.split(':')[0]])).toEqual([['done', 'Restore drill'], ['done', 'Drop the scratch database "nvcops_dr_restore_drill"'], ['done', 'Compare RTO and RPO with the objectives (RTO ≤ 15m, RPO ≤ 5m)']]);
    expect(r.exitCode).toBe(0);
    const drill = result.outcomes[0]!.data!;
    expect(drill.rows).toEqual([{ table: 'public.accounts', expected: 2000, actual: 2000 }]);
    expect(drill.verificationQueries).toEqual(['SELECT count(*) = 2000 FROM accounts → true', 'SELECT sum(balance) FROM accounts → 200000']);
    expect(drill.rtoMs).toBeGreaterThan(0);
    expect(drill.rpoMs).toBeGreaterThan(0);
    expect(result.outcomes[2]!.data!.drills).toEqual([{ name: 'restore drill', pass: true, rtoMs: drill.rtoMs, rpoMs: drill.rpoMs, rtoPass: true, rpoPass: true }]);
    expect(await databases()).not.toContain('nvcops_dr_restore_drill');
  });

  it('restore drill: fails a verification query that returns false, and still drops the scratch database', async () => {
    const cfg = configWith({ verificationQueries: ['SELECT count(*) > 5000 FROM accounts'] });
    const r = await run(['monthly', 'dr-test', '--config', cfg, '--only', 'restore', '--yes', '--format', 'json']);
    expect(r.exitCode).toBe(2);
    const result: Result = JSON.parse(r.stdout);
    expect(result.outcomes.map((o) => o.status)).toEqual(['failed', 'done', 'failed']);
    expect(result.outcomes[0]!.message).toBe('verification query returned false: SELECT count(*) > 5000 FROM accounts');
    expect(result.outcomes[2]!.message).toBe('restore drill: no measurement (the drill failed)');
    expect(await databases()).not.toContain('nvcops_dr_restore_drill');
  });

  it('restore drill: a backup older than the RPO objective fails the objectives, with the measured values', async () => {
    const name = readdirSync(repo).find((f) => f.endsWith('.manifest.json'))!;
    const path = join(repo, name);
    const original = readFileSync(path, 'utf8');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(original), created: new Date(Date.now() - 7 * 3600_000).toISOString() }));
    try {
      const r = await run(['monthly', 'dr-test', '--config', configWith({ rpo: '5m' }), '--only', 'restore', '--yes', '--format', 'json']);
      expect(r.exitCode).toBe(2);
      const last = (JSON.parse(r.stdout) as Result).outcomes[2]!;
      expect(last.status).toBe('failed');
      expect(last.message).toMatch(/^restore drill: RTO [\d.]+ m?s pass, RPO 7(\.0)? h FAIL \(objective 5m\)$/);
      expect(last.data!.drills[0]).toMatchObject({ rtoPass: true, rpoPass: false });
    } finally {
      writeFileSync(path, original);
    }
  });

  it('failover drill: preflight refuses a replica that lags behind, and promotes nothing', async () => {
    // Replay paused on the replica while the primary writes: a real lag of a few MB of WAL.
    await replica.sql('SELECT pg_wal_replay_pause()');
    try {
      await primary.sql("CREATE TABLE lag_filler AS SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 50000) g");
      const r = await run(['monthly', 'dr-test', '--config', configWith({ replica: 'replica1', maxReplicaLag: '1MB' }), '--only', 'failover', '--yes', '--confirm-env', 'staging']);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toMatch(/✖ 1\. Failover drill: .* — preflight: replica1 is [\d.]+ MB of WAL behind the primary, more than dr\.maxReplicaLag 1\.0 MB/);
      expect(r.stdout).toContain('failover drill: no measurement (the drill failed)');
      expect(await inRecovery(replica)).toBe(true);
    } finally {
      await replica.sql('SELECT pg_wal_replay_resume()');
    }
  });

  it('failover drill: promotes the replica, measures the time until it takes writes, and finds the canary (no data lost)', async () => {
    await caughtUp();
    // The drill waits up to the RPO objective for the canary to reach the replica.
    const cfg = configWith({ replica: 'replica1', rto: '15m', rpo: '2m' });
    const r = await run(['monthly', 'dr-test', '--config', cfg, '--only', 'failover', '--yes', '--confirm-env', 'staging', '--format', 'json']);
    expect(r.stderr).toBe('');
    const result: Result = JSON.parse(r.stdout);
    expect(result.outcomes.map((o) => o.status)).toEqual(['done', 'done']);
    expect(r.exitCode).toBe(0);
    const drill = result.outcomes[0]!.data!;
    expect(drill).toMatchObject({ replica: 'replica1', canaryArrived: true });
    expect(drill.rtoMs).toBeGreaterThan(0);
    // The promoted replica is a primary of its own now, and holds the canary written on the old primary.
    expect(await inRecovery(replica)).toBe(false);
    const bank = await replica.connect('postgres', 'bank');
    const { rows } = await bank.query<{ drill: string }>('SELECT drill FROM nvcops_dr_canary ORDER BY written_at');
    await bank.end();
    expect(rows.map((x) => x.drill)).toEqual([drill.drill, `${drill.drill}:written-after-promotion`]);
    expect(result.outcomes[0]!.message).toMatch(/^replica1 accepts writes .* after pg_promote \(RTO\); the canary arrived, .* after it was written \(RPO\)/);
  });

  it('failover drill: a second run refuses in preflight, since the replica is already a primary', async () => {
    const r = await run(['monthly', 'dr-test', '--config', configWith({ replica: 'replica1' }), '--only', 'failover', '--yes', '--confirm-env', 'staging']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toMatch(/✖ 1\. Failover drill: .* — preflight: replica1 is not in recovery: it is already a primary/);
  });

  it('records each drill in the audit trail with its measurements', async () => {
    const r = await run(['audit', 'show', '--config', configWith({}), '--action', 'monthly dr-test', '--format', 'json']);
    expect(r.exitCode).toBe(0);
    const records: { phase: string; outcome?: string; details?: { outcomes?: Outcome[] } }[] = JSON.parse(r.stdout);
    const finished = records.filter((x) => x.phase === 'finished');
    expect(finished.length).toBeGreaterThanOrEqual(4);
    const promoted = finished.find((x) => x.details?.outcomes?.[0]?.data?.canaryArrived === true)!;
    expect(promoted.outcome).toBe('ok');
    expect(promoted.details!.outcomes![1]!.data!.objectives).toEqual({ rto: '15m', rpo: '2m' });
    expect(records.map((x) => x.outcome)).toEqual(expect.arrayContaining(['dry-run', 'refused']));
    expect(secretsIn(JSON.stringify(records), PASSWORD, primary)).toEqual([]);
  });

  it('failover drill: a canary received but applied only at promotion is not an RPO of 0: measured until promotion, with the LSNs', async () => {
    const standby = await startReplica(primary);
    try {
      // Replay paused: the standby keeps receiving WAL but applies none of it until pg_promote ends the pause.
      await standby.sql('SELECT pg_wal_replay_pause()');
      const cfg = configWith({ replica: 'replica2', rto: '15m', rpo: '2s' }, {}, { name: 'replica2', server: standby });
      const r = await run(['monthly', 'dr-test', '--config', cfg, '--only', 'failover', '--yes', '--confirm-env', 'staging', '--format', 'json']);
      expect(r.stderr).toBe('');
      const result: Result = JSON.parse(r.stdout);
      const drill = result.outcomes[0]!;
      // The canary is on the promoted standby (it was received), but it was not applied within the wait.
      expect(drill.status).toBe('done');
      expect(drill.data!.rpoMs).toBeGreaterThan(2000);
      expect(drill.data).toMatchObject({ replica: 'replica2', canaryArrived: true, appliedBeforePromotion: false });
      expect(drill.data!.unappliedBytesAtPromotion).toBeGreaterThan(0);
      expect(drill.data!.replayLsnAtPromotion).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      expect(drill.message).toMatch(/^replica2 accepts writes .* after pg_promote \(RTO\); the canary was not applied on replica2 before promotion \(received to [0-9A-F/]+, replayed to [0-9A-F/]+, the canary at [0-9A-F/]+: [\d.]+ (B|kB|MB) behind\); pg_promote applied it, [\d.]+ m?s after it was written \(RPO\)/);
      expect(result.outcomes[1]).toMatchObject({ status: 'failed', message: expect.stringMatching(/RPO [\d.]+ m?s FAIL \(objective 2s\)$/) });
      expect(r.exitCode).toBe(2);
    } finally {
      await standby.stop();
    }
  });
});
