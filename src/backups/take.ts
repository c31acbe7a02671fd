/**
 * Taking backups (`backup db|app|config|logs`) and listing them (`backup list`). Taking a backup
 * only adds to the repository, so it needs no confirmation; it is noted in the audit trail when
 * the trail can take it, stored, failed or interrupted alike, and a trail that cannot never stops
 * a scheduled backup nor hides why it failed.
 */
import { prepare } from '../app/prepare.js';
import { write } from '../report/output.js';
import { paragraph, writeDocument, type Block, type Document } from '../report/document.js';
import type { GlobalOptions } from '../app/prepare.js';
import type { Config } from '../engine/config/index.js';
import { EXIT, UnavailableError, UsageError } from '../engine/errors.js';
import { interruptedExitCode, interruptOnSignals } from '../engine/interrupt.js';
import type { Redactor } from '../engine/redact.js';
import { counted, formatValue, parseDuration } from '../engine/units.js';
import { repositoryOf } from './actions.js';
import { archivePath } from './artifact.js';
import { dumpDatabase } from './dump.js';
import type { BackupKind, Manifest } from './manifest.js';
import { adminTarget } from './pgtools.js';
import { backupsOf, backupTime, describeBackup } from '../probes/pgbackrest.js';
import { pgbackrestSettings, takePgbackrestBackup, type BackupType } from './pgbackrest.js';
import { PgbackrestProbe, type PgbackrestSettings } from '../probes/pgbackrest.js';
import { OUTPUT_SCHEMA_VERSION } from '../engine/output-version.js';
import type { OutputOf } from '../report/schemas.js';

type Format = 'human' | 'json';

/** What the audit trail says of one backup run: stored (with its id and checksum, or pgBackRest's label), failed or interrupted. */
type Noted = { outcome: 'ok'; m: Manifest } | { outcome: 'ok'; kind: BackupKind; message: string; details: Record<string, unknown> } | { outcome: 'failed' | 'interrupted'; kind: BackupKind; message: string };

async function noteInAuditTrail(config: Config, redactor: Redactor, by: string | undefined, noted: Noted): Promise<void> {
  try {
    const { openStore, auditEvent } = await import('../state/index.js');
    const store = await openStore(config);
    try {
      const ctx = { action: `backup ${'m' in noted ? noted.m.kind : noted.kind}`, config, redactor, by };
      // auditEvent redacts the message: a failing program's stderr can carry a connection URL.
      await auditEvent(store, ctx, 'm' in noted
        ? { outcome: 'ok', message: `${noted.m.id} stored`, details: { id: noted.m.id, sha256: noted.m.sha256, size: noted.m.size } }
        : { outcome: noted.outcome, message: noted.message, ...('details' in noted && { details: noted.details }) });
    } finally {
      await store.close();
    }
  } catch (e) {
    write(`nvcops: audit trail not updated: ${(e as Error).message.split('\n')[0]}\n`, redactor, process.stderr);
  }
}

function stored(m: Manifest, path: string, ms: number): Document {
  const lines = [`${m.id} stored: ${path}`];
  if (m.postgres) {
    const counts = Object.values(m.postgres.rowCounts ?? {});
    lines.push(`  ${m.postgres.format}-format dump of ${m.source}, PostgreSQL ${m.postgres.version}, LSN ${m.postgres.startLsn} – ${m.postgres.stopLsn}`);
    lines.push(`  ${counted(counts.length, 'table')}, ${counted(counts.reduce((n, r) => n + r, 0), 'row')} counted for restore verification`);
  } else {
    lines.push(`  ${m.kind}${m.app ? ` version ${m.app.version}` : ''} from ${m.source}`);
  }
  lines.push(`  ${formatValue(m.size, 'bytes')}, sha256 ${m.sha256}, ${formatValue(ms, 'ms')}`);
  return { blocks: [paragraph(lines)], json: { schemaVersion: OUTPUT_SCHEMA_VERSION, manifest: m, path, durationMs: Math.round(ms) } satisfies OutputOf<'backup'> };
}

/** Runs one backup under Ctrl-C/SIGTERM; an interruption or a failure is noted in the audit trail, then `stored` says what was made. */
async function take<T>(
  kind: BackupKind, flags: GlobalOptions & { format: Format }, work: (config: Config, signal: AbortSignal) => Promise<T>,
  stored: (config: Config, redactor: Redactor, made: T, ms: number) => Promise<void>,
  prepared?: { config: Config; redactor: Redactor },
): Promise<number> {
  const { config, redactor } = prepared ?? await prepare(flags);
  // A dump repository that is not configured is a configuration error (78) before anything runs, not a failed backup.
  if (kind !== 'db' || !config.backups?.pgbackrest) repositoryOf(config);
  const t0 = performance.now();
  // Ctrl-C or SIGTERM stops the child program and removes the partial backup; nothing is stored.
  const interrupt = interruptOnSignals();
  let made: T;
  try {
    made = await work(config, interrupt.signal);
  } catch (e) {
    // A scheduled backup that did not happen is what the audit trail is read for; a bad flag is not a backup run.
    if (interrupt.signal.aborted) {
      await noteInAuditTrail(config, redactor, flags.by, { outcome: 'interrupted', kind, message: 'interrupted: nothing was stored (the partial backup was removed)' });
      write('nvcops: interrupted: nothing was stored (the partial backup was removed)\n', redactor, process.stderr);
      return interruptedExitCode(interrupt.signal);
    }
    if (!(e instanceof UsageError)) {
      await noteInAuditTrail(config, redactor, flags.by, { outcome: 'failed', kind, message: `nothing was stored: ${(e as Error)?.message ?? String(e)}` });
    }
    throw e;
  } finally {
    interrupt.release();
  }
  await stored(config, redactor, made, performance.now() - t0);
  return EXIT.ok;
}

/** A backup stored in the dump repository: shown, and noted with its id and checksum. */
const storedInRepository = (flags: GlobalOptions & { format: Format }) => async (config: Config, redactor: Redactor, m: Manifest, ms: number) => {
  await writeDocument(stored(m, repositoryOf(config).pathOf(m), ms), flags.format, redactor);
  await noteInAuditTrail(config, redactor, flags.by, { outcome: 'ok', m });
};

/** The Backup Schedule takes a database backup every 6 hours: a dump still running when the next is due is stuck, not slow. */
const DB_TIMEOUT = '6h';

export async function backupDatabase(flags: GlobalOptions & { format: Format; jobs: number; type?: BackupType }): Promise<number> {
  const prepared = await prepare(flags);
  if (prepared.config.backups?.pgbackrest) return backupWithPgbackrest(flags, prepared);
  if (flags.type) throw new UsageError('--type: full, diff and incr are pgBackRest backups; set backups.pgbackrest (without it, backup db is a pg_dump)');
  return take('db', flags, async (config, signal) => {
    const limit = config.backups?.dbTimeout ?? DB_TIMEOUT;
    // A server that stops answering (frozen, a lock never released) would otherwise hold the backup, and the next ones, forever.
    const deadline = AbortSignal.timeout(parseDuration(limit)!);
    try {
      return await dumpDatabase(repositoryOf(config), adminTarget(config), { jobs: flags.jobs, signal: AbortSignal.any([signal, deadline]) });
    } catch (e) {
      if (!deadline.aborted || signal.aborted) throw e;
      throw new UnavailableError(`backup db timed out after ${limit} (backups.dbTimeout): pg_dump stopped, its partial dump removed`);
    }
  }, storedInRepository(flags), prepared);
}

/** `backup db` with backups.pgbackrest: `pgbackrest backup --type` (default incr: pgBackRest makes the first one full). */
function backupWithPgbackrest(flags: GlobalOptions & { format: Format; jobs: number; type?: BackupType }, prepared: { config: Config; redactor: Redactor }): Promise<number> {
  const type = flags.type ?? 'incr';
  return take('db', flags, async (config, signal) => {
    const limit = config.backups?.dbTimeout ?? DB_TIMEOUT;
    return takePgbackrestBackup(pgbackrestSettings(config), type, { timeoutMs: parseDuration(limit)!, signal, processMax: flags.jobs });
  }, async (config, redactor, b, ms) => {
    const size = `${formatValue(b.info.size, 'bytes')} of database, ${formatValue(b.info.repository.delta, 'bytes')} written to the repository`;
    await writeDocument({
      blocks: [paragraph([`pgBackRest backup ${describeBackup(b)}`, `  ${size}, ${formatValue(ms, 'ms')}`])],
      json: { schemaVersion: OUTPUT_SCHEMA_VERSION, pgbackrest: { stanza: config.backups!.pgbackrest!.stanza, backup: b }, durationMs: Math.round(ms) } satisfies OutputOf<'backup'>,
    }, flags.format, redactor);
    await noteInAuditTrail(config, redactor, flags.by, {
      outcome: 'ok', kind: 'db', message: `pgBackRest ${b.type} backup ${b.label} stored`,
      details: { label: b.label, type: b.type, repo: b.database['repo-key'], size: b.info.size, repositorySize: b.info.repository.delta, walStart: b.archive.start, walStop: b.archive.stop },
    });
  }, prepared);
}

export function backupArtifact(kind: 'app' | 'config' | 'logs', flags: GlobalOptions & { format: Format; from?: string; appVersion?: string }): Promise<number> {
  return take(kind, flags, (config, signal) => {
    const from = flags.from ?? (kind === 'logs' ? config.logs?.application : undefined);
    if (!from) throw new UsageError(kind === 'logs' ? '--from: name the log file or directory (or set logs.application)' : '--from: name the directory to back up');
    return archivePath(repositoryOf(config), kind, from, { version: flags.appVersion, flag: flags.from ? '--from' : 'logs.application', at: new Date(), signal });
  }, storedInRepository(flags));
}

export async function backupList(flags: GlobalOptions & { format: Format; kind?: BackupKind }): Promise<number> {
  const { config, redactor } = await prepare(flags);
  const pgbackrest = config.backups?.pgbackrest && (!flags.kind || flags.kind === 'db') ? await pgbackrestListing(config.backups.pgbackrest) : undefined;
  // Without a dump repository, pgBackRest's backups are the whole list.
  if (pgbackrest && !config.backups?.directory) {
    await writeDocument({ blocks: pgbackrestBlocks(pgbackrest), json: { schemaVersion: OUTPUT_SCHEMA_VERSION, pgbackrest } satisfies OutputOf<'backup-list'> }, flags.format, redactor);
    return EXIT.ok;
  }
  const repo = repositoryOf(config);
  const listing = await repo.list();
  const backups = listing.backups.filter((b) => !flags.kind || b.kind === flags.kind);
  const now = Date.now();
  const rows = [...backups].reverse().map((b) => [
    b.id, b.kind, `${b.created.replace('T', ' ').replace(/\.\d+Z$/, 'Z')} (${formatValue(Math.max(0, Math.round((now - Date.parse(b.created)) / 1000)), 's')} ago)`,
    formatValue(b.size, 'bytes'), b.app?.version ?? (b.postgres ? `PostgreSQL ${b.postgres.version}` : ''), b.source,
  ]);
  await writeDocument({
    blocks: [
      ...(pgbackrest ? [...pgbackrestBlocks(pgbackrest), paragraph(['', `backup repository ${repo.directory}:`])] : []),
      rows.length ? { kind: 'table', columns: ['id', 'kind', 'created', 'size', 'version', 'source'], rows } : paragraph([`no ${flags.kind ?? ''}${flags.kind ? ' ' : ''}backups in ${repo.directory}`]),
      // File names are anyone's who can write to the repository: shown printable, as every line of a Document is.
      paragraph([
        ...listing.broken.map((b) => `unreadable manifest ${b}`),
        ...(listing.partial.length ? [`${counted(listing.partial.length, 'unfinished backup')} (no manifest, ignored): ${listing.partial.join(', ')}`] : []),
      ]),
    ],
    json: { schemaVersion: OUTPUT_SCHEMA_VERSION, directory: repo.directory, backups, broken: listing.broken, partial: listing.partial, ...(pgbackrest && { pgbackrest }) } satisfies OutputOf<'backup-list'>,
  }, flags.format, redactor);
  return EXIT.ok;
}

/** pgBackRest's backups (newest first) and the recoverable window, from `pgbackrest info`. */
async function pgbackrestListing(settings: PgbackrestSettings) {
  const probe = new PgbackrestProbe(settings);
  const stanza = await probe.info();
  const window = await probe.recoverableWindow();
  return {
    stanza: stanza.name,
    status: stanza.status.message,
    recoverable: window ? { from: window.from.toISOString(), to: window.to.toISOString(), lastWal: window.lastWal } : null,
    backups: backupsOf(stanza).reverse(),
  };
}

function pgbackrestBlocks(l: Awaited<ReturnType<typeof pgbackrestListing>>): Block[] {
  const head = `pgBackRest stanza "${l.stanza}" (${l.status}): ${l.recoverable ? `recoverable from ${l.recoverable.from} to ${l.recoverable.to} (newest archived WAL ${l.recoverable.lastWal})` : 'nothing recoverable'}`;
  if (!l.backups.length) return [paragraph([head, 'no pgBackRest backups'])];
  const rows = l.backups.map((b) => [
    b.label, b.type, `${backupTime(b.timestamp.start).replace('T', ' ')} – ${backupTime(b.timestamp.stop).slice(11)}`, formatValue(b.info.size, 'bytes'),
    formatValue(b.info.repository.delta, 'bytes'), `repo${b.database['repo-key']}`, `${b.archive.start ?? '?'} – ${b.archive.stop ?? '?'}${b.error ? ' (page checksum errors)' : ''}`,
  ]);
  return [paragraph([head]), { kind: 'table', columns: ['label', 'type', 'taken', 'size', 'stored', 'repo', 'WAL'], rows }];
}
