import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { readManifests } from '../../backups/manifest.js';

/** Age of the newest database backup in the backup directory. */
export default defineCheck({
  id: 'backups.freshness',
  title: 'Newest database backup age',
  item: 'Backup verification completed',
  requires: ['backups'],
  unit: 's',
  // Runbook Backup Schedule: "Database: Every 6 hours" — late after 6 h, a whole backup missed after 12 h
  thresholds: { warn: '> 6h', fail: '> 12h', source: 'runbook Backup Schedule (database every 6 hours)' },
  async run({ config, now }) {
    const dir = config.backups!.directory!;
    const { manifests, invalid } = await readManifests(dir);
    if (invalid.length) return { status: 'error', message: `unreadable backup manifest ${invalid[0]}`, details: invalid };
    const db = manifests.filter((m) => m.manifest.kind === 'db');
    if (!db.length) return { status: 'fail', message: `no database backup manifest in ${dir} (${manifests.length} other manifests)` };
    const newest = db[0]!.manifest;
    const age = Math.max(0, Math.round((now().getTime() - Date.parse(newest.created)) / 1000));
    return {
      value: age,
      message: `${newest.id} taken ${formatValue(age, 's')} ago (${newest.created}) from ${newest.source}, PostgreSQL ${newest.postgres!.version}, WAL ${newest.postgres!.startLsn}..${newest.postgres!.stopLsn}`,
      details: [`${db.length} database backups, ${manifests.length - db.length} others in ${dir}`],
    };
  },
});
