import { verifyChecksums } from '../backups-verify.js';
import { defineCheck } from '../../engine/check.js';

/** Size and sha256 of the newest backup of each kind (or every backup: backups.verify all), recomputed and compared with the manifest. */
export default defineCheck({
  id: 'backups.checksums',
  title: 'Backups match their manifests',
  nextStep: 'nvcops backup verify --all',
  requires: ['backups'],
  unit: 'count',
  // pgBackRest verify: any verifyChecksumMismatch or verifySizeInvalid makes the backup invalid
  thresholds: { fail: '> 0', source: 'pgBackRest verify (checksum or size mismatch = invalid backup)' },
  // A large dump is read in full: minutes, not seconds.
  timeoutMs: 30 * 60_000,
  run: verifyChecksums,
});
