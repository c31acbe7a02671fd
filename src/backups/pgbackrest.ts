/**
 * The database's backups by pgBackRest (backups.pgbackrest): taking one (`pgbackrest backup`), and
 * what its `info` says about them — the backups and the recoverable window, from the oldest
 * backup's start to the newest archived WAL segment.
 */
import type { Config } from '../engine/config/index.js';
import { ConfigError } from '../engine/errors.js';
import { PgbackrestProbe, runPgbackrest, type PgbackrestBackup, type PgbackrestSettings, type PgbackrestStanza } from '../probes/pgbackrest.js';

export type BackupType = 'full' | 'diff' | 'incr';
export const BACKUP_TYPES: readonly BackupType[] = ['full', 'diff', 'incr'];

export function pgbackrestSettings(config: Config): PgbackrestSettings {
  const s = config.backups?.pgbackrest;
  if (!s) throw new ConfigError('backups.pgbackrest: not set; name the stanza (backups.pgbackrest.stanza)');
  return s;
}

/** The backups of the stanza, oldest first, as pgBackRest lists them (every repository). */
export const backupsOf = (stanza: PgbackrestStanza): PgbackrestBackup[] => [...stanza.backup].sort((a, b) => a.timestamp.start - b.timestamp.start);

/** The archive of the database the newest backup belongs to, in that backup's repository. */
export function archiveOf(stanza: PgbackrestStanza, backup: PgbackrestBackup | undefined): PgbackrestStanza['archive'][number] | undefined {
  const current = stanza.archive.filter((a) => a.max);
  if (!backup) return current.at(-1);
  return current.find((a) => a.database.id === backup.database.id && a.database['repo-key'] === backup.database['repo-key']) ?? current.at(-1);
}

/** From the oldest backup's start to when the newest archived WAL segment arrived (unix seconds); undefined without a backup. */
export interface RecoverableWindow {
  from: Date;
  to: Date;
  /** The newest archived WAL segment, whose arrival ends the window. */
  lastWal: string;
}

/**
 * The recoverable window: a point-in-time recovery can reach any moment from the end of the oldest
 * backup (the first consistent point) to the last transaction in the newest archived WAL segment,
 * which committed no later than that segment reached the repository.
 */
export async function recoverableWindow(probe: PgbackrestProbe): Promise<RecoverableWindow | undefined> {
  const stanza = await probe.info();
  const backups = backupsOf(stanza).filter((b) => !b.error);
  const oldest = backups[0];
  const newest = backups.at(-1);
  const archive = archiveOf(stanza, newest);
  if (!oldest || !newest || !archive?.max) return undefined;
  const segments = await probe.archivedSegments(newest.database['repo-key'], archive.id);
  const last = segments.filter((s) => s.name <= archive.max!).at(-1);
  // repo-ls gives whole seconds, truncated: the segment arrived before the next second.
  const to = Math.max(newest.timestamp.stop, (last?.time ?? 0) + 1);
  return { from: new Date(oldest.timestamp.stop * 1000), to: new Date(to * 1000), lastWal: archive.max };
}

/** Takes a backup with `pgbackrest backup --type`; returns the one it made, as `info` lists it. */
export async function takePgbackrestBackup(s: PgbackrestSettings, type: BackupType, o: { timeoutMs: number; signal: AbortSignal; processMax: number }): Promise<PgbackrestBackup> {
  const before = new Set((await new PgbackrestProbe(s).info()).backup.map((b) => b.label));
  await runPgbackrest(s, ['backup', `--type=${type}`, ...(o.processMax > 1 ? [`--process-max=${o.processMax}`] : [])], { timeoutMs: o.timeoutMs, signal: o.signal });
  const made = backupsOf(await new PgbackrestProbe(s).info()).filter((b) => !before.has(b.label)).at(-1);
  if (!made) throw new Error('pgbackrest backup finished but pgbackrest info lists no new backup');
  return made;
}

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

/** One line about a backup: label, type, when, sizes, WAL range. */
export function describeBackup(b: PgbackrestBackup): string {
  const prior = b.prior ? `, on ${b.prior}` : '';
  return `${b.label} (${b.type}${prior}) in repo${b.database['repo-key']}, ${iso(b.timestamp.start)} – ${iso(b.timestamp.stop)}, WAL ${b.archive.start ?? '?'} – ${b.archive.stop ?? '?'}`;
}

export const backupTime = iso;

/** A WAL segment's place in the sequence: (log × segments per log) + segment, on its timeline. */
const segmentIndex = (name: string, perLog: number) => Number.parseInt(name.slice(8, 16), 16) * perLog + Number.parseInt(name.slice(16, 24), 16);
const segmentName = (timeline: string, index: number, perLog: number) =>
  `${timeline}${Math.floor(index / perLog).toString(16).toUpperCase().padStart(8, '0')}${(index % perLog).toString(16).toUpperCase().padStart(8, '0')}`;

/** Runs of missing WAL segments, each `first – last` (or one name). */
export interface WalContinuity {
  /** Segments missing between `from` and the newest archived one: recovery cannot cross them. */
  gaps: string[];
  /** Finished segments after the newest archived one, not yet in the repository. */
  waiting: number;
  newest: string | undefined;
}

/**
 * Which finished WAL segments from `from` (the newest backup's first) up to the one before `current`
 * (the server's) are missing from `archived`, on `current`'s timeline.
 */
export function walContinuity(archived: readonly string[], from: string, current: string, walSegmentBytes: number): WalContinuity {
  const perLog = 0x1_0000_0000 / walSegmentBytes;
  const timeline = current.slice(0, 8);
  const onTimeline = archived.filter((n) => n.startsWith(timeline));
  const have = new Set(onTimeline.map((n) => segmentIndex(n, perLog)));
  // A backup taken on an earlier timeline: continuity is judged from the first segment of this one.
  const start = from.startsWith(timeline) ? segmentIndex(from, perLog) : Math.min(...have);
  const end = segmentIndex(current, perLog) - 1;
  const newestIndex = Math.max(-1, ...[...have].filter((i) => i <= end));
  const gaps: string[] = [];
  let run: number | undefined;
  for (let i = start; i <= newestIndex + 1; i++) {
    if (!have.has(i) && i <= newestIndex) {
      run ??= i;
    } else if (run !== undefined) {
      gaps.push(run === i - 1 ? segmentName(timeline, run, perLog) : `${segmentName(timeline, run, perLog)} – ${segmentName(timeline, i - 1, perLog)}`);
      run = undefined;
    }
  }
  return { gaps, waiting: Math.max(0, end - Math.max(newestIndex, start - 1)), newest: newestIndex >= 0 ? segmentName(timeline, newestIndex, perLog) : undefined };
}
