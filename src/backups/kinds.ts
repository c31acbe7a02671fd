/** What a backup holds (runbook Backup Schedule: database, transaction log, application, configuration, logs). */
export const BACKUP_KINDS = ['db', 'wal', 'app', 'config', 'logs'] as const;
export type BackupKind = (typeof BACKUP_KINDS)[number];
