/**
 * Database restore (restore_database.sh): a backup is checked against its manifest, restored
 * into a staging database, its row counts compared with the manifest's, and only then renamed
 * to the target. Over a live database the old one is renamed aside, never dropped. The monthly
 * restore drill runs this same code into a scratch database.
 */
import type { Client } from 'pg';
import { execa } from 'execa';
import { UsageError } from '../engine/errors.js';
import { formatValue } from '../engine/units.js';
import { programFailure } from './dump.js';
import type { Manifest } from './manifest.js';
import { conninfoDbname, connectAdmin, databaseOf, onDatabase, pgEnv, pgProgram, quoteIdent, type PgTarget } from './pgtools.js';
import type { BackupRepository } from './repository.js';

/** PostgreSQL truncates identifiers to 63 bytes; names are cut to fit before they get there. */
const MAX_IDENT = 63;

/** `base` cut to the bytes `suffix` leaves of MAX_IDENT, between characters (as PostgreSQL cuts UTF-8), then `suffix`. */
function fit(base: string, suffix: string): string {
  let room = MAX_IDENT - Buffer.byteLength(suffix);
  let kept = '';
  for (const ch of base) {
    room -= Buffer.byteLength(ch);
    if (room < 0) break;
    kept += ch;
  }
  return `${kept}${suffix}`;
}
const stampOf = (at: Date) => at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '').toLowerCase();

export interface RestoreDbPlan {
  backup: Manifest;
  /** host:port of the server restored into. */
  server: string;
  target: string;
  /** Restored into first; renamed to target once verified. */
  staging: string;
  /** The target exists and --replace was given: it is renamed to keptAs. */
  keptAs?: string;
  /** A staging database an earlier restore left (interrupted, or its swap failed): dropped and restored again. */
  leftover?: boolean;
  /** Prepared transactions holding the live target (found when planning): it cannot be renamed aside until they end. */
  prepared?: string[];
  jobs: number;
  /** false for scratch restores (drills): no ownership or grants, so missing roles do not matter. */
  owners: boolean;
}

interface RowCheck {
  table: string;
  expected: number;
  /** null: the table is missing after the restore. */
  actual: number | null;
}

/** The database the target name defaults to: the source's name plus the backup's time, a new database. */
function defaultTarget(m: Manifest): string {
  const source = m.source.includes('/') ? m.source.slice(m.source.indexOf('/') + 1) : 'restored';
  return fit(source || 'restored', `_restored_${stampOf(new Date(m.created))}`);
}

/** A session on the server for CREATE/ALTER/DROP DATABASE, never inside a database being renamed. */
async function maintenanceSession(admin: PgTarget, avoid: string[]): Promise<Client> {
  return connectAdmin(avoid.includes(databaseOf(admin)) ? onDatabase(admin, 'postgres') : admin);
}

const exists = async (c: Client, db: string) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).rowCount! > 0;

/**
 * A prepared transaction belongs to its database, not to a session: terminating sessions does not
 * end it, and while it lasts the database cannot be renamed. Named so the person can COMMIT PREPARED
 * or ROLLBACK PREPARED it.
 */
async function preparedOn(c: Client, db: string): Promise<string[]> {
  const r = await c.query<{ gid: string; owner: string; prepared: Date }>('SELECT gid, owner, prepared FROM pg_prepared_xacts WHERE database = $1 ORDER BY prepared', [db]);
  return r.rows.map((x) => `'${x.gid}' (prepared ${x.prepared.toISOString()} by ${x.owner})`);
}

const heldBy = (target: string, prepared: string[]) =>
  `"${target}" cannot be renamed aside: ${prepared.length === 1 ? 'a prepared transaction holds it' : `${prepared.length} prepared transactions hold it`}: ${prepared.join(', ')}; COMMIT PREPARED or ROLLBACK PREPARED ${prepared.length === 1 ? 'it' : 'them'}, then run the restore again; nothing was done`;

export async function planRestoreDb(
  admin: PgTarget,
  backup: Manifest,
  opts: { target?: string; replace: boolean; jobs: number; owners: boolean; at: Date },
): Promise<RestoreDbPlan> {
  const target = opts.target ?? defaultTarget(backup);
  if (Buffer.byteLength(target) > MAX_IDENT) throw new UsageError(`--target: "${target}" is longer than PostgreSQL's ${MAX_IDENT}-byte limit for names`);
  const staging = fit(target, '_nvcops_restoring');
  const c = await maintenanceSession(admin, [target, staging]);
  try {
    const present = await exists(c, target);
    if (present && !opts.replace) {
      throw new UsageError(`--target: database "${target}" already exists on ${admin.server}; restore into a new database (omit --target or name another) or add --replace to replace it`);
    }
    const prepared = present ? await preparedOn(c, target) : [];
    return {
      backup, server: admin.server, target, staging, jobs: opts.jobs, owners: opts.owners,
      ...(present ? { keptAs: fit(target, `_before_restore_${stampOf(opts.at)}`) } : {}),
      ...((await exists(c, staging)) ? { leftover: true } : {}),
      ...(prepared.length ? { prepared } : {}),
    };
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Counts every table the manifest lists, in the restored database. */
async function compareRowCounts(db: Client, expected: Record<string, number>): Promise<RowCheck[]> {
  const out: RowCheck[] = [];
  for (const [table, rows] of Object.entries(expected)) {
    const dot = table.indexOf('.');
    try {
      const r = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ONLY ${quoteIdent(table.slice(0, dot))}.${quoteIdent(table.slice(dot + 1))}`);
      out.push({ table, expected: rows, actual: Number(r.rows[0]!.n) });
    } catch (e) {
      if ((e as { code?: string }).code !== '42P01') throw e;
      out.push({ table, expected: rows, actual: null });
    }
  }
  return out;
}

/** Recomputes the backup's checksum; a backup that does not match its manifest is never restored. */
export async function verifyBackup(repo: BackupRepository, m: Manifest): Promise<string> {
  const integrity = await repo.check(m);
  if (!integrity.ok) throw new Error(`not restoring ${m.id}: ${integrity.problem}`);
  return `${m.id}: ${formatValue(integrity.bytes, 'bytes')}, SHA-256 ${integrity.sha256.slice(0, 16)}… matches the manifest`;
}

/** Creates the staging database (dropping one an interrupted restore left) and pg_restores the backup into it. */
export async function restoreInto(repo: BackupRepository, admin: PgTarget, plan: RestoreDbPlan, signal?: AbortSignal): Promise<string> {
  const pgRestore = pgProgram('pg_restore');
  const c = await maintenanceSession(admin, [plan.target, plan.staging]);
  try {
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(plan.staging)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${quoteIdent(plan.staging)} TEMPLATE template0`);
    const staging = onDatabase(admin, plan.staging);
    try {
      await execa(pgRestore, [
        '--no-password', '--exit-on-error', `--jobs=${plan.jobs}`, ...(plan.owners ? [] : ['--no-owner', '--no-privileges']),
        '--dbname', conninfoDbname(plan.staging), repo.pathOf(plan.backup),
      ], { env: pgEnv(staging), extendEnv: false, cancelSignal: signal });
    } catch (e) {
      await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(plan.staging)} WITH (FORCE)`).catch(() => undefined);
      throw programFailure('pg_restore', e);
    }
  } finally {
    await c.end().catch(() => undefined);
  }
  return `pg_restore into "${plan.staging}" finished`;
}

interface RestoredCheck {
  /** When the restored database first answered a query (performance.now() clock). */
  queryableAt: number;
  rows: RowCheck[];
  mismatches: RowCheck[];
}

/** Connects to the restored database (the moment it is queryable), compares row counts, and runs `verify` in it. */
export async function checkRestored(admin: PgTarget, plan: RestoreDbPlan, verify?: (db: Client) => Promise<void>): Promise<RestoredCheck> {
  const db = await connectAdmin(onDatabase(admin, plan.staging));
  try {
    await db.query('SELECT 1');
    const queryableAt = performance.now();
    const rows = await compareRowCounts(db, plan.backup.postgres?.rowCounts ?? {});
    await verify?.(db);
    return { queryableAt, rows, mismatches: rows.filter((r) => r.actual !== r.expected) };
  } finally {
    await db.end().catch(() => undefined);
  }
}

export const describeMismatches = (m: RowCheck[]): string =>
  m.map((r) => `${r.table}: ${r.actual === null ? 'missing' : `${r.actual} rows`}, manifest ${r.expected}`).join('; ');

async function refuseIfHeld(c: Client, target: string): Promise<void> {
  const prepared = await preparedOn(c, target);
  if (prepared.length) throw new Error(heldBy(target, prepared));
}

/** Refuses, before anything is touched, a live target that prepared transactions hold (they would make the rename fail). */
export async function refuseHeldTarget(admin: PgTarget, plan: RestoreDbPlan): Promise<string> {
  const c = await maintenanceSession(admin, [plan.target, plan.staging]);
  try {
    await refuseIfHeld(c, plan.target);
    return `no prepared transactions on "${plan.target}"`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * Undoes a swap that did not complete: the live database gets its name back (if it was renamed
 * aside) and takes connections again. Says where things stand, including when this fails too.
 */
async function putBack(c: Client, plan: RestoreDbPlan, renamedAside: boolean): Promise<string> {
  const target = quoteIdent(plan.target);
  let named = !renamedAside;
  try {
    if (renamedAside) await c.query(`ALTER DATABASE ${quoteIdent(plan.keptAs!)} RENAME TO ${target}`);
    named = true;
    await c.query(`ALTER DATABASE ${target} WITH ALLOW_CONNECTIONS true`);
    return `the live "${plan.target}" is as it was (name and data) and accepts connections again`;
  } catch (e) {
    const now = named ? `"${plan.target}"` : `still named "${plan.keptAs}"`;
    const fix = `${named ? '' : `ALTER DATABASE ${quoteIdent(plan.keptAs!)} RENAME TO ${target}; `}ALTER DATABASE ${target} WITH ALLOW_CONNECTIONS true`;
    return `putting the live database back failed too (${(e as Error).message}): it is ${now} and refuses connections; as a superuser run: ${fix}`;
  }
}

/** Puts the verified staging database in place: a live target is renamed aside first, never dropped, and put back if the swap does not complete. */
export async function swapIn(admin: PgTarget, plan: RestoreDbPlan): Promise<string> {
  const c = await maintenanceSession(admin, [plan.target, plan.staging]);
  try {
    if (!plan.keptAs) {
      await c.query(`ALTER DATABASE ${quoteIdent(plan.staging)} RENAME TO ${quoteIdent(plan.target)}`);
      return `"${plan.target}" is the restored database`;
    }
    // One may have been prepared while the restore ran; checked again while nothing is touched yet.
    await refuseIfHeld(c, plan.target);
    // Renaming needs the database idle: refuse new sessions, end the current ones. The kept copy gets
    // connections back only once the restored one is in place, so that nothing can connect to it
    // while it may still have to be put back.
    await c.query(`ALTER DATABASE ${quoteIdent(plan.target)} WITH ALLOW_CONNECTIONS false`);
    let renamedAside = false;
    try {
      await c.query('SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [plan.target]);
      await c.query(`ALTER DATABASE ${quoteIdent(plan.target)} RENAME TO ${quoteIdent(plan.keptAs)}`);
      renamedAside = true;
      await c.query(`ALTER DATABASE ${quoteIdent(plan.staging)} RENAME TO ${quoteIdent(plan.target)}`);
    } catch (e) {
      const step = renamedAside ? `renaming "${plan.staging}" to "${plan.target}"` : `renaming the live "${plan.target}" aside`;
      throw new Error(`"${plan.target}" was not replaced: ${step} failed (${(e as Error).message}); ${await putBack(c, plan, renamedAside)}`);
    }
    const done = `"${plan.target}" is the restored database; the one it replaced is "${plan.keptAs}"`;
    // The restore is in place whatever happens here: a kept copy still refusing connections is said, not failed.
    return await c.query(`ALTER DATABASE ${quoteIdent(plan.keptAs)} WITH ALLOW_CONNECTIONS true`).then(
      () => done,
      (e: Error) => `${done} (it still refuses connections: ${e.message}; ALTER DATABASE ${quoteIdent(plan.keptAs!)} WITH ALLOW_CONNECTIONS true gives them back)`,
    );
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * Runs a step that works on the staging database; when it fails, the staging database is dropped
 * (a re-run restores it again) and the failure says so: no failure leaves a copy of the bank's data behind.
 */
export async function droppingStagingOnFailure<T>(admin: PgTarget, plan: RestoreDbPlan, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    err.message += await dropDatabase(admin, plan.staging).then(
      () => `; "${plan.staging}" dropped`,
      (d: Error) => `; "${plan.staging}" could not be dropped (${d.message}): DROP DATABASE ${quoteIdent(plan.staging)} WITH (FORCE) removes it`,
    );
    throw err;
  }
}

/** Drops a scratch database (the drill's teardown). */
export async function dropDatabase(admin: PgTarget, name: string): Promise<void> {
  const c = await maintenanceSession(admin, [name]);
  try {
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await c.end().catch(() => undefined);
  }
}
