import { defineCheck } from '../../engine/check.js';
import { counted } from '../../engine/units.js';

const VERIFY_TIMEOUT_MS = 30 * 60_000;

/** `pgbackrest verify`: every backup file and WAL segment in the repository against its checksum and size. */
export default defineCheck({
  id: 'backups.pgbackrest-verify',
  title: 'Backups and WAL match their checksums (pgbackrest verify)',
  nextStep: 'nvcops backup verify',
  requires: ['pgbackrest'],
  unit: 'count',
  // pgBackRest verify: any verifyChecksumMismatch or verifySizeInvalid makes the backup invalid
  thresholds: { fail: '> 0', source: 'pgBackRest verify (checksum or size mismatch = invalid backup)' },
  // Reads the whole repository: minutes on a large one; its own deadline.
  timeoutMs: VERIFY_TIMEOUT_MS,
  async run({ probes, signal }) {
    const v = await probes.pgbackrest.verify(VERIFY_TIMEOUT_MS, signal);
    const summary = v.output.split('\n').filter((l) => /^\s*(archiveId|backup):/.test(l)).map((l) => l.trim());
    if (v.ok) return { value: 0, message: `pgbackrest verify: ${counted(summary.length, 'archive or backup')} checked, all valid`, details: summary };
    return { value: v.invalid, message: `pgbackrest verify: ${v.problems.length ? v.problems.join('; ') : v.output.trim().split('\n').at(-1) ?? 'failed'}`, details: summary };
  },
});
