import type { CheckContext } from '../engine/check.js';
import type { CheckOutput } from '../engine/verdict.js';
import { formatValue } from '../engine/units.js';
import type { BackupKind } from '../backups/kinds.js';
import { unreadableSince } from '../probes/backups.js';

/** The schedule line's words for each kind, for messages. */
const WORDS: Record<BackupKind, string> = {
  db: 'database', wal: 'transaction log', app: 'application', config: 'configuration', logs: 'log archive',
};

/** Why a dump check has nothing to judge where pgBackRest takes the database's backups. */
export const PGBACKREST_TAKES_DB = 'no database dump: the database is backed up by pgBackRest (backups.pgbackrest), judged by the backups.pgbackrest-* checks';

/** How far ahead of this host's clock a backup may be dated (clocks of two hosts drift a little) before it is judged wrong. */
const CLOCK_SKEW_S = 5 * 60;

/**
 * Age in seconds of the newest backup of a kind. None at all is a failure; an unreadable manifest that is, or may
 * be, of a newer backup of the kind than the newest readable one is an error: an older backup's age does not stand in.
 */
export async function newestBackupAge(kind: BackupKind, { probes, now, config }: CheckContext): Promise<CheckOutput> {
  const backups = probes.backups;
  const { broken } = await backups.list();
  const newest = await backups.newest(kind);
  const details = broken.map((b) => `unreadable manifest ${b}`);
  const newer = unreadableSince(broken, kind, newest);
  if (newer.length) {
    const what = newest ? `newer than ${newest.id}, the newest readable one` : 'none is readable';
    return { status: 'error', message: `the newest ${WORDS[kind]} backup's manifest cannot be read (${what}): ${newer[0]}`, details };
  }
  if (!newest && kind === 'db' && config.backups?.pgbackrest) return { status: 'skip', message: PGBACKREST_TAKES_DB, details };
  if (!newest) return { status: 'fail', message: `no ${WORDS[kind]} backup in ${backups.directory}`, details };
  const age = (now().getTime() - Date.parse(newest.created)) / 1000;
  // A backup from the future is no proof of a fresh one: a wrong clock, or a manifest altered to look fresh.
  if (age < -CLOCK_SKEW_S) {
    return {
      status: 'error',
      message: `newest ${WORDS[kind]} backup ${newest.id} is dated ${newest.created}, ${formatValue(-age, 's')} in the future: a wrong clock (here or where it was taken) or an altered manifest; its age cannot be judged`,
      details,
    };
  }
  return { value: Math.max(0, Math.round(age)), message: `newest ${WORDS[kind]} backup ${newest.id} taken ${newest.created}`, details };
}
