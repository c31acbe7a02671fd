/**
 * pgBackRest driven by nvcops against a real PostgreSQL archiving its WAL to an encrypted posix
 * repository in the test's temp directory (test/support/pgbackrest.ts): backups, the morning and
 * `backup verify` checks in health and in the faults they catch, point-in-time restore, the drill.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { walContinuity } from '../src/checks/backups-wal.js';
import { parseRecoveryTarget } from '../src/backups/pitr.js';
import { nvcops, writeConfig } from './support/cli.js';
import { startArchivingPostgres, type ArchivingServer } from './support/pgbackrest.js';
import pg from 'pg';
import { asServerUser, ownedTempDir, postgresBin, secretsIn } from './support/servers.js';
import { until } from './support/until.js';
import { schemaValidator } from './support/schemas.js';

interface Result { id: string; status: string; message: string; observed: { value: number } | null; details?: string[] }
const results = (stdout: string): Record<string, Result> =>
  Object.fromEntries(JSON.parse(stdout).items.flatMap((i: { results: Result[] }) => i.results).map((r: Result) => [r.id, r]));

/** Every WAL segment file in the repository's archive, by path. */
function walFiles(repo: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^[0-9A-F]{24}-[0-9a-f]{40}/.test(e.name)) out.push(p);
    }
  };
  walk(join(repo, 'archive'));
  return out.sort();
}

const configOf = (s: ArchivingServer, extra: Record<string, unknown> = {}) => writeConfig({
  environment: 'staging',
  postgres: { url: s.monitorUrl, adminUrl: s.url },
  backups: { pgbackrest: s.nvcopsConfig, retention: '1h' },
  ...extra,
});

describe('pgBackRest: backups, verification, point-in-time recovery', () => {
  let s: ArchivingServer;
  let config: string;
  let stateHome: string;
  const run = (args: string[], o: { config?: string; timeoutMs?: number } = {}) =>
    nvcops([...args, '--config', o.config ?? config], { env: { ...s.env, XDG_STATE_HOME: stateHome }, timeoutMs: o.timeoutMs ?? 120_000 });

  beforeAll(async () => {
    s = await startArchivingPostgres({ global: { 'archive-timeout': '10' } });
    stateHome = mkdtempSync(join(tmpdir(), 'nvcops-state-'));
    config = configOf(s);
    await s.sql('CREATE TABLE payments (id serial PRIMARY KEY, amount numeric NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())');
  }, 120_000);

  it('backup db runs pgbackrest backup: full, then incremental by default; audited; nothing secret on screen', async () => {
    const full = await run(['backup', 'db', '--type', 'full']);
    expect(full.stderr).toBe('');
    expect(full.exitCode).toBe(0);
    expect(full.stdout).toMatch(/^pgBackRest backup \d{8}-\d{6}F \(full\) in repo1, /);
    await s.sql('INSERT INTO payments (amount) SELECT g FROM generate_series(1, 100) g');
    const incr = await run(['backup', 'db', '--format', 'json']);
    expect(incr.exitCode).toBe(0);
    // The published schema (nvcops schema backup) holds pgBackRest's form of the output.
    expect((await schemaValidator('backup'))(JSON.parse(incr.stdout))).toEqual([]);
    const b = JSON.parse(incr.stdout).pgbackrest.backup;
    expect(b).toMatchObject({ type: 'incr', prior: expect.stringMatching(/F$/) });
    const info = JSON.parse((await s.pgbackrest(['info', '--output=json'])).stdout)[0];
    expect(info.backup.map((x: { type: string }) => x.type)).toEqual(['full', 'incr']);
    const audit = await nvcops(['audit', 'show', '--config', config, '--action', 'backup db', '--format', 'json'], { env: { XDG_STATE_HOME: stateHome } });
    expect(JSON.parse(audit.stdout)).toMatchObject([
      { phase: 'event', outcome: 'ok', message: expect.stringMatching(/^pgBackRest full backup \S+F stored$/) },
      { phase: 'event', outcome: 'ok', message: `pgBackRest incr backup ${b.label} stored`, details: { label: b.label, type: 'incr' } },
    ]);
    expect(secretsIn(full.stdout + incr.stdout + audit.stdout, s, s.env.PGBACKREST_REPO1_CIPHER_PASS!)).toEqual([]);
  }, 120_000);

  it('backup verify: healthy pgBackRest passes freshness, WAL continuity, check, verify, retention and encryption; one repository warns off-site', async () => {
    await s.archiveNow();
    const r = await run(['backup', 'verify', '--format', 'json']);
    const byId = results(r.stdout);
    expect(byId['backups.pgbackrest-freshness']).toMatchObject({ status: 'pass', message: expect.stringMatching(/^newest backup \S+I \(incr\) finished /) });
    // pgbackrest check switches WAL beside it: the segment it closed may still be on its way.
    expect(byId['backups.pgbackrest-wal']).toMatchObject({ status: 'pass', message: expect.stringMatching(/^(continuous from [0-9A-F]{24} to [0-9A-F]{24}; nothing waiting|1 finished segment waiting; the newest archived, [0-9A-F]{24}, arrived \d+ s ago)$/) });
    expect(byId['backups.pgbackrest-check']).toMatchObject({ status: 'pass' });
    expect(byId['backups.pgbackrest-verify']).toMatchObject({ status: 'pass', message: expect.stringMatching(/all valid$/) });
    expect(byId['backups.pgbackrest-encryption']).toMatchObject({ status: 'pass', message: 'every repository encrypted (aes-256-cbc)' });
    expect(byId['backups.pgbackrest-offsite']).toMatchObject({ status: 'warn', message: expect.stringContaining('configure repo2 off-site') });
    // A repository minutes old cannot reach back the hour backups.retention asks for.
    expect(byId['backups.pgbackrest-retention']).toMatchObject({ status: 'fail', message: expect.stringContaining('short of backups.retention 1h') });
    // No dump repository configured: the dump checks skip.
    expect(byId['backups.database-freshness']).toMatchObject({ status: 'skip' });
    // The morning line runs them all but verify.
    const morning = results((await run(['health', 'daily', '--format', 'json'])).stdout);
    expect(morning['backups.pgbackrest-wal']).toMatchObject({ status: 'pass' });
    expect(morning['backups.pgbackrest-verify']).toBeUndefined();
  }, 180_000);

  it('backup list shows pgBackRest\'s backups, newest first, with the recoverable window; setup --print fills in the configured server', async () => {
    const human = await run(['backup', 'list']);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toMatch(/^pgBackRest stanza "nvcops" \(ok\): recoverable from \S+Z to \S+Z \(newest archived WAL [0-9A-F]{24}\)\n/);
    const listed = JSON.parse((await run(['backup', 'list', '--format', 'json'])).stdout);
    expect((await schemaValidator('backup-list'))(listed)).toEqual([]);
    const json = listed.pgbackrest;
    expect(json.backups.map((b: { type: string }) => b.type)).toEqual(['incr', 'full']);
    expect(human.stdout).toContain(json.backups[0].label);
    expect(Date.parse(json.recoverable.from)).toBe(json.backups[1].timestamp.stop * 1000);
    const setup = await run(['backup', 'setup', '--print']);
    expect(setup.exitCode).toBe(0);
    expect(setup.stdout).toContain(`archive_command = 'pgbackrest --config=${s.pgbackrestConfig} --stanza=nvcops archive-push %p'`);
    expect(setup.stdout).toContain(`[nvcops]\npg1-path=${s.dataDir}\npg1-port=${s.port}\npg1-socket-path=${s.dir}\n`);
    expect(secretsIn(setup.stdout + human.stdout, s, s.env.PGBACKREST_REPO1_CIPHER_PASS!)).toEqual([]);
  }, 60_000);

  it('restore-db --to T1 restores into a new directory, promotes, answers on loopback and holds exactly the rows committed by T1', async () => {
    await s.sql('INSERT INTO payments (amount) SELECT g FROM generate_series(1, 10) g');
    // Taken after the commit: a recovery target includes commits at or before it.
    const [{ t1, n1 }] = await s.sql<{ t1: Date; n1: string }>('SELECT clock_timestamp() AS t1, (SELECT count(*) FROM payments) AS n1') as [{ t1: Date; n1: string }];
    await until('a commit time after T1', async () => (await s.sql<{ later: boolean }>('SELECT clock_timestamp() > $1::timestamptz + interval \'200 ms\' AS later', [t1]))[0]!.later);
    await s.sql('INSERT INTO payments (amount) SELECT g FROM generate_series(1, 5) g');
    await s.archiveNow();
    const dir = join(ownedTempDir('nvcops-restore-'), 'data');
    const dry = await run(['backup', 'restore-db', '--to', t1.toISOString(), '--target-dir', dir, '--dry-run']);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain(`pgbackrest restore into ${dir}, recovery to ${t1.toISOString()} then promote`);
    expect(existsSync(dir)).toBe(false);
    const r = await run(['backup', 'restore-db', '--to', t1.toISOString(), '--target-dir', dir, '--yes', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    const started = out.outcomes.at(-1).data;
    try {
      expect(Date.parse(started.recoveredTo)).toBeLessThanOrEqual(t1.getTime());
      const restored = new pg.Client({ connectionString: s.url.replace(`:${s.port}/`, `:${started.port}/`) });
      await restored.connect();
      const { rows: [x] } = await restored.query<{ n: string; recovery: boolean }>('SELECT count(*) AS n, pg_is_in_recovery() AS recovery FROM payments');
      await restored.end();
      expect(x).toEqual({ n: n1, recovery: false });
      expect(Number(n1)).toBe(110);
    } finally {
      await asServerUser(join(postgresBin(), 'pg_ctl'), ['-D', dir, '-m', 'immediate', '-w', 'stop'], '/');
    }
    expect(secretsIn(r.stdout, s, s.env.PGBACKREST_REPO1_CIPHER_PASS!)).toEqual([]);
  }, 240_000);

  it('restore-db --to a named restore point holds exactly the rows committed before pg_create_restore_point', async () => {
    await s.sql('INSERT INTO payments (amount) SELECT g FROM generate_series(1, 3) g');
    const [{ n1 }] = await s.sql<{ n1: string }>('SELECT count(*) AS n1 FROM payments') as [{ n1: string }];
    await s.sql("SELECT pg_create_restore_point('before-migration')");
    await s.sql('INSERT INTO payments (amount) SELECT g FROM generate_series(1, 4) g');
    await s.archiveNow();
    const dir = join(ownedTempDir('nvcops-restore-'), 'data');
    const r = await run(['backup', 'restore-db', '--to', 'before-migration', '--target-dir', dir, '--yes', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.outcomes[0].message).toMatch(/^restored into /);
    const started = out.outcomes.at(-1).data;
    try {
      const restored = new pg.Client({ connectionString: s.url.replace(`:${s.port}/`, `:${started.port}/`) });
      await restored.connect();
      const { rows: [x] } = await restored.query<{ n: string; recovery: boolean }>('SELECT count(*) AS n, pg_is_in_recovery() AS recovery FROM payments');
      await restored.end();
      expect(x).toEqual({ n: n1, recovery: false });
      // The live server has the rows after the restore point too: the point cut them off.
      expect(Number((await s.sql<{ n: string }>('SELECT count(*) AS n FROM payments'))[0]!.n)).toBe(Number(n1) + 4);
    } finally {
      await asServerUser(join(postgresBin(), 'pg_ctl'), ['-D', dir, '-m', 'immediate', '-w', 'stop'], '/');
    }
  }, 240_000);

  it('an unknown restore point name: nothing can refuse it beforehand; PostgreSQL refuses to promote short of it and restore-db says so at once', async () => {
    // Restore points are WAL records only: pgBackRest lists none, so the plan cannot tell a name that
    // was never created from one that was. The dry run shows the plan and writes nothing.
    const dir = join(ownedTempDir('nvcops-restore-'), 'data');
    const dry = await run(['backup', 'restore-db', '--to', 'no-such-point', '--target-dir', dir, '--dry-run']);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain(`pgbackrest restore into ${dir}, recovery to restore point "no-such-point" then promote`);
    expect(existsSync(dir)).toBe(false);
    // The restore replays the whole archive, does not find it, and the server stops instead of promoting.
    const t0 = Date.now();
    const r = await run(['backup', 'restore-db', '--to', 'no-such-point', '--target-dir', dir, '--yes']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toContain(`✔ 1. pgbackrest restore into ${dir}`);
    expect(r.stdout).toMatch(/✖ 2\. .* — the restored server on 127\.0\.0\.1:\d+ stopped during recovery: FATAL: recovery ended before configured recovery target was reached; \S+ is left as restored \(stopped\); see \S+restore\.log/);
    // Seen as soon as the server stops, not at the hour's timeout.
    expect(Date.now() - t0).toBeLessThan(120_000);
    expect(existsSync(join(dir, 'postmaster.pid'))).toBe(false);
    expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
  }, 240_000);

  it('refuses a time before the oldest backup or after the newest archived WAL before writing anything (exit 64, naming the window)', async () => {
    const dir = join(ownedTempDir('nvcops-restore-'), 'data');
    for (const to of ['2020-01-01T00:00:00Z', new Date(Date.now() + 3600_000).toISOString()]) {
      const r = await run(['backup', 'restore-db', '--to', to, '--target-dir', dir, '--yes']);
      expect(r.exitCode).toBe(64);
      expect(r.stderr).toMatch(new RegExp(`^nvcops: refused: --to: ${new Date(to).toISOString().replace(/\./g, '\\.')} is outside the recoverable window \\S+Z – \\S+Z \\(end of the oldest backup to the newest archived WAL, [0-9A-F]{24}\\); nothing was done$`));
      expect(existsSync(dir)).toBe(false);
    }
    // The live data directory is never a target.
    const live = await run(['backup', 'restore-db', '--to', new Date().toISOString(), '--target-dir', s.dataDir, '--yes']);
    expect(live.exitCode).toBe(64);
    expect(live.stderr).toContain('is a PostgreSQL data directory of a running server');
  }, 120_000);

  it('monthly dr-test restores the newest point to a scratch directory and port, runs the verification queries, removes it; RPO is seconds', async () => {
    await s.sql('INSERT INTO payments (amount) VALUES (42)');
    await s.archiveNow();
    const drill = configOf(s, { dr: { rto: '15m', rpo: '5m', verificationQueries: ['SELECT count(*) > 0 FROM payments', 'SELECT max(amount) FROM payments'] } });
    const r = await run(['monthly', 'dr-test', '--only', 'restore', '--yes', '--format', 'json'], { config: drill });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const [restore, teardown, judged] = JSON.parse(r.stdout).outcomes;
    expect(restore).toMatchObject({ status: 'done', data: { verificationQueries: ['SELECT count(*) > 0 FROM payments → true', 'SELECT max(amount) FROM payments → 100'] } });
    // The last transaction archived seconds before the drill: that, not the base backup's age, is the RPO.
    expect(restore.data.rpoMs).toBeLessThan(60_000);
    expect(teardown).toMatchObject({ status: 'done' });
    expect(existsSync(restore.data.dir)).toBe(false);
    expect(judged).toMatchObject({ status: 'done', message: expect.stringMatching(/^restore drill: RTO \S+ \S+ pass, RPO \S+ \S+ pass$/) });
  }, 240_000);

  it('--in-place: refused while the server runs; stopped, the live directory is kept aside and the cluster restored to T in its place', async () => {
    const running = await run(['backup', 'restore-db', '--in-place', '--target-dir', s.dataDir, '--confirm-env', 'staging', '--yes']);
    expect(running.exitCode).toBe(64);
    expect(running.stderr).toContain('is running (postmaster.pid); stop it first');
    const [{ t, n }] = await s.sql<{ t: Date; n: string }>('SELECT clock_timestamp() AS t, (SELECT count(*) FROM payments) AS n') as [{ t: Date; n: string }];
    await until('a commit time after T', async () => (await s.sql<{ later: boolean }>('SELECT clock_timestamp() > $1::timestamptz + interval \'200 ms\' AS later', [t]))[0]!.later);
    await s.sql('INSERT INTO payments (amount) SELECT g FROM generate_series(1, 7) g');
    await s.archiveNow();
    const pgCtl = join(postgresBin(), 'pg_ctl');
    await asServerUser(pgCtl, ['-D', s.dataDir, '-m', 'fast', '-w', 'stop'], '/');
    const r = await run(['backup', 'restore-db', '--in-place', '--to', t.toISOString(), '--target-dir', s.dataDir, '--confirm-env', 'staging', '--yes', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(readdirSync(s.dir).filter((f) => f.startsWith('data.before-restore-'))).toHaveLength(1);
    await asServerUser(pgCtl, ['-D', s.dataDir, '-l', s.logFile, '-w', '-t', '60', '-o', `-p ${s.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${s.dir}`, 'start'], s.dir, s.env);
    await until('the restored cluster promoted', async () => (await s.sql<{ r: boolean }>('SELECT pg_is_in_recovery() AS r').catch(() => [{ r: true }]))[0]!.r === false, 60_000);
    expect((await s.sql<{ n: string }>('SELECT count(*) AS n FROM payments'))[0]!.n).toBe(n);
  }, 240_000);
});

describe('pgBackRest faults the checks exist to catch', () => {
  let s: ArchivingServer;
  let config: string;
  const run = (args: string[]) => nvcops([...args, '--config', config], { env: s.env, timeoutMs: 180_000 });

  beforeAll(async () => {
    s = await startArchivingPostgres({ encrypted: false, global: { 'archive-timeout': '5' } });
    config = configOf(s);
    await s.sql('CREATE TABLE t (x int)');
    await s.pgbackrest(['backup', '--type=full']);
  }, 120_000);

  it('a WAL segment deleted from the middle of the archive fails continuity, naming it; an unencrypted repository fails PCI DSS 3.5', async () => {
    for (let i = 0; i < 3; i++) {
      await s.sql('INSERT INTO t SELECT generate_series(1, 100)');
      await s.archiveNow();
    }
    const before = results((await run(['backup', 'verify', '--format', 'json'])).stdout);
    expect(before['backups.pgbackrest-wal']).toMatchObject({ status: 'pass' });
    const files = walFiles(s.repo);
    const middle = files[files.length - 2]!;
    rmSync(middle);
    const segment = /([0-9A-F]{24})-/.exec(middle)![1];
    const r = results((await run(['backup', 'verify', '--format', 'json'])).stdout);
    expect(r['backups.pgbackrest-wal']).toMatchObject({ status: 'fail', message: expect.stringMatching(new RegExp(`^WAL gap in repo1 after backup \\S+F: ${segment} missing: no point-in-time recovery across it$`)) });
    expect(r['backups.pgbackrest-encryption']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^not encrypted: repo1 /) });
  }, 180_000);

  it('a corrupted backup file fails pgbackrest verify, naming the backup', async () => {
    const label = JSON.parse((await s.pgbackrest(['info', '--output=json'])).stdout)[0].backup[0].label as string;
    const file = join(s.repo, 'backup', s.stanza, label, 'pg_data', 'PG_VERSION.gz');
    const bytes = readFileSync(file);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff;
    writeFileSync(file, bytes);
    const r = results((await run(['backup', 'verify', '--format', 'json'])).stdout);
    expect(r['backups.pgbackrest-verify']).toMatchObject({ status: 'fail', message: expect.stringContaining(`backup: ${label}, status: invalid`) });
  }, 180_000);

  it('archive_command failing turns the morning\'s "Backup verification completed" line red', async () => {
    await s.sql("ALTER SYSTEM SET archive_command = 'false'");
    await s.sql('SELECT pg_reload_conf()');
    await s.sql('INSERT INTO t SELECT generate_series(1, 100)');
    await s.sql('SELECT pg_switch_wal()');
    await until('an archive failure', async () => Number((await s.sql<{ n: string }>('SELECT failed_count AS n FROM pg_stat_archiver'))[0]!.n) > 0);
    const daily = await run(['health', 'daily', '--format', 'json', '--timeout', '60s']);
    const line = JSON.parse(daily.stdout).items.find((i: { title: string }) => i.title === 'Backup verification completed');
    expect(line.status).toBe('fail');
    const byId = results(daily.stdout);
    expect(byId['backups.pgbackrest-check']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^pgbackrest check failed \(exit \d+\): ERROR: \[\d+\]/) });
    expect(byId['backups.wal-archiving']).toMatchObject({ status: 'fail' });
  }, 180_000);
});

describe('WAL continuity and recovery targets, as pgBackRest names them', () => {
  const seg = (log: number, n: number) => `00000001${log.toString(16).toUpperCase().padStart(8, '0')}${n.toString(16).toUpperCase().padStart(8, '0')}`;

  it('finds a run of missing segments across a log boundary, and counts finished segments not yet archived apart from gaps', () => {
    const mb16 = 16 * 1024 * 1024;
    const archived = [seg(0, 0xfd), seg(1, 0x01), seg(1, 0x02)];
    expect(walContinuity(archived, seg(0, 0xfd), seg(1, 0x05), mb16)).toEqual({ gaps: [`${seg(0, 0xfe)} – ${seg(1, 0x00)}`], waiting: 2, newest: seg(1, 0x02) });
    expect(walContinuity([seg(0, 2), seg(0, 3)], seg(0, 2), seg(0, 4), mb16)).toEqual({ gaps: [], waiting: 0, newest: seg(0, 3) });
    // 64 MB segments: 64 per log.
    expect(walContinuity([seg(0, 0x3f), seg(1, 0)], seg(0, 0x3f), seg(1, 1), 64 * 1024 * 1024).gaps).toEqual([]);
  });

  it('reads --to as an ISO time, a wall-clock time in the runbook\'s zone, or a restore point name; refuses what is neither', () => {
    expect(parseRecoveryTarget('2026-12-07T14:02:00Z', undefined)).toEqual({ time: new Date('2026-12-07T14:02:00Z') });
    expect(parseRecoveryTarget('2026-12-07 09:02:30.5', 'America/New_York')).toEqual({ time: new Date('2026-12-07T14:02:30.500Z') });
    expect(parseRecoveryTarget('before_migration_42', undefined)).toEqual({ name: 'before_migration_42' });
    expect(() => parseRecoveryTarget('2026-02-30 10:00', undefined)).toThrow('is not a time that exists');
    expect(() => parseRecoveryTarget('2026-12-07T10:00:00 bogus', undefined)).toThrow('is not a time');
  });
});

describe('without backups.pgbackrest', () => {
  it('backup db --type is refused in one line (exit 64): a pg_dump has no type; restore-db --to names the key to set (exit 78)', async () => {
    const config = writeConfig({ postgres: { url: 'postgres://nobody@127.0.0.1:1/none' }, backups: { directory: mkdtempSync(join(tmpdir(), 'nvcops-repo-')) } });
    const typed = await nvcops(['backup', 'db', '--type', 'full', '--config', config]);
    expect(typed).toMatchObject({ exitCode: 64, stderr: 'nvcops: --type: full, diff and incr are pgBackRest backups; set backups.pgbackrest (without it, backup db is a pg_dump)' });
    const pitr = await nvcops(['backup', 'restore-db', '--to', '2026-12-07T14:02:00Z', '--target-dir', '/nonexistent/x', '--config', config, '--yes']);
    expect(pitr.exitCode).toBe(78);
    expect(pitr.stderr).toContain('backups.pgbackrest: --to and --target-dir restore with pgBackRest; set backups.pgbackrest.stanza');
  });
});
