import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { backupPath, readManifests, verifyBackup } from '../../backups/manifest.js';

/** The newest database backup file is whole: its size and SHA-256 match its manifest. */
export default defineCheck({
  id: 'backups.checksum',
  title: 'Newest database backup checksum verified',
  item: 'Backup verification completed',
  requires: ['backups'],
  unit: 'bytes',
  // Reads the whole file: generous, and still inside the run's default deadline for backups of a few GB.
  timeoutMs: 25_000,
  async run({ config, signal }) {
    const dir = config.backups!.directory!;
    const newest = (await readManifests(dir)).manifests.find((m) => m.manifest.kind === 'db');
    if (!newest) return { status: 'fail', message: `no database backup manifest in ${dir} to verify` };
    const result = await verifyBackup(newest, signal);
    if (!result.ok) return { status: 'fail', message: `${newest.manifest.id}: ${result.problem}` };
    return { value: result.bytes, message: `${newest.manifest.id}: ${formatValue(result.bytes, 'bytes')}, SHA-256 matches the manifest`, details: [backupPath(newest)] };
  },
});
