/**
 * Point-in-time recovery with pgBackRest: `pgbackrest restore` into a new, empty data directory
 * (never the live one), recovery to a time (or a named restore point, or a backup's consistent
 * point) with promotion, the restored server started on a loopback port, and the point it recovered
 * to read back from it (`pg_last_xact_replay_timestamp`). `backup restore-db --to` and the
 * monthly restore drill run this same code.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import type { Client } from 'pg';
import type { PlanContext } from '../app/act.js';
import type { Config } from '../engine/config/index.js';
import { PlanRefused, type ActionPlan, type ActionStep } from '../engine/action.js';
import { formatValue } from '../engine/units.js';
import { UnavailableError, UsageError } from '../engine/errors.js';
import { instantOf, isDate } from '../engine/zoned.js';
import { asUser, PgbackrestProbe, runPgbackrest, type PgbackrestSettings, type RecoverableWindow } from '../probes/pgbackrest.js';
import { adminTarget, connectAdmin, pgProgram, type PgTarget } from './pgtools.js';

/** A pgBackRest backup label: `20261207-140110F`, `20261207-140110F_20261207-150000I`. */
export const PGBACKREST_LABEL = /^\d{8}-\d{6}F(_\d{8}-\d{6}[DI])?$/;

/** What to recover to: a time, a named restore point, a backup's own consistent point, or the end of the archive. */
export type RecoveryTarget = { time: Date } | { name: string } | { backup: string } | { latest: true };

/**
 * `--to`: an ISO time with an offset (Z, +01:00), or a wall-clock time `YYYY-MM-DD HH:MM[:SS[.fff]]` in the runbook's time zone
 * (schedule.timezone, else UTC); anything else that is not a date is a named restore point (pg_create_restore_point).
 */
export function parseRecoveryTarget(text: string, timezone: string | undefined): RecoveryTarget {
  const t = text.trim();
  const wall = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?$/.exec(t);
  if (wall) {
    if (!isDate(wall[1]!) || Number(wall[2]) > 23 || Number(wall[3]) > 59 || Number(wall[4] ?? 0) > 59) throw new UsageError(`--to: "${text}" is not a time that exists; use an ISO time such as 2026-12-07T14:02:00Z`);
    const minute = instantOf(wall[1]!, `${wall[2]}:${wall[3]}`, timezone ?? 'UTC').getTime();
    return { time: new Date(minute + Number(wall[4] ?? 0) * 1000 + Math.round(Number(wall[5] ?? 0) * 1000)) };
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const ms = Date.parse(t);
    if (!/(Z|[+-]\d{2}(:?\d{2})?)$/.test(t) || Number.isNaN(ms)) throw new UsageError(`--to: "${text}" is not a time; use an ISO time such as 2026-12-07T14:02:00Z, or 2026-12-07 14:02:00 in the runbook's time zone`);
    return { time: new Date(ms) };
  }
  if (!/^[\w.-]{1,63}$/.test(t)) throw new UsageError(`--to: "${text}" is neither a time nor a restore point name (letters, digits, _ . -)`);
  return { name: t };
}

export const describeTarget = (t: RecoveryTarget): string =>
  'time' in t ? t.time.toISOString() : 'name' in t ? `restore point "${t.name}"` : 'backup' in t ? `the end of backup ${t.backup}` : 'the newest archived WAL';

/** Refuses, before anything is written, a time outside the recoverable window (exit 64, naming the window). */
export function refuseOutsideWindow(target: RecoveryTarget, window: RecoverableWindow | undefined, stanza: string): void {
  if (!window) throw new PlanRefused(`--to: stanza "${stanza}" has no pgBackRest backup: nothing can be recovered (take one with nvcops backup db)`);
  if (!('time' in target)) return;
  const t = target.time.getTime();
  if (t < window.from.getTime() || t > window.to.getTime()) {
    throw new PlanRefused(`--to: ${target.time.toISOString()} is outside the recoverable window ${window.from.toISOString()} – ${window.to.toISOString()} (end of the oldest backup to the newest archived WAL, ${window.lastWal})`);
  }
}

/** Refuses a --target-dir that is not a new or empty directory: a restore never writes over data, the live cluster least of all. */
export function refuseDataDirectory(dir: string): string {
  const path = resolve(dir);
  if (!existsSync(path)) {
    if (!existsSync(dirname(path))) throw new UsageError(`--target-dir: ${dir}: its parent directory does not exist`);
    return path;
  }
  if (!statSync(path).isDirectory()) throw new UsageError(`--target-dir: ${dir} is not a directory`);
  const entries = readdirSync(path);
  if (entries.includes('PG_VERSION')) throw new UsageError(`--target-dir: ${dir} is a PostgreSQL data directory${entries.includes('postmaster.pid') ? ' of a running server' : ''}; a restore goes into a new, empty directory (never the live one)`);
  if (entries.length) throw new UsageError(`--target-dir: ${dir} is not empty; a restore goes into a new, empty directory`);
  return realpathSync(path);
}

/** A free loopback port for the restored server. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

export interface RestoredServer {
  dir: string;
  port: number;
  /** The restored server as the admin role, over loopback (the certificate still checked against the original host name). */
  target: PgTarget;
  /** pg_last_xact_replay_timestamp(): the last transaction recovery replayed. */
  recoveredTo: Date | null;
  /** From the start of `pgbackrest restore` until the promoted server answered a query. */
  restoreMs: number;
  answeredMs: number;
}

const runAs = (settings: PgbackrestSettings, file: string, args: string[], o: { timeoutMs: number; signal?: AbortSignal }) => {
  const c = asUser(settings.user, file, args);
  return execa(c.file, c.args, { reject: false, timeout: o.timeoutMs, cancelSignal: o.signal, stdin: 'ignore', cwd: '/' });
};

/** `pgbackrest restore` into `dir` (made empty, owned by the pgBackRest user) with recovery to `target` and promotion; the server is not started. */
export async function pgbackrestRestore(settings: PgbackrestSettings, dir: string, target: RecoveryTarget, port: number | undefined, signal: AbortSignal, set?: string): Promise<void> {
  if (!existsSync(dir)) {
    const made = await runAs(settings, 'mkdir', ['-m', '700', dir], { timeoutMs: 10_000 });
    if (made.exitCode !== 0) throw new Error(`cannot create ${dir}: ${made.stderr || made.stdout}`);
  }
  const recovery = 'time' in target
    ? ['--type=time', `--target=${target.time.toISOString().replace('T', ' ').replace('Z', '+00')}`, '--target-action=promote']
    : 'name' in target ? ['--type=name', `--target=${target.name}`, '--target-action=promote']
      : 'backup' in target ? [`--set=${target.backup}`, '--type=immediate', '--target-action=promote'] : [];
  // A copy (port given) has archive-mode=off: it must not push its WAL into the production repository; the live cluster restored in place archives on.
  const fromBackup = set && !('backup' in target) ? [`--set=${set}`] : [];
  await runPgbackrest(settings, ['restore', `--pg1-path=${dir}`, ...(port === undefined ? [] : ['--archive-mode=off']), ...fromBackup, ...recovery], { timeoutMs: 24 * 3600_000, signal });
  if (port === undefined) return;
  // Loopback only, its own port and socket directory: it never stands in for the live server.
  appendFileSync(join(dir, 'postgresql.auto.conf'), `\n# nvcops backup restore-db\nport = ${port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${dir}'\n`);
}

/** The FATAL and PANIC lines of a server's log, from the level on (what made it stop), without those that refused nvcops' own connections while it recovered. */
async function fatalLines(settings: PgbackrestSettings, log: string): Promise<string> {
  const r = await runAs(settings, 'grep', ['-E', '(FATAL|PANIC):', log], { timeoutMs: 10_000 });
  const lines = r.stdout.split('\n').filter((l) => !/the database system is (not yet accepting connections|starting up|in recovery mode|shutting down)/.test(l))
    .map((l) => /(FATAL|PANIC):.*/.exec(l)?.[0].replace(/\s+/g, ' ')).filter(Boolean);
  return lines.slice(-2).join('; ') || 'no FATAL line in its log';
}

/**
 * How often the restored server's state is looked at while it recovers: its postmaster.pid says
 * `ready` once recovery ended and it was promoted (a file read, nothing asked of the recovering server),
 * and only then is it connected to. Where that file cannot be read (nvcops not root, nor the server's
 * user), a connection is tried at RESTORED_CONNECT_MS instead: each attempt during recovery is a
 * backend started on the recovering server, taking CPU from its WAL replay.
 */
export const RESTORED_POLL_MS = 25;
export const RESTORED_CONNECT_MS = 100;

/** The postmaster's status line in its pid file (`starting`, `standby`, `ready`, `stopping`); undefined when there is none or it cannot be read. */
function postmasterStatus(dir: string): string | undefined {
  try {
    return readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[7]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts the restored server and waits until it is promoted and answers; reads the point it recovered to.
 * Its pid file's status is watched until it says `ready` (RESTORED_POLL_MS); then one connection asks
 * whether recovery ended, and is asked again if not (a session outlives the promotion). A server that stops during recovery (a restore point name no WAL record carries: PostgreSQL
 * refuses to promote short of its target) fails at once with its log's FATAL line, not at the timeout.
 */
export async function startRestored(settings: PgbackrestSettings, admin: PgTarget, dir: string, port: number, started: number, signal: AbortSignal, timeoutMs = 60 * 60_000): Promise<RestoredServer> {
  const pgCtl = pgProgram('pg_ctl');
  const log = join(dir, 'restore.log');
  const r = await runAs(settings, pgCtl, ['-D', dir, '-l', log, '-W', 'start'], { timeoutMs: 60_000, signal });
  if (r.exitCode !== 0) throw new Error(`pg_ctl start: ${(r.stderr || r.stdout).trim()}; see ${log}`);
  const launched = performance.now();
  const target: PgTarget = { ...admin, hostaddr: '127.0.0.1', port, server: `127.0.0.1:${port}`, address: `127.0.0.1:${port}/${admin.database}` };
  const end = Date.now() + timeoutMs;
  let last = '';
  let c: Client | undefined;
  let lastStatus = launched;
  let lastAttempt = -Infinity;
  // pg_ctl status exits 3 when no server runs (a pid file left behind included); the first 2 s leave the
  // postmaster time to write its pid file. Asked at most once a second.
  const refuseStopped = async () => {
    const now = performance.now();
    if (now - launched <= 2_000 || now - lastStatus < 1_000) return;
    lastStatus = now;
    if ((await runAs(settings, pgCtl, ['-D', dir, 'status'], { timeoutMs: 10_000 })).exitCode === 3) {
      throw new Error(`the restored server on 127.0.0.1:${port} stopped during recovery: ${await fatalLines(settings, log)}; ${dir} is left as restored (stopped); see ${log}`);
    }
  };
  try {
    while (Date.now() < end) {
      signal.throwIfAborted();
      const status = c ? 'ready' : postmasterStatus(dir);
      if (status !== 'ready' && (status !== undefined || performance.now() - lastAttempt < RESTORED_CONNECT_MS)) {
        if (status) {
          last = `postmaster ${status}`;
          await refuseStopped();
        }
        await new Promise((res) => setTimeout(res, RESTORED_POLL_MS));
        continue;
      }
      lastAttempt = performance.now();
      try {
        c ??= await connectAdmin(target, 5_000);
        const { rows: [x] } = await c.query<{ recovery: boolean; replayed: Date | null }>('SELECT pg_is_in_recovery() AS recovery, pg_last_xact_replay_timestamp() AS replayed');
        if (!x!.recovery) {
          const answeredMs = performance.now() - started;
          return { dir, port, target, recoveredTo: x!.replayed, restoreMs: answeredMs, answeredMs };
        }
        last = 'still in recovery';
      } catch (e) {
        last = (e as Error).message;
        await c?.end().catch(() => undefined);
        c = undefined;
        await refuseStopped();
      }
      await new Promise((res) => setTimeout(res, RESTORED_POLL_MS));
    }
  } finally {
    await c?.end().catch(() => undefined);
  }
  throw new UnavailableError(`the restored server on 127.0.0.1:${port} did not answer as a promoted primary within ${Math.round(timeoutMs / 60_000)} min (${last}); see ${join(dir, 'restore.log')}`);
}

/** Stops a restored server (fast shutdown). */
export async function stopRestored(settings: PgbackrestSettings, dir: string): Promise<void> {
  const r = await runAs(settings, pgProgram('pg_ctl'), ['-D', dir, '-m', 'fast', '-w', 'stop'], { timeoutMs: 120_000 });
  if (r.exitCode !== 0) throw new Error(`pg_ctl stop: ${(r.stderr || r.stdout).trim()}`);
}

/** Removes a restored data directory (the drill's scratch copy), as the user that owns it. */
export async function removeRestored(settings: PgbackrestSettings, dir: string): Promise<void> {
  const r = await runAs(settings, 'rm', ['-rf', '--', dir], { timeoutMs: 10 * 60_000 });
  if (r.exitCode !== 0) throw new Error(`cannot remove ${dir}: ${(r.stderr || r.stdout).trim()}`);
}

/** Everything a restore needs decided before anything is written: the window checked, the directory and port chosen. */
export async function prepareRestore(config: Config, settings: PgbackrestSettings, o: { to?: string; backupId?: string }): Promise<{ target: RecoveryTarget; window: RecoverableWindow | undefined; admin: PgTarget }> {
  const target: RecoveryTarget = o.to ? parseRecoveryTarget(o.to, config.schedule?.timezone) : o.backupId ? { backup: o.backupId } : { latest: true };
  const probe = new PgbackrestProbe(settings);
  const window = await probe.recoverableWindow();
  refuseOutsideWindow(target, window, settings.stanza);
  if ('backup' in target || o.backupId) {
    const labels = (await probe.info()).backup.map((b) => b.label);
    if (o.backupId && !labels.includes(o.backupId)) throw new UsageError(`--backup-id: no pgBackRest backup ${o.backupId} in stanza "${settings.stanza}"; backups: ${labels.slice(-5).join(', ') || 'none'}`);
  }
  return { target, window, admin: adminTarget(config) };
}

export interface PitrOptions {
  to?: string;
  backupId?: string;
  targetDir: string;
  port?: number;
  start: boolean;
}

const seconds = (ms: number) => formatValue(Math.round(ms / 100) / 10, 's');

/** `backup restore-db --to TIME | --backup-id LABEL --target-dir DIR`: plan of a point-in-time restore into a new directory. */
export async function planPitrRestore(ctx: PlanContext, settings: PgbackrestSettings, o: PitrOptions): Promise<ActionPlan> {
  const dir = refuseDataDirectory(o.targetDir);
  const { target, window, admin } = await prepareRestore(ctx.config, settings, o);
  const port = o.port ?? await freeLoopbackPort();
  let started = 0;
  const steps: ActionStep[] = [{
    title: `pgbackrest restore into ${dir}, recovery to ${describeTarget(target)}${'backup' in target ? '' : ' then promote'}`,
    details: [`--archive-mode=off: the restored copy pushes no WAL into the repository; port ${port} on 127.0.0.1 only`],
    run: async ({ signal, progress }) => {
      started = performance.now();
      progress('pgbackrest restore');
      await pgbackrestRestore(settings, dir, target, port, signal, 'backup' in target ? undefined : o.backupId);
      return `restored into ${dir} in ${seconds(performance.now() - started)}`;
    },
  }];
  if (o.start) {
    steps.push({
      title: `Start the restored server on 127.0.0.1:${port}, wait until it is promoted and answers, read the point it recovered to`,
      run: async ({ signal, progress }) => {
        progress('recovering');
        const r = await startRestored(settings, admin, dir, port, started, signal);
        const point = r.recoveredTo ? r.recoveredTo.toISOString() : 'no transaction replayed (the backup\'s own consistent point)';
        return {
          message: `answering on 127.0.0.1:${port}; recovered to ${point}; ${seconds(r.answeredMs)} from the start of the restore; stop it with pg_ctl -D ${dir} stop`,
          data: { dir, port, recoveredTo: r.recoveredTo?.toISOString() ?? null, durationMs: Math.round(r.answeredMs) },
        };
      },
    });
  }
  return {
    action: 'backup restore-db',
    target: `new data directory ${dir} (PostgreSQL on 127.0.0.1:${port})`,
    summary: [
      `pgBackRest stanza "${settings.stanza}": recoverable ${window!.from.toISOString()} – ${window!.to.toISOString()} (newest archived WAL ${window!.lastWal})`,
      `recovery target: ${describeTarget(target)}${o.backupId && !('backup' in target) ? ` from backup ${o.backupId}` : ''}`,
    ],
    warnings: o.start ? [] : ['--no-start: the restored directory is left stopped; start it with pg_ctl -D <dir> start (it recovers, then promotes)'],
    stopOnFailure: true,
    steps,
  };
}

/** The live data directory for --in-place: the stanza's own cluster (by its system identifier), its server stopped. */
async function refuseLiveDirectory(settings: PgbackrestSettings, dir: string, systemIds: number[]): Promise<string> {
  const path = resolve(dir);
  if (!existsSync(join(path, 'PG_VERSION'))) throw new UsageError(`--in-place: ${dir} is not a PostgreSQL data directory; --target-dir names the live cluster's data directory with --in-place`);
  if (existsSync(join(path, 'postmaster.pid'))) throw new PlanRefused(`--in-place: the server of ${dir} is running (postmaster.pid); stop it first (systemctl stop postgresql, or pg_ctl -D ${dir} stop)`);
  const r = await runAs(settings, pgProgram('pg_controldata'), [path], { timeoutMs: 30_000 });
  const id = /Database system identifier:\s+(\d+)/.exec(r.stdout)?.[1];
  if (!id) throw new PlanRefused(`--in-place: pg_controldata cannot read ${dir}: ${(r.stderr || r.stdout).trim()}`);
  // info's JSON number has lost the identifier's last digits (beyond 2^53): compare as the same double.
  if (!systemIds.some((x) => x === Number(id))) throw new PlanRefused(`--in-place: ${dir} is cluster ${id}, not one stanza "${settings.stanza}" backs up (${systemIds.join(', ')})`);
  return realpathSync(path);
}

/** `--in-place`: the stopped live cluster's directory moved aside (kept), then restored into its place; the service manager starts it. */
export async function planInPlaceRestore(ctx: PlanContext, settings: PgbackrestSettings, o: Omit<PitrOptions, 'port' | 'start'>): Promise<ActionPlan> {
  const { target, window } = await prepareRestore(ctx.config, settings, o);
  const stanza = await new PgbackrestProbe(settings).info();
  const dir = await refuseLiveDirectory(settings, o.targetDir, stanza.db.map((d) => d['system-id']));
  const aside = `${dir}.before-restore-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
  return {
    action: 'backup restore-db',
    target: `the live data directory ${dir} (server stopped)`,
    summary: [
      `pgBackRest stanza "${settings.stanza}": recoverable ${window!.from.toISOString()} – ${window!.to.toISOString()} (newest archived WAL ${window!.lastWal})`,
      `recovery target: ${describeTarget(target)}`,
    ],
    warnings: [`the live cluster's directory is renamed to ${aside} (kept, nothing deleted); the restored cluster takes its place and, once started, continues on a new timeline`],
    confirmEnvAlways: true,
    confirmEnvReason: 'this replaces the live cluster (in any environment)',
    stopOnFailure: true,
    steps: [
      {
        title: `Move ${dir} aside to ${aside}`,
        run: async () => {
          const r = await runAs(settings, 'mv', ['--no-target-directory', dir, aside], { timeoutMs: 60_000 });
          if (r.exitCode !== 0) throw new Error(`mv: ${(r.stderr || r.stdout).trim()}`);
          return `${dir} is now ${aside}`;
        },
      },
      {
        title: `pgbackrest restore into ${dir}, recovery to ${describeTarget(target)}${'backup' in target ? '' : ' then promote'}`,
        details: ['the server is not started: start it with its service manager (systemctl start postgresql)'],
        run: async ({ signal }) => {
          const t0 = performance.now();
          await pgbackrestRestore(settings, dir, target, undefined, signal, 'backup' in target ? undefined : o.backupId);
          return `restored into ${dir} in ${seconds(performance.now() - t0)}; start the server with its service manager; the old directory is ${aside}`;
        },
      },
    ],
  };
}
