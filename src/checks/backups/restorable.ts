import { verifyRestorable } from '../backups-verify.js';
import { defineCheck } from '../../engine/check.js';

/** pg_restore --list reads the newest database dump (or every one: backups.verify all) and finds the data of every table its manifest counted. */
export default defineCheck({
  id: 'backups.restorable',
  title: 'Database backups readable by pg_restore',
  nextStep: 'nvcops backup verify --all',
  requires: ['backups'],
  unit: 'count',
  // Barman check-backup / pg_verifybackup: a backup that cannot be read back is a failed backup
  thresholds: { fail: '> 0', source: 'Barman check-backup, pg_verifybackup (an unreadable backup is a failure)' },
  timeoutMs: 5 * 60_000,
  run: verifyRestorable,
});
