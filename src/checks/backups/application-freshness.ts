import { newestBackupAge } from '../backups-freshness.js';
import { defineCheck } from '../../engine/check.js';

/** The newest application backup is no older than a day. */
export default defineCheck({
  id: 'backups.application-freshness',
  title: 'Application backed up daily',
  nextStep: 'nvcops backup app',
  requires: ['backups'],
  unit: 's',
  // Runbook Backup Schedule "Application: Daily full backup": warn once a run is late (+2 h), fail after a missed day
  thresholds: { warn: '> 26h', fail: '> 48h', source: 'runbook Backup Schedule: application daily' },
  run: (ctx) => newestBackupAge('app', ctx),
});
