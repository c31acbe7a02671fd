import { newestBackupAge } from '../backups-freshness.js';
import { defineCheck } from '../../engine/check.js';

/** The newest database backup is no older than the schedule allows. */
export default defineCheck({
  id: 'backups.database-freshness',
  title: 'Database backed up every 6 hours',
  nextStep: 'nvcops backup db',
  requires: ['backups'],
  unit: 's',
  // Runbook Backup Schedule "Database: Every 6 hours": warn once a run is late (+1 h for the run itself), fail after a missed run
  thresholds: { warn: '> 7h', fail: '> 12h', source: 'runbook Backup Schedule: database every 6 hours' },
  run: (ctx) => newestBackupAge('db', ctx),
});
