import { appendFileSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { until } from './support/until.js';
import { LocalStore } from '../src/state/local.js';
import { fakeClock, redisCli, startPostgres, startRedis, type PgServer } from './support/servers.js';

/** The weekly and monthly review checks of issue #24 (items 8–11) against real servers, healthy and in their fault. */
describe('review checks: triggers and constraints, clock drift, settings drift', () => {
  let server: PgServer;
  let state: string;

  /** A PATH with node alone: weekly security's apt simulation (a minute of this host's package lists) skips. */
  const nodeOnly = mkdtempSync(join(tmpdir(), 'nvcops-node-only-'));
  symlinkSync(process.execPath, join(nodeOnly, 'node'));
  const run = async (command: string[], extra: Record<string, unknown> = {}, url = server.monitorUrl) => {
    const config = writeConfig({ environment: 'production', state: { path: state }, postgres: { url }, ...extra });
    const r = await nvcops([...command, '--config', config, '--format', 'json'], { env: { PATH: nodeOnly } });
    return { ...parseReport(r.stdout), exitCode: r.exitCode, stderr: r.stderr };
  };
  const compliance = (extra: Record<string, unknown> = {}) => run(['monthly', 'compliance'], extra);

  beforeAll(async () => {
    server = await startPostgres();
    state = mkdtempSync(join(tmpdir(), 'nvcops-review-state-'));
    await server.sql(`CREATE TABLE payments (id int PRIMARY KEY, amount numeric);
      CREATE TABLE payments_audit (id int, amount numeric, at timestamptz DEFAULT now());
      CREATE FUNCTION audit_payment() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO payments_audit (id, amount) VALUES (NEW.id, NEW.amount); RETURN NEW; END $$;
      CREATE TRIGGER payments_audit AFTER INSERT OR UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION audit_payment();
      CREATE TABLE refunds (id int, payment int REFERENCES payments, amount numeric CHECK (amount > 0));
      INSERT INTO payments VALUES (1, 10)`);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('passes a database whose triggers are enabled and constraints validated, as the pg_monitor role', async () => {
    const { byId } = await compliance();
    expect(byId['postgres.disabled-triggers']).toMatchObject({ status: 'pass', message: 'every trigger is enabled' });
    expect(byId['postgres.invalid-constraints']).toMatchObject({ status: 'pass', message: 'every constraint is validated' });
    expect(byId['postgres.disabled-triggers']!.details![0]).toBe('control database-integrity · SOX ITGC: program change · PCI DSS 10.2.1');
  });

  it('fails an audit trigger switched off, and warns of a constraint added NOT VALID, naming each', async () => {
    await server.sql('ALTER TABLE payments DISABLE TRIGGER payments_audit');
    await server.sql('ALTER TABLE refunds ADD CONSTRAINT refunds_small CHECK (amount < 1000) NOT VALID');
    try {
      const { byId, line, exitCode } = await compliance();
      expect(byId['postgres.disabled-triggers']).toMatchObject({
        status: 'fail', observed: { value: 1 },
        message: '1 trigger is disabled in postgres: re-enable (ALTER TABLE … ENABLE TRIGGER) or record the change that disabled it',
      });
      expect(byId['postgres.disabled-triggers']!.details).toContain('public.payments: payments_audit');
      expect(byId['postgres.invalid-constraints']).toMatchObject({ status: 'warn', observed: { value: 1 } });
      expect(byId['postgres.invalid-constraints']!.details).toContain('public.refunds: refunds_small');
      expect(line('SOX controls verification').status).toBe('fail');
      expect(exitCode).toBe(2);

      // DISABLE TRIGGER ALL stops the foreign-key triggers too: each is named with the constraint it enforces.
      await server.sql('ALTER TABLE refunds DISABLE TRIGGER ALL');
      const all = await compliance();
      expect(all.byId['postgres.disabled-triggers']!.details).toEqual(expect.arrayContaining([expect.stringMatching(/^public\.refunds: RI_ConstraintTrigger_c_\d+ \(enforces constraint refunds_payment_fkey\)$/)]));
    } finally {
      await server.sql('ALTER TABLE payments ENABLE TRIGGER payments_audit; ALTER TABLE refunds ENABLE TRIGGER ALL; ALTER TABLE refunds VALIDATE CONSTRAINT refunds_small');
    }
    const { byId } = await compliance();
    expect(byId['postgres.disabled-triggers']!.status).toBe('pass');
    expect(byId['postgres.invalid-constraints']!.status).toBe('pass');
  });

  it('passes clocks in sync: PostgreSQL and Redis on this host', async () => {
    const redis = await startRedis();
    try {
      const { byId } = await compliance({ redis: { url: redis.url } });
      for (const id of ['postgres.clock-drift', 'redis.clock-drift']) {
        expect(byId[id]!.status, `${id}: ${byId[id]!.message}`).toBe('pass');
        expect(byId[id]!.observed!.value).toBeLessThan(1000);
      }
      expect(byId['postgres.clock-drift']!.message).toMatch(/^primary: clock [\d.]+ ms (ahead of|behind) nvcops' host \(± [\d.]+ ms\)$/);
      expect(byId['postgres.clock-drift']!.details![0]).toBe('control time-synchronisation · PCI DSS 10.6.1 · SOX ITGC: computer operations');
    } finally {
      await redis.stop();
    }
  });

  it('says error, naming the command, for a Redis user whose ACL refuses TIME', async () => {
    const redis = await startRedis();
    try {
      await redisCli(redis, ['ACL', 'SETUSER', 'watcher', 'on', '>w4tcher-pw', '+ping', '+info', '+select', '~*']);
      const { byId } = await compliance({ redis: { url: `redis://watcher:w4tcher-pw@127.0.0.1:${redis.port}/3` } });
      expect(byId['redis.clock-drift']).toMatchObject({ status: 'error', message: expect.stringMatching(/missing privilege \(NOPERM.*time/i) });
    } finally {
      await redis.stop();
    }
  });

  it('warns of a PostgreSQL server whose clock runs 3 s ahead (the server under libfaketime)', async () => {
    const ahead = await startPostgres({ clockOffset: '+3s' });
    try {
      const { byId } = await run(['monthly', 'compliance'], {}, ahead.monitorUrl);
      expect(byId['postgres.clock-drift']).toMatchObject({ status: 'warn', message: expect.stringMatching(/^primary: clock 3\.\d s ahead of nvcops' host/) });
      expect(byId['postgres.clock-drift']!.observed!.value).toBeGreaterThan(2000);
    } finally {
      await ahead.stop();
    }
  });

  it('fails when nvcops\' own host is 10 s ahead of the servers (nvcops under libfaketime: redis-server cannot run under it; ahead, since a clock behind would find the fresh test certificate not yet valid)', async () => {
    const redis = await startRedis();
    try {
      const config = writeConfig({ environment: 'production', state: { path: state }, postgres: { url: server.monitorUrl }, redis: { url: redis.url } });
      const r = await nvcops(['monthly', 'compliance', '--config', config, '--format', 'json'], { env: fakeClock('+10s') });
      const { byId, exitCode } = { ...parseReport(r.stdout), exitCode: r.exitCode };
      expect(byId['redis.clock-drift']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^clock 10\.\d s behind nvcops' host/) });
      expect(byId['postgres.clock-drift']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^primary: clock 10\.\d s behind nvcops' host/) });
      expect(exitCode).toBe(2);
    } finally {
      await redis.stop();
    }
  });

  const weeklySecurity = () => run(['weekly', 'security']);
  const reloaded = async (name: string, probe: (row: { setting: string; pending_restart: boolean }) => boolean) => {
    await server.sql('SELECT pg_reload_conf()');
    await until(`${name} reloaded`, async () => probe((await server.sql<{ setting: string; pending_restart: boolean }>('SELECT setting, pending_restart FROM pg_settings WHERE name = $1', [name]))[0]!));
  };

  it('warns of a restart-only setting changed with ALTER SYSTEM and reloaded, until it is undone', async () => {
    expect((await weeklySecurity()).byId['postgres.pending-restart']).toMatchObject({ status: 'pass', message: 'no setting is waiting for a restart' });
    await server.sql('ALTER SYSTEM SET max_connections = 150');
    await reloaded('max_connections', (r) => r.pending_restart);
    try {
      const { byId } = await weeklySecurity();
      expect(byId['postgres.pending-restart']).toMatchObject({ status: 'warn', observed: { value: 1 }, message: expect.stringMatching(/^1 setting changed but not in effect until a restart/) });
      expect(byId['postgres.pending-restart']!.details).toEqual(['primary: max_connections (running 100; the new value needs a restart)']);
    } finally {
      await server.sql('ALTER SYSTEM RESET max_connections');
      await reloaded('max_connections', (r) => !r.pending_restart);
    }
    expect((await weeklySecurity()).byId['postgres.pending-restart']!.status).toBe('pass');
  });

  it('settings drift: error naming the grant without pg_hba_file_rules; no baseline warns; accepted passes; a change fails until accepted again, on record', async () => {
    const denied = (await weeklySecurity()).byId['postgres.settings-drift']!;
    expect(denied).toMatchObject({ status: 'error', message: expect.stringContaining('GRANT SELECT ON pg_hba_file_rules TO <the nvcops role>') });
    await server.sql('GRANT SELECT ON pg_hba_file_rules TO nvcops_monitor; GRANT EXECUTE ON FUNCTION pg_hba_file_rules() TO nvcops_monitor');

    const none = (await weeklySecurity()).byId['postgres.settings-drift']!;
    expect(none).toMatchObject({ status: 'warn', message: expect.stringMatching(/^no accepted baseline for 127\.0\.0\.1:\d+\/postgres: review its \d+ settings and pg_hba\.conf lines .* nvcops weekly security --accept-settings --by NAME$/) });

    const accept = async () => {
      const config = writeConfig({ environment: 'production', state: { path: state }, postgres: { url: server.monitorUrl } });
      return nvcops(['weekly', 'security', '--accept-settings', '--by', 'Ada Admin', '--config', config]);
    };
    const first = await accept();
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(/^Accepted the settings and pg_hba\.conf of 127\.0\.0\.1:\d+\/postgres \(\d+ items, fingerprint [0-9a-f]{12}\) in production by Ada Admin at .+\.\nRecorded in the audit trail of .+ as seq \d+ \(hash [0-9a-f]{64}\)\.\n?$/);
    expect((await weeklySecurity()).byId['postgres.settings-drift']).toMatchObject({ status: 'pass', message: expect.stringMatching(/^settings and pg_hba\.conf as in the baseline accepted by Ada Admin on \d{4}-\d\d-\d\d \(audit seq \d+\)/) });

    // An unrecorded change: a setting by ALTER SYSTEM and a network line in pg_hba.conf, both reloaded.
    await server.sql(`ALTER SYSTEM SET work_mem = '8MB'`);
    appendFileSync(`${server.dataDir}/pg_hba.conf`, 'hostssl all all 10.0.0.0/8 scram-sha-256\n');
    await reloaded('work_mem', (r) => r.setting === '8192');
    const drift = (await weeklySecurity()).byId['postgres.settings-drift']!;
    expect(drift).toMatchObject({ status: 'fail', observed: { value: 2 }, message: expect.stringMatching(/^2 changes since the baseline accepted by Ada Admin on .+, none on record: check each went through change control, then nvcops weekly security --accept-settings --by NAME$/) });
    expect(drift.details).toEqual(['added: pg_hba.conf: hostssl all all 10.0.0.0 255.0.0.0 scram-sha-256 (line ' + drift.details![0]!.match(/line (\d+)/)![1] + ')', 'added: work_mem = 8192 kB']);
    expect((await weeklySecurity()).byId['postgres.settings-drift']!.status).toBe('fail');

    expect((await accept()).exitCode).toBe(0);
    expect((await weeklySecurity()).byId['postgres.settings-drift']!.status).toBe('pass');
    const store = LocalStore.open(state);
    try {
      const records = await store.audit.list({ action: 'accept settings' });
      expect(records.map((r) => [r.by, r.environment, r.details?.command])).toEqual([['Ada Admin', 'production', 'weekly security'], ['Ada Admin', 'production', 'weekly security']]);
      expect(records[1]!.details!.previous).toBe(records[0]!.details!.fingerprint);
      expect(records[1]!.details!.fingerprint).not.toBe(records[0]!.details!.fingerprint);
      expect(JSON.stringify(records)).not.toContain('8192');
    } finally {
      await store.close();
    }
  });
});

describe('weekly capacity: the database host\'s disks and memory, seen only where nvcops runs on it', () => {
  const capacity = async (url: string, thresholds: Record<string, unknown> = {}) => {
    const r = await nvcops(['weekly', 'capacity', '--config', writeConfig({ postgres: { url }, thresholds }), '--format', 'json']);
    return { ...parseReport(r.stdout), exitCode: r.exitCode };
  };

  it('reads the data and WAL filesystems and memory of a local server, judged from its own postmaster.pid; error without pg_read_all_settings', async () => {
    const server = await startPostgres();
    try {
      const { byId, line } = await capacity(server.monitorUrl);
      expect(byId['postgres.disk-usage']!.details).toEqual([
        expect.stringMatching(new RegExp(`^data ${server.dataDir}: \\d+\\.\\d% used, .+ free of .+$`)),
        expect.stringMatching(new RegExp(`^WAL ${server.dataDir}/pg_wal: \\d+\\.\\d% used`)),
      ]);
      expect(byId['postgres.host-memory']).toMatchObject({ message: expect.stringMatching(/^.+ of .+ available \(\d+(\.\d)?%\)$/) });
      expect(byId['postgres.host-swap']!.message).toMatch(/^no swap configured$|swap used/);
      expect(line('Database host resources').results.map((r) => r.status)).not.toContain('error');
      // Memory judged against a level every host is under: the reading is real, the line turns.
      expect((await capacity(server.monitorUrl, { 'postgres.host-memory': { warn: '< 100%' } })).byId['postgres.host-memory']!.status).toBe('warn');

      await server.sql(`CREATE ROLE plain_login LOGIN PASSWORD 'Pl41n-login-pw'`);
      const plain = await capacity(server.urlFor('plain_login', 'postgres', 'Pl41n-login-pw'));
      for (const id of ['postgres.disk-usage', 'postgres.host-memory', 'postgres.host-swap']) {
        expect(plain.byId[id]).toMatchObject({ status: 'error', message: expect.stringMatching(/pg_read_all_settings|pg_monitor/) });
      }
    } finally {
      await server.stop();
    }
  });

  it('shows the databases\' growth since the weekly capacity run a week before, from the run history', async () => {
    const server = await startPostgres();
    const state = mkdtempSync(join(tmpdir(), 'nvcops-growth-state-'));
    const config = writeConfig({ environment: 'production', state: { path: state }, postgres: { url: server.monitorUrl } });
    const run = async (at: Date) => parseReport((await nvcops(['weekly', 'capacity', '--config', config, '--format', 'json'], { env: { NVCOPS_NOW: at.toISOString() } })).stdout).byId['postgres.database-growth']!;
    try {
      const first = await run(new Date());
      expect(first).toMatchObject({ status: 'skip', message: expect.stringMatching(/^\d+ databases: [\d.]+ MB; no weekly capacity run 6 to 8 days ago to compare with/) });
      await server.sql(`CREATE TABLE ledger AS SELECT g AS id, repeat('x', 200) AS memo FROM generate_series(1, 40000) g`);
      const later = await run(new Date(Date.now() + 7 * 86_400_000));
      expect(later).toMatchObject({ status: 'pass', message: expect.stringMatching(/^\d+ databases: [\d.]+ MB, grew [\d.]+ MB \(\+\d+\.\d%\) since the weekly capacity run of \d{4}-\d\d-\d\d \(7\.0 days ago\)$/) });
      expect(later.observed!.value - first.observed!.value).toBeGreaterThan(8 * 1024 * 1024);
    } finally {
      await server.stop();
    }
  });

  it('fails a WAL filesystem 96% full (pg_wal on a small tmpfs filled by a file)', async () => {
    const mount = mkdtempSync(join(tmpdir(), 'nvcops-wal-fs-'));
    // mode 1777, as /tmp: the server's OS user makes its WAL directory there.
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=40m,mode=1777', 'tmpfs', mount]);
    let server: PgServer | undefined;
    try {
      server = await startPostgres({ walDir: join(mount, 'wal') });
      const healthy = await capacity(server.monitorUrl);
      expect(healthy.byId['postgres.disk-usage']!.status, healthy.byId['postgres.disk-usage']!.message).toBe('pass');
      // Fill the WAL filesystem to about 96% (df's way: used of used + available).
      const { stdout } = await execa('df', ['-B1', '--output=used,avail', mount]);
      const [used, avail] = stdout.trim().split('\n')[1]!.trim().split(/\s+/).map(Number);
      writeFileSync(join(mount, 'ballast'), Buffer.alloc(Math.ceil((used! + avail!) * 0.96 - used!)));
      const full = await capacity(server.monitorUrl);
      expect(full.byId['postgres.disk-usage']).toMatchObject({ status: 'fail', message: expect.stringMatching(new RegExp(`^WAL ${mount}/wal: 9[6-9]\\.\\d% used`)) });
      expect(full.exitCode).toBe(2);
    } finally {
      await server?.stop();
      await execa('umount', [mount]).catch(() => undefined);
    }
  });
});
