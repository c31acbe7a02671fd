import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';

/** How full the filesystems of the data directory and of the WAL are (a full pg_wal stops the server). */
export default defineCheck({
  id: 'postgres.disk-usage',
  title: 'Database host: disk used by the data and WAL directories',
  requires: ['postgres'],
  unit: '%',
  // check_postgres disk_space: 90% / 95%
  thresholds: { warn: '>= 90%', fail: '>= 95%', source: 'check_postgres disk_space (90%/95%)' },
  async run({ probes }) {
    const { dataDir, walDir } = await probes.postgresHost.dataDirectory();
    const dirs = await Promise.all([{ what: 'data', path: dataDir }, { what: 'WAL', path: walDir }].map(async (d) => ({ ...d, use: await probes.postgresHost.disk(d.path) })));
    const line = (d: (typeof dirs)[number]) =>
      `${d.what} ${d.path}: ${d.use.usedPercent.toFixed(1)}% used, ${formatValue(d.use.available, 'bytes')} free of ${formatValue(d.use.size, 'bytes')}`;
    const worst = dirs.reduce((a, b) => (b.use.usedPercent > a.use.usedPercent ? b : a));
    return { value: Math.round(worst.use.usedPercent * 10) / 10, message: line(worst), details: dirs.map(line) };
  },
});
