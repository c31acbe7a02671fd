import type { Procedure } from '../engine/procedure.js';

/** The Backup Schedule, line by line, with the checks that verify each. */
const SCHEDULE = [
  {
    title: 'Database: Every 6 hours + transaction log backup',
    checks: ['backups.database-freshness', 'backups.wal-archiving', 'backups.pgbackrest-freshness', 'backups.pgbackrest-wal', 'backups.pgbackrest-check'],
  },
  { title: 'Application: Daily full backup', checks: ['backups.application-freshness'] },
  { title: 'Configuration: Weekly backup', checks: ['backups.configuration-freshness'] },
  { title: 'Logs: Continuous archival', checks: ['backups.logs-freshness'] },
  { title: 'Backups intact and restorable', checks: ['backups.checksums', 'backups.restorable', 'backups.pgbackrest-verify'] },
  { title: 'Backups kept, encrypted and off-site', checks: ['backups.pgbackrest-retention', 'backups.pgbackrest-encryption', 'backups.pgbackrest-offsite'] },
] as const;

/** Reads the whole pgBackRest repository under its own deadline: in `backup verify`, not in the morning's run. */
const VERIFY_ONLY: readonly string[] = ['backups.pgbackrest-verify'];

/** What the morning checklist's "Backup verification completed" runs: the checks of `backup verify` but a full read of the pgBackRest repository. */
export const BACKUP_VERIFICATION = SCHEDULE.flatMap((line) => line.checks.filter((id) => !VERIFY_ONLY.includes(id)));

/** Backup and Recovery › Backup Schedule, verified line by line. */
export const backupProcedures = {
  'backup verify': {
    id: 'backup verify',
    runbook: 'Backup and Recovery › Backup Schedule (and Daily Operations: Backup verification completed)',
    items: SCHEDULE,
  },
} as const satisfies Record<string, Procedure>;
