import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { pgProgram } from '../src/backups/pgtools.js';
import { CLI, nvcops, writeConfig } from './support/cli.js';
import { secretsIn, startPostgres, type PgServer } from './support/servers.js';

const PASSWORD = 'Backup-S3cret-pw';
const hours = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();

interface Result { id: string; status: string; message: string; observed: { value: number } | null; details?: string[] }
const results = (stdout: string): Record<string, Result> =>
  Object.fromEntries(JSON.parse(stdout).items.flatMap((i: { results: Result[] }) => i.results).map((r: Result) => [r.id, r]));

/** Sets a manifest field (to age a backup or tamper with what it promises). */
function editManifest(dir: string, id: string, edit: (m: Record<string, any>) => void): void {
  const path = join(dir, `${id}.manifest.json`);
  const m = JSON.parse(readFileSync(path, 'utf8'));
  edit(m);
  writeFileSync(path, JSON.stringify(m));
}

/** Waits until the archiver has archived (or failed to archive) a segment after a WAL switch. */
async function switchWal(pg: PgServer, until: 'archived' | 'failed'): Promise<void> {
  const column = until === 'archived' ? 'archived_count' : 'failed_count';
  const [{ before }] = (await pg.sql<{ before: string }>(`SELECT ${column} AS before FROM pg_stat_archiver`)) as [{ before: string }];
  await pg.sql('CREATE TABLE IF NOT EXISTS wal_filler (x int); INSERT INTO wal_filler SELECT generate_series(1, 1000)');
  await pg.sql('SELECT pg_switch_wal()');
  for (let i = 0; i < 600; i++) {
    const [{ now }] = (await pg.sql<{ now: string }>(`SELECT ${column} AS now FROM pg_stat_archiver`)) as [{ now: string }];
    if (Number(now) > Number(before)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`archiver never ${until}`);
}

describe('backup repository, verify and restores against a real PostgreSQL', () => {
  let pg: PgServer;
  let repo: string;
  let config: string;
  let appDir: string;
  let confDir: string;
  let logFile: string;
  const ids: Record<string, string> = {};

  const configFor = (directory: string, extra: Record<string, unknown> = {}) =>
    writeConfig({
      environment: 'staging',
      postgres: { url: pg.urlFor('nvcops_monitor', 'bank'), adminUrl: pg.urlFor('postgres', 'bank') },
      backups: { directory },
      ...extra,
    });
  /** A copy of the repository for one scenario, so tampering stays there. */
  const copyRepo = () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-repo-copy-'));
    cpSync(repo, dir, { recursive: true });
    return dir;
  };

  beforeAll(async () => {
    // WAL archiving into a directory next to the data directory, as a transaction log backup would.
    pg = await startPostgres({ settings: { archive_mode: 'on', archive_command: 'mkdir -p ../wal-archive && cp %p ../wal-archive/%f' } });
    await pg.sql('CREATE DATABASE bank');
    const bank = await pg.connect('postgres', 'bank');
    await bank.query(`CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance numeric);
      INSERT INTO accounts SELECT g, 'owner ' || g, g * 10 FROM generate_series(1, 1000) g;
      CREATE TABLE transfers (id bigserial PRIMARY KEY, account int REFERENCES accounts, amount numeric);
      INSERT INTO transfers (account, amount) SELECT 1 + g % 1000, g FROM generate_series(1, 5000) g;
      CREATE SCHEMA ledger; CREATE TABLE ledger."Entries" (id int, note text);
      INSERT INTO ledger."Entries" SELECT g, 'entry' FROM generate_series(1, 37) g;
      CREATE TABLE empty_table (id int);`);
    await bank.end();
    repo = mkdtempSync(join(tmpdir(), 'nvcops-repo-'));
    config = configFor(repo);
    appDir = mkdtempSync(join(tmpdir(), 'nvcops-app-'));
    mkdirSync(join(appDir, 'lib'));
    writeFileSync(join(appDir, 'server.js'), 'console.log("v1.4.2")\n');
    writeFileSync(join(appDir, 'lib', 'util.js'), 'export const x = 1;\n');
    confDir = mkdtempSync(join(tmpdir(), 'nvcops-conf-'));
    writeFileSync(join(confDir, 'app.yaml'), 'mode: weekly-snapshot-1\n');
    logFile = join(mkdtempSync(join(tmpdir(), 'nvcops-logs-')), 'application.log');
    writeFileSync(logFile, '2025-07-14T08:00:00Z INFO started\n');
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('takes a custom-format database backup with its manifest: checksum, size, version, LSN range and row counts', async () => {
    const r = await nvcops(['backup', 'db', '--config', config, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const { manifest, path } = JSON.parse(r.stdout);
    ids.db = manifest.id;
    expect(manifest).toMatchObject({ version: 1, kind: 'db', source: expect.stringMatching(/^127\.0\.0\.1:\d+\/bank$/), file: `${manifest.id}.dump` });
    expect(manifest.postgres).toMatchObject({ format: 'custom', version: expect.stringMatching(/^\d+\.\d+/) });
    expect(manifest.postgres.rowCounts).toEqual({ 'public.accounts': 1000, 'public.transfers': 5000, 'ledger.Entries': 37, 'public.empty_table': 0 });
    const [start, end] = [manifest.postgres.startLsn, manifest.postgres.stopLsn].map((l: string) => l.split('/').reduce((a, h) => a * 2 ** 32 + parseInt(h, 16), 0)) as [number, number];
    expect(end).toBeGreaterThanOrEqual(start);
    const bytes = readFileSync(path);
    expect(manifest.size).toBe(bytes.length);
    expect(manifest.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(bytes.subarray(0, 5).toString()).toBe('PGDMP');
    expect(readdirSync(repo).filter((f) => f.startsWith('.partial'))).toEqual([]);
    expect(secretsIn(r.stdout, PASSWORD, pg)).toEqual([]);
  });

  it('with --jobs writes the directory format in parallel and checksums its listing', async () => {
    const r = await nvcops(['backup', 'db', '--config', config, '--jobs', '2']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/directory-format dump of 127\.0\.0\.1:\d+\/bank/);
    expect(r.stdout).toMatch(/4 tables, 6037 rows counted/);
    const id = /^(db-\S+) stored/.exec(r.stdout)![1]!;
    ids.dbDir = id;
    expect(existsSync(join(repo, `${id}.dir`, 'toc.dat'))).toBe(true);
  });

  it('stores application, configuration and log archives', async () => {
    const app = await nvcops(['backup', 'app', '--config', config, '--app-version', '1.4.2', '--from', appDir, '--format', 'json']);
    expect(app.exitCode).toBe(0);
    ids.app = JSON.parse(app.stdout).manifest.id;
    expect(JSON.parse(app.stdout).manifest).toMatchObject({ version: 1, kind: 'app', app: { version: '1.4.2' }, source: appDir });
    const conf = await nvcops(['backup', 'config', '--config', config, '--from', confDir, '--format', 'json']);
    expect(conf.exitCode).toBe(0);
    ids.config = JSON.parse(conf.stdout).manifest.id;
    const logs = await nvcops(['backup', 'logs', '--config', configFor(repo, { logs: { application: logFile } }), '--format', 'json']);
    expect(logs.exitCode).toBe(0);
    expect(JSON.parse(logs.stdout).manifest).toMatchObject({ kind: 'logs', source: logFile });
  });

  it('lists the repository newest first, in both formats', async () => {
    const j = await nvcops(['backup', 'list', '--config', config, '--format', 'json']);
    expect(j.exitCode).toBe(0);
    const listed = JSON.parse(j.stdout);
    expect(listed.backups.map((b: { kind: string }) => b.kind).sort()).toEqual(['app', 'config', 'db', 'db', 'logs']);
    expect(listed.broken).toEqual([]);
    const h = await nvcops(['backup', 'list', '--config', config, '--kind', 'db']);
    expect(h.exitCode).toBe(0);
    expect(h.stdout.indexOf(ids.dbDir!)).toBeLessThan(h.stdout.indexOf(ids.db!));
    expect(h.stdout).not.toContain(ids.app!);
  });

  it('verifies a healthy repository: fresh, archiving, checksums match, dumps readable (exit 0)', async () => {
    await switchWal(pg, 'archived');
    const r = await nvcops(['backup', 'verify', '--config', config, '--format', 'json']);
    expect(r.stderr).toBe('');
    const byId = results(r.stdout);
    for (const id of Object.keys(byId)) expect(byId[id]!.status, `${id}: ${byId[id]!.message}`).toBe('pass');
    expect(r.exitCode).toBe(0);
    expect(byId['backups.wal-archiving']!.message).toMatch(/last archived [0-9A-F]{24}/);
    expect(byId['backups.checksums']!.message).toBe('4 backups match their manifests');
    expect(byId['backups.restorable']!.message).toContain(ids.dbDir);
    const all = await nvcops(['backup', 'verify', '--all', '--config', config, '--format', 'json']);
    expect(results(all.stdout)['backups.checksums']!.message).toBe('5 backups match their manifests');
    expect(results(all.stdout)['backups.restorable']!.message).toBe('pg_restore reads all 2 dumps');
  });

  it('catches a corrupted backup by its checksum, though pg_restore still reads its table of contents: neither check passes it', async () => {
    const dir = copyRepo();
    const file = join(dir, `${ids.db}.dump`);
    const bytes = readFileSync(file);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
    writeFileSync(file, bytes);
    const r = await nvcops(['backup', 'verify', '--all', '--config', configFor(dir), '--format', 'json']);
    expect(r.exitCode).toBe(2);
    const byId = results(r.stdout);
    expect(byId['backups.checksums']).toMatchObject({ status: 'fail', observed: { value: 1 } });
    expect(byId['backups.checksums']!.message).toMatch(new RegExp(`^${ids.db}: ${ids.db}\\.dump: SHA-256 [0-9a-f]{16}… does not match the manifest's`));
    expect(byId['backups.restorable']).toMatchObject({ status: 'fail', message: expect.stringMatching(new RegExp(`^${ids.db}: ${ids.db}\\.dump: SHA-256 [0-9a-f]{16}… does not match`)) });
    // The morning run checks only the newest of each kind; the corrupted one is older.
    const newest = await nvcops(['backup', 'verify', '--config', configFor(dir), '--format', 'json']);
    expect(results(newest.stdout)['backups.checksums']!.status).toBe('pass');
  });

  it('fails a dump pg_restore cannot read, and a backup whose file is gone', async () => {
    const dir = copyRepo();
    const garbage = Buffer.from('this is not a pg_dump archive\n');
    writeFileSync(join(dir, `${ids.db}.dump`), garbage);
    editManifest(dir, ids.db!, (m) => {
      m.size = garbage.length;
      m.sha256 = createHash('sha256').update(garbage).digest('hex');
      m.created = new Date().toISOString();
    });
    const r = await nvcops(['backup', 'verify', '--config', configFor(dir), '--format', 'json']);
    const byId = results(r.stdout);
    expect(byId['backups.checksums']!.status).toBe('pass');
    expect(byId['backups.restorable']).toMatchObject({ status: 'fail', message: expect.stringMatching(/pg_restore --list failed: .*(input file|not a valid archive)/) });
    expect(r.exitCode).toBe(2);

    const gone = copyRepo();
    cpSync(join(gone, `${ids.app}.tar.gz`), join(gone, 'moved-away.tar.gz'));
    writeFileSync(join(gone, `${ids.app}.tar.gz`), '');
    const missing = await nvcops(['backup', 'verify', '--config', configFor(gone), '--format', 'json']);
    expect(results(missing.stdout)['backups.checksums']!.message).toMatch(new RegExp(`${ids.app}: ${ids.app}\\.tar\\.gz: 0 bytes, the manifest says \\d+`));
  });

  it('fails a truncated dump (pg_restore --list still reads it) and a dump symlinked outside the repository; a backup dated in the future is error', async () => {
    const dir = copyRepo();
    const file = join(dir, `${ids.db}.dump`);
    const whole = readFileSync(file);
    writeFileSync(file, whole.subarray(0, whole.length - 200));
    // Newest of its kind, so the morning run judges it.
    editManifest(dir, ids.db!, (m) => { m.created = new Date().toISOString(); });
    // pg_restore --list alone still reads it: only its table of contents, at the start, is read.
    await execa(pgProgram('pg_restore'), ['--list', file]);
    const truncated = results((await nvcops(['backup', 'verify', '--config', configFor(dir), '--format', 'json'])).stdout);
    expect(truncated['backups.restorable']).toMatchObject({ status: 'fail', message: `${ids.db}: ${ids.db}.dump: ${whole.length - 200} bytes, the manifest says ${whole.length}` });

    // The same dump, intact but outside the repository, reached through a symlink.
    const elsewhere = join(mkdtempSync(join(tmpdir(), 'nvcops-elsewhere-')), 'db.dump');
    writeFileSync(elsewhere, whole);
    rmSync(file);
    symlinkSync(elsewhere, file);
    const outside = await nvcops(['backup', 'verify', '--config', configFor(dir), '--format', 'json']);
    const refused = `${ids.db}: ${ids.db}.dump: resolves to ${realpathSync(elsewhere)}, outside the repository: refused as a backup of it`;
    expect(results(outside.stdout)['backups.restorable']).toMatchObject({ status: 'fail', message: refused });
    expect(results(outside.stdout)['backups.checksums']).toMatchObject({ status: 'fail', message: refused });
    expect(outside.exitCode).toBe(2);
    // A symlink that stays inside the repository is its own file.
    rmSync(file);
    writeFileSync(join(dir, 'kept.dump'), whole);
    symlinkSync('kept.dump', file);
    expect(results((await nvcops(['backup', 'verify', '--config', configFor(dir), '--format', 'json'])).stdout)['backups.restorable']!.status).toBe('pass');

    editManifest(dir, ids.db!, (m) => { m.created = '2099-01-01T00:00:00Z'; });
    const future = await nvcops(['backup', 'verify', '--config', configFor(dir), '--format', 'json']);
    expect(results(future.stdout)['backups.database-freshness']).toMatchObject({
      status: 'error', message: expect.stringMatching(new RegExp(`^newest database backup ${ids.db} is dated 2099-01-01T00:00:00Z, .+ in the future: a wrong clock \\(here or where it was taken\\) or an altered manifest`)),
    });
    expect(future.exitCode).not.toBe(0);
  });

  it('judges the newest dump even when its manifest cannot be read, and never passes on an older one', async () => {
    // ids.dbDir is the newer of the two dumps: its manifest broken, the older ids.db must not stand in for it.
    const dir = copyRepo();
    writeFileSync(join(dir, `${ids.dbDir}.manifest.json`), '{"version": 1, "id": ');
    const r = await nvcops(['backup', 'verify', '--config', configFor(dir), '--format', 'json']);
    const restorable = results(r.stdout)['backups.restorable']!;
    expect(restorable).toMatchObject({ status: 'fail', observed: { value: 1 } });
    expect(restorable.message).toMatch(new RegExp(`^unreadable manifest ${ids.dbDir}\\.manifest\\.json: not valid JSON .* \\(the newest database backup\\)$`));
    expect(restorable.message).not.toContain(ids.db!);
    // Nor does the older dump's age stand in for the newest's: its age is not known.
    expect(results(r.stdout)['backups.database-freshness']).toMatchObject({
      status: 'error', message: expect.stringMatching(new RegExp(`^the newest database backup's manifest cannot be read \\(newer than ${ids.db}, the newest readable one\\): ${ids.dbDir}\\.manifest\\.json: not valid JSON`)),
    });
    expect(r.exitCode).toBe(2);
    const all = results((await nvcops(['backup', 'verify', '--all', '--config', configFor(dir), '--format', 'json'])).stdout)['backups.restorable']!;
    expect(all).toMatchObject({ status: 'fail', observed: { value: 1 }, message: expect.stringMatching(new RegExp(`^unreadable manifest ${ids.dbDir}\\.manifest\\.json: not valid JSON`)) });

    // An older dump's broken manifest does not hide the newest, which is judged as usual.
    // (An old dump by its name: the fixture's two dumps may share a second, and then neither is known to be the older.)
    const older = copyRepo();
    writeFileSync(join(older, 'db-20200101T000000Z-0ld0.manifest.json'), '{"version": 1, "id": ');
    const newest = results((await nvcops(['backup', 'verify', '--config', configFor(older), '--format', 'json'])).stdout)['backups.restorable']!;
    expect(newest).toMatchObject({ status: 'pass', message: `pg_restore reads ${ids.dbDir}` });

    // A manifest named otherwise tells neither kind nor time: it may be the newest dump.
    const unnamed = copyRepo();
    writeFileSync(join(unnamed, 'nightly.manifest.json'), '{}');
    const unknown = results((await nvcops(['backup', 'verify', '--config', configFor(unnamed), '--format', 'json'])).stdout)['backups.restorable']!;
    expect(unknown).toMatchObject({ status: 'fail', message: expect.stringMatching(/^unreadable manifest nightly\.manifest\.json: .* \(its name does not tell its kind or time: it may be the newest database backup\)$/) });
  });

  it('flags stale backups against the Backup Schedule: db late warns, db missed fails, app and config missed fail', async () => {
    const dir = copyRepo();
    for (const id of [ids.db!, ids.dbDir!]) editManifest(dir, id, (m) => { m.created = hours(8); });
    const late = results((await nvcops(['backup', 'verify', '--config', configFor(dir), '--format', 'json'])).stdout);
    expect(late['backups.database-freshness']).toMatchObject({ status: 'warn', observed: { value: expect.any(Number) } });
    expect(late['backups.database-freshness']!.observed!.value).toBeGreaterThanOrEqual(8 * 3600);

    editManifest(dir, ids.dbDir!, (m) => { m.created = hours(13); });
    editManifest(dir, ids.db!, (m) => { m.created = hours(14); });
    editManifest(dir, ids.app!, (m) => { m.created = hours(49); });
    editManifest(dir, ids.config!, (m) => { m.created = hours(15 * 24); });
    const r = await nvcops(['backup', 'verify', '--config', configFor(dir), '--format', 'json']);
    expect(r.exitCode).toBe(2);
    const byId = results(r.stdout);
    expect(byId['backups.database-freshness']).toMatchObject({ status: 'fail', message: expect.stringContaining(ids.dbDir!) });
    expect(byId['backups.application-freshness']!.status).toBe('fail');
    expect(byId['backups.configuration-freshness']!.status).toBe('fail');
    expect(byId['backups.logs-freshness']!.status).toBe('pass');
  });

  it('fails an empty repository, errs on an unreadable manifest, and skips when no repository is configured', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'nvcops-empty-repo-'));
    writeFileSync(join(empty, 'db-x.manifest.json'), '{"id": "db-x", "kind": "tape"}');
    const r = await nvcops(['backup', 'verify', '--config', configFor(empty), '--format', 'json']);
    expect(r.exitCode).toBe(2);
    const byId = results(r.stdout);
    // The newest backup may be the one whose manifest cannot be read: its age is unknown, not judged.
    expect(byId['backups.database-freshness']).toMatchObject({ status: 'error', message: expect.stringMatching(/^the newest database backup's manifest cannot be read \(none is readable\): db-x\.manifest\.json: version: /) });
    const bare = mkdtempSync(join(tmpdir(), 'nvcops-empty-repo-'));
    const nothing = results((await nvcops(['backup', 'verify', '--config', configFor(bare), '--format', 'json'])).stdout);
    expect(nothing['backups.database-freshness']).toMatchObject({ status: 'fail', message: `no database backup in ${bare}` });
    expect(byId['backups.checksums']).toMatchObject({ status: 'fail', message: 'unreadable manifest db-x.manifest.json' });
    expect(byId['backups.checksums']!.details![0]).toMatch(/^unreadable manifest db-x\.manifest\.json: version: /);

    const none = writeConfig({ postgres: { url: pg.url } });
    const skipped = results((await nvcops(['backup', 'verify', '--config', none, '--format', 'json'])).stdout);
    expect(skipped['backups.checksums']).toMatchObject({ status: 'skip', message: expect.stringContaining('backups.directory') });
  });

  it('renders the verify report in every format with the documented exit codes', async () => {
    const dir = copyRepo();
    for (const id of [ids.db!, ids.dbDir!]) editManifest(dir, id, (m) => { m.created = hours(8); });
    const cfg = configFor(dir);
    const nagios = await nvcops(['backup', 'verify', '--config', cfg, '--format', 'nagios']);
    expect(nagios.exitCode).toBe(1);
    expect(nagios.stdout).toMatch(/^NVCOPS WARNING/);
    expect(nagios.stdout).toContain("'backups.database-freshness'=");
    const junit = await nvcops(['backup', 'verify', '--config', cfg, '--format', 'junit', '--fail-on', 'fail']);
    expect(junit.exitCode).toBe(0);
    expect(junit.stdout).toContain('<testsuite name="Database: Every 6 hours + transaction log backup"');
    const human = await nvcops(['backup', 'verify', '--config', cfg]);
    expect(human.stdout).toContain('Database backed up every 6 hours');
    expect(secretsIn(human.stdout, PASSWORD, pg)).toEqual([]);
  });

  it.each([['Ctrl-C', 130, 'SIGINT'], ['SIGTERM', 143, 'SIGTERM']] as const)('%s while pg_dump waits on a lock stops it, removes the partial backup and exits %s', async (_, code, signal) => {
    const holder = await pg.connect('postgres', 'bank');
    await holder.query('BEGIN; LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE');
    const manifests = () => readdirSync(repo).filter((f) => f.endsWith('.manifest.json')).length;
    const before = manifests();
    try {
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PG|NVCOPS_)/.test(k)));
      const stateHome = mkdtempSync(join(tmpdir(), 'nvcops-state-'));
      const child = execa('node', [CLI, 'backup', 'db', '--config', config], { reject: false, extendEnv: false, env: { ...env, NO_COLOR: '1', XDG_STATE_HOME: stateHome } });
      let waiting = false;
      for (let i = 0; i < 300 && !waiting; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const partial = readdirSync(repo).some((f) => f.startsWith('.partial-'));
        const [{ n }] = (await pg.sql<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'nvcops' AND wait_event_type = 'Lock'")) as [{ n: string }];
        waiting = partial && Number(n) > 0;
      }
      expect(waiting).toBe(true);
      child.kill(signal);
      const r = await child;
      expect(r.exitCode).toBe(code);
      expect(r.stderr.trim()).toBe('nvcops: interrupted: nothing was stored (the partial backup was removed)');
      expect(readdirSync(repo).filter((f) => f.startsWith('.partial-'))).toEqual([]);
      expect(manifests()).toBe(before);
      const audit = await nvcops(['audit', 'show', '--config', config, '--action', 'backup db', '--format', 'json'], { env: { XDG_STATE_HOME: stateHome } });
      expect(JSON.parse(audit.stdout)).toMatchObject([{ phase: 'event', outcome: 'interrupted', message: 'interrupted: nothing was stored (the partial backup was removed)' }]);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });

  it('a frozen server cannot hold backup db forever: past backups.dbTimeout pg_dump is stopped, nothing is stored, the audit says so (exit 69)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'nvcops-repo-'));
    const stateHome = mkdtempSync(join(tmpdir(), 'nvcops-state-'));
    const timed = configFor(directory, { backups: { directory, dbTimeout: '4s' } });
    // The dump's sessions wait on a lock, then their backends are stopped: the server never answers them again.
    const holder = await pg.connect('postgres', 'bank');
    await holder.query('BEGIN; LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE');
    let frozen: number[] = [];
    try {
      const started = Date.now();
      const backup = nvcops(['backup', 'db', '--config', timed], { env: { XDG_STATE_HOME: stateHome }, timeoutMs: 60_000 });
      for (let i = 0; i < 100 && frozen.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 50));
        frozen = (await pg.sql<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'nvcops' AND wait_event_type = 'Lock'")).map((r) => r.pid);
      }
      expect(frozen).toHaveLength(2);
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
      const r = await backup;
      expect([r.exitCode, r.stdout, r.stderr]).toEqual([69, '', 'nvcops: backup db timed out after 4s (backups.dbTimeout): pg_dump stopped, its partial dump removed']);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(readdirSync(directory)).toEqual([]);
      const audit = await nvcops(['audit', 'show', '--config', timed, '--action', 'backup db', '--format', 'json'], { env: { XDG_STATE_HOME: stateHome } });
      expect(JSON.parse(audit.stdout)).toMatchObject([{ phase: 'event', outcome: 'failed', message: 'nothing was stored: backup db timed out after 4s (backups.dbTimeout): pg_dump stopped, its partial dump removed' }]);
      const pgDumps = await execa('pgrep', ['-f', `pg_dump.*${pg.port}`], { reject: false });
      expect(pgDumps.stdout).toBe('');
    } finally {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
      await holder.query('ROLLBACK');
      await holder.end();
    }
  }, 90_000);

  it('refuses a missing pg_dump with one line naming the package (exit 69), and leaves nothing behind', async () => {
    const r = await nvcops(['backup', 'db', '--config', config], { env: { PG_BIN: '/nonexistent/bin' } });
    expect(r.exitCode).toBe(69);
    expect(r.stderr.trim()).toBe('nvcops: pg_dump not found in PG_BIN (/nonexistent/bin): install the postgresql-client package or point PG_BIN at its bin directory');
    expect(readdirSync(repo).filter((f) => f.startsWith('.partial'))).toEqual([]);
  });

  it('reports a server that refuses as one line (exit 69) and writes no manifest', async () => {
    const before = readdirSync(repo).length;
    const down = writeConfig({ postgres: { url: `postgres://postgres:${PASSWORD}@127.0.0.1:1/bank` }, backups: { directory: repo } });
    const r = await nvcops(['backup', 'db', '--config', down]);
    expect(r.exitCode).toBe(69);
    expect(r.stderr).toMatch(/^nvcops: PostgreSQL 127\.0\.0\.1:1\/bank: .*ECONNREFUSED/);
    expect(secretsIn(r.stderr, PASSWORD, pg)).toEqual([]);
    expect(readdirSync(repo).length).toBe(before);
  });

  it('notes a backup that failed in the audit trail, without the password, and still exits with the backup\'s own error', async () => {
    const stateHome = mkdtempSync(join(tmpdir(), 'nvcops-backup-state-'));
    const gone = writeConfig({ postgres: { url: pg.urlFor('postgres', 'no_such_bank') }, backups: { directory: repo } });
    const down = writeConfig({ postgres: { url: `postgres://postgres:${PASSWORD}@127.0.0.1:1/bank` }, backups: { directory: repo } });
    const missing = await nvcops(['backup', 'db', '--config', gone], { env: { XDG_STATE_HOME: stateHome } });
    expect(missing.exitCode).toBe(69);
    expect(missing.stderr).toContain('database "no_such_bank" does not exist');
    const refused = await nvcops(['backup', 'db', '--config', down], { env: { XDG_STATE_HOME: stateHome } });
    expect(refused.exitCode).toBe(69);
    const shown = await nvcops(['audit', 'show', '--config', gone, '--action', 'backup db', '--format', 'json'], { env: { XDG_STATE_HOME: stateHome } });
    expect(shown.exitCode).toBe(0);
    const records: { phase: string; outcome: string; message: string }[] = JSON.parse(shown.stdout);
    expect(records.map((x) => [x.phase, x.outcome])).toEqual([['event', 'failed'], ['event', 'failed']]);
    expect(records.map((x) => x.message)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^nothing was stored: .*database "no_such_bank" does not exist/),
      expect.stringMatching(/^nothing was stored: .*ECONNREFUSED/),
    ]));
    expect(secretsIn(shown.stdout, PASSWORD, pg)).toEqual([]);
  });
});

describe('backup verify: transaction log archiving', () => {
  it('fails when archive_command is broken, naming the segment it cannot archive', async () => {
    const pg = await startPostgres({ settings: { archive_mode: 'on', archive_command: 'false' } });
    try {
      await switchWal(pg, 'failed');
      const r = await nvcops(['backup', 'verify', '--config', writeConfig({ postgres: { url: pg.url } }), '--format', 'json']);
      const wal = results(r.stdout)['backups.wal-archiving']!;
      expect(wal.status).toBe('fail');
      expect(wal.message).toMatch(/^archiving is failing: [0-9A-F]{24} could not be archived .*\d+ failed attempts/);
      expect(wal.details).toContain("archive_mode on; archive_command 'false'");
      expect(r.exitCode).toBe(2);
    } finally {
      await pg.stop();
    }
  });

  it('fails when archive_mode is off: no transaction log backup at all', async () => {
    const pg = await startPostgres();
    try {
      const r = await nvcops(['backup', 'verify', '--config', writeConfig({ postgres: { url: pg.url } }), '--format', 'json']);
      expect(results(r.stdout)['backups.wal-archiving']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^archive_mode is off/) });
    } finally {
      await pg.stop();
    }
  });
});

describe('a backups.directory that cannot be used', () => {
  it('is exit 78 naming the key for listing, taking and restoring, and error in the checks; the file is left alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-repo-file-'));
    const file = join(dir, 'backups');
    writeFileSync(file, 'not a repository\n');
    const from = mkdtempSync(join(tmpdir(), 'nvcops-conf-src-'));
    for (const directory of [file, join(file, 'nvcfund')]) {
      const config = writeConfig({ backups: { directory } });
      const message = `nvcops: invalid configuration: backups.directory: ${directory} is a file, or lies under one; name a directory (local or mounted storage) for the backups`;
      for (const args of [['backup', 'list'], ['backup', 'config', '--from', from], ['backup', 'restore-config', '--date', '2025-01-01', '--target', join(dir, 'etc'), '--yes']]) {
        const r = await nvcops([...args, '--config', config]);
        expect([r.exitCode, r.stdout, r.stderr]).toEqual([78, '', message]);
      }
      const verify = await nvcops(['backup', 'verify', '--config', config, '--format', 'json']);
      expect(results(verify.stdout)['backups.checksums']).toMatchObject({ status: 'error', message: message.replace('nvcops: invalid configuration: ', '') });
    }
    expect(readdirSync(dir)).toEqual(['backups']);
    expect(readFileSync(file, 'utf8')).toBe('not a repository\n');
  });

  it('backup list of a repository that is not there (storage not mounted) is one line and exit 69, not an unexpected error', async () => {
    const directory = join(mkdtempSync(join(tmpdir(), 'nvcops-repo-')), 'unmounted');
    const r = await nvcops(['backup', 'list', '--config', writeConfig({ backups: { directory } })]);
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([69, '', `nvcops: backups.directory ${directory}: no such directory`]);
  });
});

describe('empty flag values (an unset shell variable)', () => {
  it('backup app and restore-app refuse an empty --app-version (a backup without one could never be restored by it); nothing stored', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'nvcops-repo-'));
    const config = writeConfig({ backups: { directory } });
    const from = mkdtempSync(join(tmpdir(), 'nvcops-app-src-'));
    const message = "option '--app-version <version>' argument '' is invalid. use a version such as 1.4.2; it cannot be empty";
    for (const args of [['backup', 'app', '--from', from, '--app-version', ''], ['backup', 'restore-app', '--app-version', '', '--target', join(from, 'x'), '--yes']]) {
      const r = await nvcops([...args, '--config', config]);
      expect([r.exitCode, r.stdout, r.stderr]).toEqual([64, '', `nvcops: ${message} (run with --help for usage)`]);
    }
    expect(readdirSync(directory)).toEqual([]);
  });

  it('the restores refuse an empty --target, which would have restored into the working directory, moving it aside', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'nvcops-repo-'));
    const config = writeConfig({ backups: { directory } });
    const from = mkdtempSync(join(tmpdir(), 'nvcops-app-src-'));
    writeFileSync(join(from, 'app.js'), 'v1\n');
    expect((await nvcops(['backup', 'app', '--from', from, '--app-version', '1.0', '--config', config])).exitCode).toBe(0);
    const cwd = mkdtempSync(join(tmpdir(), 'nvcops-cwd-'));
    writeFileSync(join(cwd, 'work-in-progress.txt'), 'mine\n');
    for (const [args, flag] of [
      [['backup', 'restore-app', '--app-version', '1.0', '--target', '', '--yes'], "'--target <dir>' argument '' is invalid. use a directory such as /srv/app"],
      [['backup', 'restore-config', '--date', '2099-01-01', '--target', '', '--yes'], "'--target <dir>' argument '' is invalid. use a directory such as /srv/app"],
      [['backup', 'restore-db', '--backup-id', 'db-x', '--target', '', '--yes'], "'--target <database>' argument '' is invalid. use a database name such as bank_restored"],
    ] as const) {
      const r = await nvcops([...args, '--config', config], { cwd });
      expect([r.exitCode, r.stdout, r.stderr]).toEqual([64, '', `nvcops: option ${flag}; it cannot be empty (run with --help for usage)`]);
    }
    expect(readdirSync(cwd)).toEqual(['work-in-progress.txt']);
  });
});
