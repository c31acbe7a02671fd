/**
 * Recovery Procedures as actions: `backup restore-db` (restore_database.sh --backup-id),
 * `backup restore-app` (restore_application.sh --version), `backup restore-config`
 * (restore_config.sh --date). Each plans from what it finds, so a re-run after an interruption
 * picks up cleanly.
 */
import { existsSync, realpathSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { PlanContext } from '../app/act.js';
import { StepFailure, type ActionPlan } from '../engine/action.js';
import type { Config } from '../engine/config/index.js';
import { ConfigError, UsageError } from '../engine/errors.js';
import { missingTarget } from '../engine/targets.js';
import { PGBACKREST_LABEL, planInPlaceRestore, planPitrRestore } from './pitr.js';
import { counted, formatValue } from '../engine/units.js';
import { isDate } from '../engine/zoned.js';
import { planUnpack, putInPlace, unpackToStaging } from './artifact.js';
import type { Manifest } from './manifest.js';
import { adminTarget } from './pgtools.js';
import { BackupRepository, repositoryDirectory } from './repository.js';
import { statePath } from '../state/index.js';
import { checkRestored, describeMismatches, droppingStagingOnFailure, planRestoreDb, refuseHeldTarget, restoreInto, swapIn, verifyBackup } from './restore.js';

export const repositoryOf = (config: Config): BackupRepository => new BackupRepository(repositoryDirectory(config));

const age = (m: Manifest, now: Date) => formatValue(Math.max(0, Math.round((now.getTime() - Date.parse(m.created)) / 1000)), 's');

/** One line about a backup for a plan's summary. */
function backupLine(m: Manifest, now: Date): string {
  const pg = m.postgres ? `, PostgreSQL ${m.postgres.version}, LSN ${m.postgres.startLsn} – ${m.postgres.stopLsn}` : '';
  return `backup ${m.id}: ${m.kind}${m.app ? ` version ${m.app.version}` : ''} of ${m.source}, taken ${m.created} (${age(m, now)} ago), ${formatValue(m.size, 'bytes')}${pg}`;
}

/** Databases a restore never creates or replaces: every new database is a copy of template1, and postgres is where tools connect. */
const SYSTEM_DATABASES = ['template0', 'template1', 'postgres'];

/** The database nvcops' own PostgreSQL state store (state.url) lives in, if it has one. */
function stateDatabase(config: Config): string | undefined {
  if (!config.state?.url) return undefined;
  const path = new URL(config.state.url).pathname.slice(1);
  return path ? decodeURIComponent(path) : undefined;
}

/** Refuses, before anything connects, a --target a restore must never create or replace. */
function refuseDatabaseTarget(config: Config, target: string | undefined): void {
  if (target === undefined) return;
  if (SYSTEM_DATABASES.includes(target)) throw new UsageError(`--target: "${target}" is a system database (${SYSTEM_DATABASES.join(', ')} are never restored into); name another database`);
  if (target === stateDatabase(config)) throw new UsageError(`--target: "${target}" holds nvcops' own audit trail and history (state.url); name another database`);
  // PostgreSQL and every client take the name as given; the one URL both pg and libpq read cannot carry these.
  if (/[?#]/.test(target)) throw new UsageError(`--target: "${target}": database names with ? or # are not supported; name another database`);
}

/** The path with every symbolic link resolved, also where its last parts do not exist yet. */
function realPath(path: string): string {
  const absolute = resolve(path);
  if (existsSync(absolute)) return realpathSync(absolute);
  const parent = dirname(absolute);
  return parent === absolute ? absolute : join(realPath(parent), basename(absolute));
}

/** Directories a restore never is, nor moves aside: the system's, and the person's home. */
const SYSTEM_DIRECTORIES = ['/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/media', '/mnt', '/opt', '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp',
  '/usr', '/usr/bin', '/usr/lib', '/usr/local', '/usr/sbin', '/usr/share', '/var', '/var/cache', '/var/lib', '/var/log', '/var/spool', '/var/tmp'];
/** Not files at all: nothing is restored anywhere under them. */
const PSEUDO_FILESYSTEMS = ['/dev', '/proc', '/sys'];

const within = (dir: string, path: string) => {
  const r = relative(dir, path);
  return r !== '' && !r.startsWith('..') && !r.startsWith('/');
};

/**
 * Refuses a --target directory that is a system directory, or is, holds, or would move aside part
 * of nvcops' own configuration, state or backups: a restore moves an existing target aside whole,
 * and moving the directory that holds the audit trail aside takes the trail with it.
 */
function refuseDirectoryTarget(config: Config, to: string): void {
  const target = realPath(to);
  const refuse = (why: string) => new UsageError(`--target: ${to}${target !== to ? ` (${target})` : ''} ${why}; name a directory of the application's own`);
  const system = [...SYSTEM_DIRECTORIES, tmpdir(), homedir()].find((d) => realPath(d) === target);
  if (system) throw refuse(`is ${system === homedir() ? 'the home directory' : system === tmpdir() ? 'the temporary directory' : 'a system directory'}`);
  const pseudo = PSEUDO_FILESYSTEMS.find((d) => within(d, target));
  if (pseudo) throw refuse(`is under ${pseudo}`);
  // The configuration's directory may hold the application too (/srv/app/nvcops.yaml): only its own file and directory are refused there.
  const own = [
    ...(config.source ? [{ path: dirname(config.source), what: 'the configuration', whole: false }] : []),
    ...(config.state?.url ? [] : [{ path: statePath(config), what: 'the state (audit trail, history)', whole: true }]),
    { path: repositoryDirectory(config), what: 'the backups', whole: true },
  ].map((d) => ({ ...d, path: realPath(d.path) }));
  for (const { path, what } of own) {
    if (path === target) throw refuse(`is nvcops' own directory of ${what}`);
    if (within(target, path)) throw refuse(`holds ${what} of nvcops (${path})`);
  }
  const inside = own.find((d) => d.whole && within(d.path, target));
  if (inside && existsSync(target)) throw refuse(`is inside ${inside.what} of nvcops (${inside.path}) and would be moved aside`);
  if (config.source && realPath(config.source) === target) throw refuse("is nvcops' own configuration file");
}

interface RestoreDbOptions {
  backupId?: string;
  target?: string;
  replace?: boolean;
  jobs: number;
  to?: string;
  targetDir?: string;
  port?: number;
  start?: boolean;
  inPlace?: boolean;
}

/** With backups.pgbackrest, --to, --target-dir or a pgBackRest label restore with pgBackRest; a dump id restores the dump as before. */
export async function planRestoreDatabase(ctx: PlanContext, o: RestoreDbOptions): Promise<ActionPlan> {
  const pgbackrest = ctx.config.backups?.pgbackrest;
  if (o.inPlace) {
    if (!pgbackrest) throw new ConfigError('backups.pgbackrest: --in-place restores the live cluster with pgBackRest; set backups.pgbackrest.stanza');
    if (!o.targetDir) throw new UsageError('--target-dir: with --in-place, name the live cluster\'s data directory (its server stopped)');
    if (o.port !== undefined || o.target || o.replace) throw new UsageError('--in-place restores the live data directory: --port, --target and --replace do not apply');
    return planInPlaceRestore(ctx, pgbackrest, { to: o.to, backupId: o.backupId, targetDir: o.targetDir });
  }
  if (o.to || o.targetDir || (pgbackrest && o.backupId && PGBACKREST_LABEL.test(o.backupId))) {
    if (!pgbackrest) throw new ConfigError('backups.pgbackrest: --to and --target-dir restore with pgBackRest; set backups.pgbackrest.stanza');
    if (!o.targetDir) throw new UsageError('--target-dir: name a new, empty directory to restore into (never the live data directory)');
    if (o.target || o.replace) throw new UsageError('--target and --replace restore a dump into a database; a pgBackRest restore goes into --target-dir');
    return planPitrRestore(ctx, pgbackrest, { to: o.to, backupId: o.backupId, targetDir: o.targetDir, port: o.port, start: o.start !== false });
  }
  if (!o.backupId) throw new UsageError('--backup-id: name the backup to restore (see backup list), or --to a time with backups.pgbackrest');
  const missing = missingTarget('backups', ctx.config);
  if (missing) throw new ConfigError(`backup restore-db: ${missing}`);
  return planDumpRestore(ctx, { ...o, backupId: o.backupId });
}

async function planDumpRestore(ctx: PlanContext, o: RestoreDbOptions & { backupId: string }): Promise<ActionPlan> {
  refuseDatabaseTarget(ctx.config, o.target);
  const repo = repositoryOf(ctx.config);
  const backup = await repo.get(o.backupId, 'db');
  const admin = adminTarget(ctx.config);
  const now = new Date();
  const plan = await planRestoreDb(admin, backup, { target: o.target, replace: o.replace === true, jobs: o.jobs, owners: true, at: now });
  const tables = Object.entries(backup.postgres?.rowCounts ?? {});
  let started = 0;
  return {
    action: 'backup restore-db',
    target: `PostgreSQL ${plan.server} database "${plan.target}"${plan.keptAs ? ' (replacing the live one)' : ' (new)'}`,
    summary: [backupLine(backup, now), `manifest: ${counted(tables.length, 'table')}, ${counted(tables.reduce((n, [, r]) => n + r, 0), 'row')}`],
    warnings: [
      ...(plan.keptAs ? [`--replace: sessions on "${plan.target}" are ended and the live database is renamed to "${plan.keptAs}" (kept, not dropped); if that cannot be done it is left as it was`] : []),
      ...(plan.prepared ? [`prepared transactions hold "${plan.target}": ${plan.prepared.join(', ')}; the restore stops at step 1 until they are committed or rolled back`] : []),
      ...(plan.leftover ? [`"${plan.staging}" is left from an earlier restore that did not finish: it is dropped and restored again`] : []),
    ],
    stopOnFailure: true,
    // Replacing a live database needs the environment named, protected or not.
    confirmEnvAlways: plan.keptAs !== undefined,
    confirmEnvReason: 'this replaces a live database (in any environment)',
    steps: [
      // Checked before the pg_restore, not first at the rename: nothing is touched while the live database is held.
      ...(plan.keptAs ? [{
        title: `Check that no prepared transaction holds the live "${plan.target}"`,
        details: ['a prepared transaction survives the end of its session and would stop the rename'],
        run: () => refuseHeldTarget(admin, plan),
      }] : []),
      {
        title: `Verify ${backup.id} against its manifest (size, sha256)`,
        run: async () => {
          started = performance.now();
          return verifyBackup(repo, backup);
        },
      },
      {
        title: `Create database "${plan.staging}" and pg_restore ${backup.id} into it`,
        details: [`${counted(plan.jobs, 'parallel job')}; a staging database left by an interrupted restore is dropped first`],
        run: ({ signal }) => restoreInto(repo, admin, plan, signal),
      },
      {
        title: `Compare the row counts of ${counted(tables.length, 'table')} with the manifest`,
        details: [`a mismatch drops "${plan.staging}" and stops: the target is not touched`],
        run: () => droppingStagingOnFailure(admin, plan, async () => {
          const check = await checkRestored(admin, plan);
          const data = { queryableMs: Math.round(check.queryableAt - started), rows: check.rows };
          if (check.mismatches.length) throw new StepFailure(`row counts differ from the manifest: ${describeMismatches(check.mismatches)}`, data);
          return { message: `${counted(tables.length, 'table')} match${tables.length === 1 ? 'es' : ''} the manifest; queryable ${formatValue(data.queryableMs, 'ms')} after the restore began`, data };
        }),
      },
      {
        title: plan.keptAs ? `Rename the live "${plan.target}" to "${plan.keptAs}", then "${plan.staging}" to "${plan.target}"` : `Rename "${plan.staging}" to "${plan.target}"`,
        run: async () => {
          const said = await droppingStagingOnFailure(admin, plan, () => swapIn(admin, plan));
          const totalMs = Math.round(performance.now() - started);
          return { message: `${said}; restore took ${formatValue(totalMs, 'ms')} in all`, data: { totalMs, database: plan.target, ...(plan.keptAs && { keptAs: plan.keptAs }) } };
        },
      },
    ],
  };
}

/** A restore of an archive (application artifact or configuration snapshot) into a directory. */
async function planArtifactRestore(ctx: PlanContext, action: string, backup: Manifest, to: string): Promise<ActionPlan> {
  refuseDirectoryTarget(ctx.config, to);
  const repo = repositoryOf(ctx.config);
  const now = new Date();
  const unpack = planUnpack(to, now);
  return {
    action,
    target: `directory ${unpack.target}${unpack.keptAs ? ' (exists: moved aside, not overwritten)' : ' (new)'}`,
    summary: [backupLine(backup, now)],
    warnings: unpack.keptAs ? [`${unpack.target} exists: it is renamed to ${unpack.keptAs}, nothing in it is overwritten or deleted`] : [],
    stopOnFailure: true,
    steps: [
      { title: `Verify ${backup.id} against its manifest (size, sha256)`, run: () => verifyBackup(repo, backup) },
      { title: `Unpack ${backup.id} into ${unpack.staging}`, run: ({ signal }) => unpackToStaging(repo, backup, unpack, signal) },
      {
        title: unpack.keptAs ? `Move ${unpack.target} aside to ${unpack.keptAs}, then rename the unpacked copy into place` : `Rename the unpacked copy to ${unpack.target}`,
        run: () => putInPlace(unpack),
      },
    ],
  };
}

export async function planRestoreApplication(ctx: PlanContext, o: { version: string; target: string }): Promise<ActionPlan> {
  const { backups } = await repositoryOf(ctx.config).list();
  const apps = backups.filter((b) => b.kind === 'app');
  const match = apps.filter((b) => b.app?.version === o.version).at(-1);
  if (!match) {
    const versions = [...new Set(apps.flatMap((b) => (b.app ? [b.app.version] : [])))].slice(-10);
    throw new UsageError(`--app-version: no application backup of version ${o.version}${versions.length ? `; backed-up versions: ${versions.join(', ')}` : '; the repository holds no application backup'}`);
  }
  return planArtifactRestore(ctx, 'backup restore-app', match, o.target);
}

/** `--date`: a day (YYYY-MM-DD, taken as its end in UTC) or an ISO time. */
function parseRestoreDate(text: string): Date {
  // Date.parse rolls a day that does not exist (2025-02-29) over into the next month, past snapshots taken after it.
  const day = /^\d{4}-\d{2}-\d{2}(?=$|T)/.exec(text)?.[0];
  if (day && !isDate(day)) throw new UsageError(`--date: "${text}": no such day; use a date that exists, such as 2025-07-14`);
  if (/^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text))) return new Date(`${text}T23:59:59.999Z`);
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text))) return new Date(text);
  throw new UsageError(`--date: "${text}" is not a date; use YYYY-MM-DD (the snapshot nearest before the end of that day, UTC) or an ISO time such as 2025-07-14T08:00:00Z`);
}

export async function planRestoreConfiguration(ctx: PlanContext, o: { date: string; target: string }): Promise<ActionPlan> {
  const before = parseRestoreDate(o.date);
  const { backups } = await repositoryOf(ctx.config).list();
  const snapshots = backups.filter((b) => b.kind === 'config');
  const match = snapshots.filter((b) => Date.parse(b.created) <= before.getTime()).at(-1);
  if (!match) {
    throw new UsageError(`--date: no configuration snapshot at or before ${before.toISOString()}${snapshots[0] ? `; the oldest is ${snapshots[0].id} from ${snapshots[0].created}` : '; the repository holds none'}`);
  }
  return planArtifactRestore(ctx, 'backup restore-config', match, o.target);
}
