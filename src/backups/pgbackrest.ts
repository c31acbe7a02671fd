/** The database's backups by pgBackRest (backups.pgbackrest): taking one (`pgbackrest backup`). */
import type { Config } from '../engine/config/index.js';
import { ConfigError } from '../engine/errors.js';
import { backupsOf, PgbackrestProbe, runPgbackrest, type PgbackrestBackup, type PgbackrestSettings } from '../probes/pgbackrest.js';

export type BackupType = 'full' | 'diff' | 'incr';
export const BACKUP_TYPES: readonly BackupType[] = ['full', 'diff', 'incr'];

export function pgbackrestSettings(config: Config): PgbackrestSettings {
  const s = config.backups?.pgbackrest;
  if (!s) throw new ConfigError('backups.pgbackrest: not set; name the stanza (backups.pgbackrest.stanza)');
  return s;
}

/** Takes a backup with `pgbackrest backup --type`; returns the one it made, as `info` lists it. */
export async function takePgbackrestBackup(s: PgbackrestSettings, type: BackupType, o: { timeoutMs: number; signal: AbortSignal; processMax: number }): Promise<PgbackrestBackup> {
  const before = new Set((await new PgbackrestProbe(s).info()).backup.map((b) => b.label));
  await runPgbackrest(s, ['backup', `--type=${type}`, ...(o.processMax > 1 ? [`--process-max=${o.processMax}`] : [])], { timeoutMs: o.timeoutMs, signal: o.signal });
  const made = backupsOf(await new PgbackrestProbe(s).info()).filter((b) => !before.has(b.label)).at(-1);
  if (!made) throw new Error('pgbackrest backup finished but pgbackrest info lists no new backup');
  return made;
}
