import { newestBackupAge } from '../backups-freshness.js';
import { defineCheck } from '../../engine/check.js';

/** The newest configuration snapshot is no older than a week. */
export default defineCheck({
  id: 'backups.configuration-freshness',
  title: 'Configuration backed up weekly',
  nextStep: 'nvcops backup config',
  requires: ['backups'],
  unit: 's',
  // Runbook Backup Schedule "Configuration: Weekly backup": warn a day late, fail after a missed week
  thresholds: { warn: '> 8 days', fail: '> 14 days', source: 'runbook Backup Schedule: configuration weekly' },
  run: (ctx) => newestBackupAge('config', ctx),
});
