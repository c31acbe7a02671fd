import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';
import { secretsIn, startPostgres, type PgServer } from './support/servers.js';

const PASSWORD = 'Restore-S3cret-pw';

interface Outcome { title: string; status: string; message: string; data?: Record<string, unknown> }

describe('Recovery Procedures against a real PostgreSQL', () => {
  let pg: PgServer;
  let repo: string;
  let config: string;
  let protectedConfig: string;
  let stateHome: string;
  let dbBackup: string;
  const run = (args: string[]) => nvcops(args, { env: { XDG_STATE_HOME: stateHome } });
  const databases = async () => (await pg.sql<{ datname: string }>('SELECT datname FROM pg_database ORDER BY 1')).map((r) => r.datname);
  const count = async (db: string, table: string) => {
    const c = await pg.connect('postgres', db);
    try {
      return Number((await c.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    pg = await startPostgres();
    await pg.sql('CREATE DATABASE bank');
    const bank = await pg.connect('postgres', 'bank');
    await bank.query(`CREATE TABLE accounts (id int PRIMARY KEY, balance numeric);
      INSERT INTO accounts SELECT g, g FROM generate_series(1, 500) g;
      CREATE TABLE audit_log (id serial, at timestamptz DEFAULT now());
      INSERT INTO audit_log (at) SELECT now() FROM generate_series(1, 120);`);
    await bank.end();
    repo = mkdtempSync(join(tmpdir(), 'nvcops-restore-repo-'));
    stateHome = mkdtempSync(join(tmpdir(), 'nvcops-restore-state-'));
    const base = { postgres: { url: pg.urlFor('nvcops_monitor', 'bank'), adminUrl: pg.urlFor('postgres', 'bank') }, backups: { directory: repo } };
    config = writeConfig({ environment: 'staging', ...base });
    protectedConfig = writeConfig({ environment: 'production', ...base });
    const r = await run(['backup', 'db', '--config', config, '--format', 'json']);
    expect(r.exitCode).toBe(0);
    dbBackup = JSON.parse(r.stdout).manifest.id;
    // Changes after the backup: a restore must bring back the backup's state, not these.
    await pg.sql('CREATE TABLE IF NOT EXISTS unrelated (x int)');
    const again = await pg.connect('postgres', 'bank');
    await again.query('INSERT INTO accounts SELECT g, g FROM generate_series(501, 520) g');
    await again.end();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('shows the plan and does nothing with --dry-run, or without --yes off a terminal (exit 64)', async () => {
    const dry = await run(['backup', 'restore-db', '--config', config, '--backup-id', dbBackup, '--dry-run']);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain(`Verify ${dbBackup} against its manifest (size, sha256)`);
    expect(dry.stdout).toMatch(/Compare the row counts of 2 tables with the manifest/);
    expect(dry.stdout).toContain('dry run: nothing was done.');
    const refused = await run(['backup', 'restore-db', '--config', config, '--backup-id', dbBackup]);
    expect(refused.exitCode).toBe(64);
    expect(refused.stdout).toContain('refused: not confirmed: add --yes');
    expect((await databases()).filter((d) => d.startsWith('bank_'))).toEqual([]);
  });

  it('restores into a new database by default, verifies row counts against the manifest and reports the time taken', async () => {
    const r = await run(['backup', 'restore-db', '--config', config, '--backup-id', dbBackup, '--yes', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ action: 'backup restore-db', status: 'done', exitCode: 0 });
    const outcomes: Outcome[] = result.outcomes;
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'done', 'done', 'done']);
    expect(outcomes[2]!.data!.rows).toEqual([
      { table: 'public.accounts', expected: 500, actual: 500 },
      { table: 'public.audit_log', expected: 120, actual: 120 },
    ]);
    expect(outcomes[2]!.data!.queryableMs).toBeGreaterThan(0);
    expect(outcomes[3]!.message).toMatch(/restore took .+ in all/);
    const target = outcomes[3]!.data!.database as string;
    expect(target).toMatch(/^bank_restored_\d{8}t\d{6}$/);
    expect(await count(target, 'accounts')).toBe(500);
    expect(await count('bank', 'accounts')).toBe(520);
    expect(secretsIn(r.stdout, PASSWORD, pg)).toEqual([]);
  });

  it('refuses an existing target without --replace, and --replace without --confirm-env', async () => {
    const exists = await run(['backup', 'restore-db', '--config', config, '--backup-id', dbBackup, '--target', 'bank', '--yes']);
    expect(exists.exitCode).toBe(64);
    expect(exists.stderr).toMatch(/^nvcops: --target: database "bank" already exists on 127\.0\.0\.1:\d+; restore into a new database .* or add --replace/);
    const unconfirmed = await run(['backup', 'restore-db', '--config', config, '--backup-id', dbBackup, '--target', 'bank', '--replace', '--yes']);
    expect(unconfirmed.exitCode).toBe(64);
    expect(unconfirmed.stdout).toContain('refused: this replaces a live database (in any environment): add --confirm-env staging (and --yes) to go ahead; nothing was done');
    expect(await count('bank', 'accounts')).toBe(520);
  });

  it('replaces a live database with --replace --confirm-env: sessions ended, the old one kept under a new name', async () => {
    const app = await pg.connect('postgres', 'bank');
    const r = await run(['backup', 'restore-db', '--config', config, '--backup-id', dbBackup, '--target', 'bank', '--replace', '--confirm-env', 'staging', '--yes']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('--replace: sessions on "bank" are ended and the live database is renamed to "bank_before_restore_');
    expect(await count('bank', 'accounts')).toBe(500);
    const kept = (await databases()).find((d) => d.startsWith('bank_before_restore_'))!;
    expect(await count(kept, 'accounts')).toBe(520);
    await expect(app.query('SELECT 1')).rejects.toThrow();
  });

  it('never restores into template0, template1, postgres or the database of nvcops\' own state store, even with --replace --confirm-env', async () => {
    const stateConfig = writeConfig({ environment: 'staging', postgres: { url: pg.urlFor('postgres', 'bank') }, backups: { directory: repo }, state: { url: pg.urlFor('postgres', 'nvcops_state') } });
    for (const [target, cfg, why] of [
      ['template0', config, 'is a system database'], ['template1', config, 'is a system database'], ['postgres', config, 'is a system database'],
      ['nvcops_state', stateConfig, "holds nvcops' own audit trail and history (state.url)"],
    ] as const) {
      const r = await run(['backup', 'restore-db', '--config', cfg, '--backup-id', dbBackup, '--target', target, '--replace', '--confirm-env', 'staging', '--yes']);
      expect([r.exitCode, r.stdout], target).toEqual([64, '']);
      expect(r.stderr.trim().split('\n'), target).toEqual([expect.stringMatching(new RegExp(`^nvcops: --target: "${target}" ${why.replace(/[()]/g, '\\$&')}`))]);
    }
    // template1 is still empty: a new database is not a copy of the bank's.
    const t1 = await pg.connect('postgres', 'template1');
    try {
      expect((await t1.query("SELECT count(*)::int AS n FROM pg_class WHERE relname = 'accounts'")).rows[0].n).toBe(0);
    } finally {
      await t1.end();
    }
    expect((await databases()).filter((d) => d.startsWith('template') || d.includes('_before_restore_') && !d.startsWith('bank'))).toEqual(['template0', 'template1']);
  });

  it('needs --confirm-env in a protected environment, whatever else is given', async () => {
    const r = await run(['backup', 'restore-db', '--config', protectedConfig, '--backup-id', dbBackup, '--target', 'bank_copy', '--yes']);
    expect(r.exitCode).toBe(64);
    expect(r.stdout).toContain('production is protected: add --confirm-env production');
    expect(await databases()).not.toContain('bank_copy');
  });

  /** Restores into a new `target` with the manifest's row counts changed: the check step fails; gives its message once the staging copy is seen gone. */
  const failedCheck = async (counts: Record<string, number>, target: string): Promise<string> => {
    const path = join(repo, `${dbBackup}.manifest.json`);
    const original = readFileSync(path, 'utf8');
    const m = JSON.parse(original);
    Object.assign(m.postgres.rowCounts, counts);
    writeFileSync(path, JSON.stringify(m));
    try {
      const r = await run(['backup', 'restore-db', '--config', config, '--backup-id', dbBackup, '--target', target, '--yes', '--format', 'json']);
      expect(r.exitCode).toBe(2);
      const outcomes: Outcome[] = JSON.parse(r.stdout).outcomes;
      expect(outcomes.map((o) => o.status)).toEqual(['done', 'done', 'failed', 'not run']);
      expect((await databases()).filter((d) => d.startsWith(target))).toEqual([]);
      return outcomes[2]!.message;
    } finally {
      writeFileSync(path, original);
    }
  };

  it('stops before touching the target when the restored row counts differ from the manifest, and drops the staging copy', async () => {
    expect(await failedCheck({ 'public.accounts': 501, 'public.missing_table': 3 }, 'bank_check')).toBe(
      'row counts differ from the manifest: public.accounts: 500 rows, manifest 501; public.missing_table: missing, manifest 3; "bank_check_nvcops_restoring" dropped',
    );
  });

  it('never restores a backup whose checksum does not match', async () => {
    const file = join(repo, `${dbBackup}.dump`);
    const original = readFileSync(file);
    const bad = Buffer.from(original);
    bad[bad.length - 10] = bad[bad.length - 10]! ^ 0xff;
    writeFileSync(file, bad);
    try {
      const r = await run(['backup', 'restore-db', '--config', config, '--backup-id', dbBackup, '--target', 'bank_corrupt', '--yes']);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toMatch(/✖ 1\. Verify .* — not restoring db-\S+: db-\S+\.dump: SHA-256 [0-9a-f]{16}… does not match/);
      expect(await databases()).not.toContain('bank_corrupt_nvcops_restoring');
    } finally {
      writeFileSync(file, original);
    }
  });

  it('names the backups that exist when the id is unknown (exit 64)', async () => {
    const r = await run(['backup', 'restore-db', '--config', config, '--backup-id', 'db-nope', '--yes']);
    expect(r.exitCode).toBe(64);
    expect(r.stderr.trim()).toBe(`nvcops: --backup-id: no db backup "db-nope" in ${repo}; newest: ${dbBackup} (see nvcops backup list)`);
  });

  it('records the restores in the audit trail, before and after', async () => {
    const r = await run(['audit', 'show', '--config', config, '--action', 'backup restore-db', '--format', 'json']);
    expect(r.exitCode).toBe(0);
    const records: { phase: string; outcome?: string; args: string[] }[] = JSON.parse(r.stdout);
    expect(records.filter((x) => x.phase === 'started').length).toBe(records.filter((x) => x.phase === 'finished').length);
    expect(records.filter((x) => x.phase === 'finished').map((x) => x.outcome)).toEqual(['ok', 'ok', 'failed', 'failed']);
    expect(records.map((x) => x.outcome)).toContain('dry-run');
    expect(records.map((x) => x.outcome)).toContain('refused');
    expect(secretsIn(JSON.stringify(records), PASSWORD, pg)).toEqual([]);
    // Taking a backup is noted too: one event with its id and checksum.
    const taken = JSON.parse((await run(['audit', 'show', '--config', config, '--action', 'backup db', '--format', 'json'])).stdout);
    expect(taken[0]).toMatchObject({ phase: 'event', outcome: 'ok', message: `${dbBackup} stored`, details: { id: dbBackup, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
  });

  it('restores a directory-format dump taken with --jobs, in parallel', async () => {
    const taken = await run(['backup', 'db', '--config', config, '--jobs', '2', '--format', 'json']);
    expect(taken.exitCode).toBe(0);
    const { manifest } = JSON.parse(taken.stdout);
    expect(manifest.postgres.format).toBe('directory');
    const r = await run(['backup', 'restore-db', '--config', config, '--backup-id', manifest.id, '--target', 'bank_parallel', '--jobs', '2', '--yes', '--format', 'json']);
    expect(r.exitCode).toBe(0);
    // "bank" holds the 500 accounts the --replace restore above put back.
    expect(JSON.parse(r.stdout).outcomes[2].data.rows).toEqual([
      { table: 'public.accounts', expected: 500, actual: 500 },
      { table: 'public.audit_log', expected: 120, actual: 120 },
    ]);
    expect(await count('bank_parallel', 'accounts')).toBe(500);
  });

  it('restores into names with commas, spaces, quotes, percent signs, slashes and unicode, and refuses ? and # up front', async () => {
    for (const target of ['bank,eu', 'bank eu', `bank "q" 'x'`, 'bänk€/eu;a:b@c&d=e+f$', 'bank%2Ceu']) {
      const r = await run(['backup', 'restore-db', '--config', config, '--backup-id', dbBackup, '--target', target, '--yes', '--format', 'json']);
      expect(r.stderr, target).toBe('');
      expect([r.exitCode, JSON.parse(r.stdout).outcomes.map((o: Outcome) => o.status)], target).toEqual([0, ['done', 'done', 'done', 'done']]);
      expect(await count(target, 'accounts'), target).toBe(500);
      expect(await databases(), target).not.toContain(`${target}_nvcops_restoring`);
      await pg.sql(`DROP DATABASE "${target.replace(/"/g, '""')}"`);
    }
    for (const target of ['bank?eu', 'bank#eu']) {
      const r = await run(['backup', 'restore-db', '--config', config, '--backup-id', dbBackup, '--target', target, '--yes']);
      expect([r.exitCode, r.stdout, r.stderr.trim()]).toEqual([64, '', `nvcops: --target: "${target}": database names with ? or # are not supported; name another database`]);
    }
    expect((await databases()).filter((d) => d.includes('eu'))).toEqual([]);
  });

  it('drops the staging database when the check after pg_restore fails, whatever the failure', async () => {
    // A table name the server rejects outright (a NUL byte): the count fails with an error, not a mismatch.
    expect(await failedCheck({ 'public.bad\u0000name': 1 }, 'bank_nul')).toMatch(/; "bank_nul_nvcops_restoring" dropped$/);
  });

  it('names the staging and kept databases of a long non-ASCII target within 63 bytes, exactly as the server then has them', async () => {
    // 61 bytes: 'a' and 30 two-byte letters; the suffixes leave room for 45 and 31 bytes, cut between letters.
    const target = `a${'б'.repeat(30)}`;
    await pg.sql(`CREATE DATABASE "${target}"`);
    const r = await run(['backup', 'restore-db', '--config', config, '--backup-id', dbBackup, '--target', target, '--replace', '--confirm-env', 'staging', '--yes', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const outcomes: Outcome[] = JSON.parse(r.stdout).outcomes;
    // The live database was renamed to what the plan said, not to a name the server cut.
    const keptAs = outcomes.at(-1)!.data!.keptAs as string;
    const now = await databases();
    expect(now).toContain(keptAs);
    expect(now).toContain(target);
    expect(keptAs).toMatch(new RegExp(`^a${'б'.repeat(15)}_before_restore_\\d{8}t\\d{6}$`));
    const staging = `a${'б'.repeat(22)}_nvcops_restoring`;
    expect(outcomes.map((o) => o.title)).toContain(`Create database "${staging}" and pg_restore ${dbBackup} into it`);
    expect(now).not.toContain(staging);
    expect(await count(target, 'accounts')).toBe(500);
    await pg.sql(`DROP DATABASE "${target}"`);
    await pg.sql(`DROP DATABASE "${keptAs}"`);
  });
});

describe('restore-db --replace when the live database cannot be renamed aside', () => {
  let pg: PgServer;
  let config: string;
  let stateHome: string;
  let backupId: string;
  const run = (args: string[]) => nvcops(args, { env: { XDG_STATE_HOME: stateHome } });
  const replace = (format: string[] = ['--format', 'json']) =>
    run(['backup', 'restore-db', '--config', config, '--backup-id', backupId, '--target', 'bank', '--replace', '--confirm-env', 'staging', '--yes', ...format]);
  const databases = async () => (await pg.sql<{ datname: string; datallowconn: boolean }>('SELECT datname, datallowconn FROM pg_database WHERE datname LIKE $1 ORDER BY 1', ['bank%']));
  /** A new session on "bank": fails if the database refuses connections or is gone. */
  const accounts = async () => {
    const c = await pg.connect('postgres', 'bank');
    try {
      return Number((await c.query('SELECT count(*) AS n FROM accounts')).rows[0].n);
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    pg = await startPostgres({ settings: { max_prepared_transactions: 5 } });
    await pg.sql('CREATE DATABASE bank');
    const bank = await pg.connect('postgres', 'bank');
    await bank.query('CREATE TABLE accounts (id int PRIMARY KEY, balance numeric); INSERT INTO accounts SELECT g, g FROM generate_series(1, 300) g');
    stateHome = mkdtempSync(join(tmpdir(), 'nvcops-restore-held-state-'));
    config = writeConfig({ environment: 'staging', postgres: { url: pg.urlFor('nvcops_monitor', 'bank'), adminUrl: pg.urlFor('postgres', 'bank') }, backups: { directory: mkdtempSync(join(tmpdir(), 'nvcops-restore-held-repo-')) } });
    const r = await run(['backup', 'db', '--config', config, '--format', 'json']);
    expect(r.exitCode).toBe(0);
    backupId = JSON.parse(r.stdout).manifest.id;
    // After the backup: a replacing restore takes "bank" back to 300 rows.
    await bank.query('INSERT INTO accounts SELECT g, g FROM generate_series(301, 350) g');
    await bank.end();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('refuses before touching anything when a prepared transaction holds the live database, and a re-run after ROLLBACK PREPARED replaces it', async () => {
    const app = await pg.connect('postgres', 'bank');
    await app.query("BEGIN; INSERT INTO accounts VALUES (9999, 0); PREPARE TRANSACTION 'p1'");
    const dry = await replace(['--dry-run']);
    expect(dry.stdout).toMatch(/▲ prepared transactions hold "bank": 'p1' \(prepared \S+ by postgres\); the restore stops at step 1/);
    const r = await replace();
    expect(r.exitCode).toBe(2);
    const outcomes: Outcome[] = JSON.parse(r.stdout).outcomes;
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'not run', 'not run', 'not run', 'not run']);
    expect(outcomes[0]!.message).toMatch(/^"bank" cannot be renamed aside: a prepared transaction holds it: 'p1' \(prepared .+ by postgres\); COMMIT PREPARED or ROLLBACK PREPARED it, then run the restore again; nothing was done$/);
    // The live database is untouched: it takes new sessions, keeps its rows, and no staging copy was made.
    expect(await databases()).toEqual([{ datname: 'bank', datallowconn: true }]);
    expect(await accounts()).toBe(350);
    expect(secretsIn(r.stdout, PASSWORD, pg)).toEqual([]);

    await app.query("ROLLBACK PREPARED 'p1'");
    await app.end();
    const again = await replace();
    expect(again.exitCode).toBe(0);
    expect(await accounts()).toBe(300);
    const kept = (await databases()).find((d) => d.datname.startsWith('bank_before_restore_'))!;
    expect(kept.datallowconn).toBe(true);
    await pg.sql(`DROP DATABASE ${kept.datname}`);
  });

  it('puts the live database back, taking connections, when a session outlives termination and the rename fails; a re-run drops the copy left behind and replaces it', async () => {
    const app = await pg.connect('postgres', 'bank');
    await app.query('INSERT INTO accounts SELECT g, g FROM generate_series(1001, 1010) g');
    const before = await accounts();
    // A stopped backend cannot act on pg_terminate_backend: it stays, and the rename is refused.
    const pid = Number((await app.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    process.kill(pid, 'SIGSTOP');
    // Once resumed, the backend ends (it was terminated while stopped): a second SIGCONT finds no process.
    const resume = () => { try { process.kill(pid, 'SIGCONT'); } catch { /* ended already */ } };
    let r;
    try {
      const replacing = replace();
      // Dropping the staging copy waits until every backend, the stopped one too, has seen it: it goes on once the session does.
      for (let dropping = false; !dropping; await new Promise((res) => setTimeout(res, 100))) {
        dropping = (await pg.sql("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'DROP DATABASE IF EXISTS \"bank_nvcops_restoring\"%' AND state = 'active'")).length > 0;
      }
      resume();
      r = await replacing;
    } finally {
      resume();
    }
    expect(r.exitCode).toBe(2);
    const outcomes: Outcome[] = JSON.parse(r.stdout).outcomes;
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'done', 'done', 'done', 'failed']);
    expect(outcomes[4]!.message).toMatch(/^"bank" was not replaced: renaming the live "bank" aside failed \(database "bank" is being accessed by other users\); the live "bank" is as it was \(name and data\) and accepts connections again; "bank_nvcops_restoring" dropped$/);
    expect(await databases()).toEqual([{ datname: 'bank', datallowconn: true }]);
    expect(await accounts()).toBe(before);

    // The session is gone now. A copy a killed run left behind: the re-run says it drops it, and replaces "bank".
    await pg.sql('CREATE DATABASE bank_nvcops_restoring');
    const again = await replace([]);
    expect(again.stdout).toContain('▲ "bank_nvcops_restoring" is left from an earlier restore that did not finish: it is dropped and restored again');
    expect(again.exitCode).toBe(0);
    expect((await databases()).map((d) => d.datname)).toEqual(['bank', expect.stringMatching(/^bank_before_restore_/)]);
    expect(await accounts()).toBe(300);

    const audit = await run(['audit', 'show', '--config', config, '--action', 'backup restore-db', '--format', 'json']);
    const finished = JSON.parse(audit.stdout).filter((x: { phase: string }) => x.phase === 'finished').map((x: { outcome: string }) => x.outcome);
    expect(finished).toEqual(['failed', 'ok', 'failed', 'ok']);
  });
});

describe('restores refuse a --target that would hit the wrong thing', () => {
  it('restore-app and restore-config: never the directory of nvcops\' own config, state or backups, a system directory, the temporary or home directory, nor . or a link resolving to one', async () => {
    const base = join(mkdtempSync(join(tmpdir(), 'nvcops-srv-')), 'ops');
    mkdirSync(join(base, 'state'), { recursive: true });
    const config = join(base, 'nvcops.yaml');
    writeFileSync(config, stringify({ environment: 'staging', backups: { directory: 'backups' }, state: { path: 'state' } }));
    const from = mkdtempSync(join(tmpdir(), 'nvcops-app-src-'));
    writeFileSync(join(from, 'app.js'), 'v1\n');
    expect((await nvcops(['backup', 'app', '--from', from, '--app-version', '1.0', '--config', config])).exitCode).toBe(0);
    expect((await nvcops(['backup', 'config', '--from', from, '--config', config])).exitCode).toBe(0);
    const tree = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
    const before = tree(base);
    const links = mkdtempSync(join(tmpdir(), 'nvcops-links-'));
    symlinkSync('/', join(links, 'root'));
    symlinkSync(join(base, 'state'), join(links, 'state'));
    const cases: [string, string, RegExp][] = [
      [base, base, /is nvcops' own directory of the configuration/],
      ['.', base, /^\. \(.*\) is nvcops' own directory of the configuration/],
      [dirname(base), base, /holds the configuration of nvcops/],
      [join(base, 'backups'), base, /is nvcops' own directory of the backups/],
      [join(base, 'state'), base, /is nvcops' own directory of the state/],
      [join(base, 'state', 'audit.jsonl'), base, /is inside the state .* and would be moved aside/],
      [join(links, 'state'), base, /\(.*\/state\) is nvcops' own directory of the state/],
      ['/', base, /is a system directory/],
      [join(links, 'root'), base, /\(\/\) is a system directory/],
      ['/etc', base, /is a system directory/],
      ['/usr/', base, /is a system directory/],
      ['/proc/sys/kernel', base, /is under \/proc/],
      [config, base, /is nvcops' own configuration file/],
      [tmpdir(), base, /is the temporary directory/],
      ['.', tmpdir(), /^\. \(.*\) is the temporary directory/],
      [homedir(), base, /is the home directory/],
    ];
    for (const [target, cwd, why] of cases) {
      for (const args of [['backup', 'restore-app', '--app-version', '1.0'], ['backup', 'restore-config', '--date', '2099-01-01']]) {
        const r = await nvcops([...args, '--target', target, '--yes', '--config', config], { cwd });
        expect([r.exitCode, r.stdout], `${args[1]} ${target}`).toEqual([64, '']);
        expect(r.stderr.trim().split('\n'), `${args[1]} ${target}`).toEqual([expect.stringMatching(/^nvcops: --target: /)]);
        expect(r.stderr.slice('nvcops: --target: '.length), `${args[1]} ${target}`).toMatch(why);
      }
    }
    expect(tree(base)).toEqual(before);
    // Nothing was moved aside or unpacked next to /, the system directories, /tmp or the home directory.
    for (const parent of ['/', dirname(homedir())]) expect(readdirSync(parent).filter((f) => f.includes('before-restore') || f.includes('nvcops-restoring'))).toEqual([]);
    expect(existsSync('/etc/passwd')).toBe(true);
    // The audit trail is still there to say what happened.
    expect((await nvcops(['audit', 'verify', '--config', config])).exitCode).toBe(0);
  });
});

describe('application and configuration recovery', () => {
  let repo: string;
  let config: string;
  const run = (args: string[]) => nvcops(args);

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'nvcops-artifacts-'));
    config = writeConfig({ environment: 'staging', backups: { directory: repo } });
  });

  const snapshot = async (kind: 'app' | 'config', content: string, extra: string[] = []) => {
    const dir = mkdtempSync(join(tmpdir(), `nvcops-${kind}-src-`));
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'conf.d', 'main.yaml'), content);
    const r = await run(['backup', kind, '--config', config, '--from', dir, '--format', 'json', ...extra]);
    expect(r.exitCode).toBe(0);
    return JSON.parse(r.stdout).manifest as { id: string; created: string };
  };

  it('restores the application artifact of a version, checksum verified, into a new directory', async () => {
    await snapshot('app', 'version: 2.0.0\n', ['--app-version', '2.0.0']);
    await snapshot('app', 'version: 2.1.0\n', ['--app-version', '2.1.0']);
    const target = join(mkdtempSync(join(tmpdir(), 'nvcops-app-dst-')), 'current');
    const r = await run(['backup', 'restore-app', '--config', config, '--app-version', '2.0.0', '--target', target, '--yes']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/SHA-256 [0-9a-f]{16}… matches the manifest/);
    expect(readFileSync(join(target, 'conf.d', 'main.yaml'), 'utf8')).toBe('version: 2.0.0\n');
    const unknown = await run(['backup', 'restore-app', '--config', config, '--app-version', '9.9', '--target', target, '--yes']);
    expect(unknown.exitCode).toBe(64);
    expect(unknown.stderr.trim()).toBe('nvcops: --app-version: no application backup of version 9.9; backed-up versions: 2.0.0, 2.1.0');
  });

  it('never overwrites an existing directory without --yes, and with --yes moves it aside', async () => {
    const target = mkdtempSync(join(tmpdir(), 'nvcops-app-live-'));
    writeFileSync(join(target, 'local-edit.txt'), 'keep me\n');
    const refused = await run(['backup', 'restore-app', '--config', config, '--app-version', '2.1.0', '--target', target]);
    expect(refused.exitCode).toBe(64);
    expect(refused.stdout).toContain(`${target} exists: it is renamed to ${target}.before-restore-`);
    expect(readdirSync(target)).toEqual(['local-edit.txt']);
    const r = await run(['backup', 'restore-app', '--config', config, '--app-version', '2.1.0', '--target', target, '--yes']);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(target, 'conf.d', 'main.yaml'), 'utf8')).toBe('version: 2.1.0\n');
    const kept = readdirSync(join(target, '..')).find((d) => d.startsWith(`${target.split('/').pop()}.before-restore-`))!;
    expect(readFileSync(join(target, '..', kept, 'local-edit.txt'), 'utf8')).toBe('keep me\n');
  });

  it('restores the configuration snapshot nearest before a date, and refuses a date before every snapshot', async () => {
    const first = await snapshot('config', 'tier: one\n');
    const second = await snapshot('config', 'tier: two\n');
    // Back-date the first snapshot so the two fall on different days.
    const path = join(repo, `${first.id}.manifest.json`);
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), created: '2025-03-01T10:00:00.000Z' }));
    const target = join(mkdtempSync(join(tmpdir(), 'nvcops-conf-dst-')), 'etc');
    const r = await run(['backup', 'restore-config', '--config', config, '--date', '2025-03-02', '--target', target, '--yes', '--format', 'json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).summary[0]).toContain(first.id);
    expect(readFileSync(join(target, 'conf.d', 'main.yaml'), 'utf8')).toBe('tier: one\n');
    const latest = join(mkdtempSync(join(tmpdir(), 'nvcops-conf-dst-')), 'etc');
    const now = await run(['backup', 'restore-config', '--config', config, '--date', new Date(Date.now() + 60_000).toISOString(), '--target', latest, '--yes']);
    expect(now.stdout).toContain(second.id);
    expect(readFileSync(join(latest, 'conf.d', 'main.yaml'), 'utf8')).toBe('tier: two\n');
    const early = await run(['backup', 'restore-config', '--config', config, '--date', '2024-01-01', '--target', latest, '--yes']);
    expect(early.exitCode).toBe(64);
    expect(early.stderr).toContain(`--date: no configuration snapshot at or before 2024-01-01T23:59:59.999Z; the oldest is ${first.id}`);
    // 2025-02-29 does not exist: it is refused, not read as 1 March (which would restore the snapshot taken that day).
    const noDay = await run(['backup', 'restore-config', '--config', config, '--date', '2025-02-29', '--target', latest, '--yes']);
    expect([noDay.exitCode, noDay.stderr.trim()]).toEqual([64, 'nvcops: --date: "2025-02-29": no such day; use a date that exists, such as 2025-07-14']);
    expect(readFileSync(join(latest, 'conf.d', 'main.yaml'), 'utf8')).toBe('tier: two\n');
    const bad = await run(['backup', 'restore-config', '--config', config, '--date', 'last tuesday', '--target', latest, '--yes']);
    expect(bad.exitCode).toBe(64);
    expect(bad.stderr.trim()).toBe('nvcops: --date: "last tuesday" is not a date; use YYYY-MM-DD (the snapshot nearest before the end of that day, UTC) or an ISO time such as 2025-07-14T08:00:00Z');
  });

  it('refuses an archive whose checksum does not match, leaving the target alone', async () => {
    const m = await snapshot('app', 'version: 3.0.0\n', ['--app-version', '3.0.0']);
    const file = join(repo, `${m.id}.tar.gz`);
    const bytes = readFileSync(file);
    bytes[20] = bytes[20]! ^ 0xff;
    writeFileSync(file, bytes);
    const target = join(mkdtempSync(join(tmpdir(), 'nvcops-app-dst-')), 'v3');
    const r = await run(['backup', 'restore-app', '--config', config, '--app-version', '3.0.0', '--target', target, '--yes']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toMatch(/not restoring app-\S+: app-\S+\.tar\.gz: SHA-256 [0-9a-f]{16}… does not match the manifest's/);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.nvcops-restoring`)).toBe(false);
  });
});
