import type { CheckContext, CheckOutput } from '../engine/check.js';
import type { BackupKind } from './manifest.js';
import { unreadableSince } from './repository.js';

/** The schedule line's words for each kind, for messages. */
const WORDS: Record<BackupKind, string> = {
  db: 'database', wal: 'transaction log', app: 'application', config: 'configuration', logs: 'log archive',
};

/**
 * Age in seconds of the newest backup of a kind. None at all is a failure; an unreadable manifest that is, or may
 * be, of a newer backup of the kind than the newest readable one is an error: an older backup's age does not stand in.
 */
export async function newestBackupAge(kind: BackupKind, { probes, now }: CheckContext): Promise<CheckOutput> {
  const backups = probes.backups;
  const { broken } = await backups.list();
  const newest = await backups.newest(kind);
  const details = broken.map((b) => `unreadable manifest ${b}`);
  const newer = unreadableSince(broken, kind, newest);
  if (newer.length) {
    const what = newest ? `newer than ${newest.id}, the newest readable one` : 'none is readable';
    return { status: 'error', message: `the newest ${WORDS[kind]} backup's manifest cannot be read (${what}): ${newer[0]}`, details };
  }
  if (!newest) return { status: 'fail', message: `no ${WORDS[kind]} backup in ${backups.directory}`, details };
  const age = Math.max(0, (now().getTime() - Date.parse(newest.created)) / 1000);
  return { value: Math.round(age), message: `newest ${WORDS[kind]} backup ${newest.id} taken ${newest.created}`, details };
}
