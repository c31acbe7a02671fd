import type { CheckContext, CheckOutput } from '../engine/check.js';
import type { BackupKind } from './manifest.js';

/** The schedule line's words for each kind, for messages. */
const WORDS: Record<BackupKind, string> = {
  db: 'database', wal: 'transaction log', app: 'application', config: 'configuration', logs: 'log archive',
};

/**
 * Age in seconds of the newest backup of a kind. None at all is a failure; none readable while
 * some manifests cannot be read is an error (the newest may be among them).
 */
export async function newestBackupAge(kind: BackupKind, { probes, now }: CheckContext): Promise<CheckOutput> {
  const backups = probes.backups;
  const { broken } = await backups.list();
  const newest = await backups.newest(kind);
  const details = broken.map((b) => `unreadable manifest ${b}`);
  if (!newest && broken.length) return { status: 'error', message: `no readable ${WORDS[kind]} backup manifest; unreadable: ${broken[0]}`, details };
  if (!newest) return { status: 'fail', message: `no ${WORDS[kind]} backup in ${backups.directory}`, details };
  const age = Math.max(0, (now().getTime() - Date.parse(newest.created)) / 1000);
  return { value: Math.round(age), message: `newest ${WORDS[kind]} backup ${newest.id} taken ${newest.created}`, details };
}
