import type { Procedure } from '../engine/procedure.js';

/** The Backup Schedule, line by line, with the checks that verify each. */
const SCHEDULE = [
  { title: 'Database: Every 6 hours + transaction log backup', checks: ['backups.database-freshness', 'backups.wal-archiving'] },
  { title: 'Application: Daily full backup', checks: ['backups.application-freshness'] },
  { title: 'Configuration: Weekly backup', checks: ['backups.configuration-freshness'] },
  { title: 'Logs: Continuous archival', checks: ['backups.logs-freshness'] },
  { title: 'Backups intact and restorable', checks: ['backups.checksums', 'backups.restorable'] },
] as const;

/** What the morning checklist's "Backup verification completed" runs: the same checks as `backup verify`. */
export const BACKUP_VERIFICATION = SCHEDULE.flatMap((line) => line.checks);

/** Backup and Recovery › Backup Schedule, verified line by line. */
export const backupProcedures = {
  'backup verify': {
    id: 'backup verify',
    runbook: 'Backup and Recovery › Backup Schedule (and Daily Operations: Backup verification completed)',
    items: SCHEDULE,
  },
} as const satisfies Record<string, Procedure>;
