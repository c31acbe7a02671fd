import { newestBackupAge } from '../backups-freshness.js';
import { defineCheck } from '../../engine/check.js';

/** Logs keep arriving in the repository. */
export default defineCheck({
  id: 'backups.logs-freshness',
  title: 'Logs archived continuously',
  nextStep: 'nvcops backup logs',
  requires: ['backups'],
  unit: 's',
  // Runbook Backup Schedule "Logs: Continuous archival", archived hourly: warn after two missed hours, fail after a day
  thresholds: { warn: '> 2h', fail: '> 24h', source: 'runbook Backup Schedule: logs continuous (hourly archival)' },
  run: (ctx) => newestBackupAge('logs', ctx),
});
