import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';

/** Memory the database host can still give without swapping (MemAvailable), read where nvcops runs on that host. */
export default defineCheck({
  id: 'postgres.host-memory',
  title: 'Database host: memory available',
  requires: ['postgres'],
  unit: '%',
  // pgMonitor node memory alert: available below 25% warns, below 10% is critical
  thresholds: { warn: '< 25%', fail: '< 10%', source: 'pgMonitor (available memory 25%/10%)' },
  async run({ probes }) {
    await probes.postgresHost.dataDirectory();
    const m = await probes.postgresHost.memory();
    if (!m.MemTotal || m.MemAvailable === undefined) return { status: 'error', message: '/proc/meminfo has no MemTotal or MemAvailable (Linux 3.14 or later)' };
    const percent = Math.floor((1000 * m.MemAvailable) / m.MemTotal) / 10;
    return { value: percent, message: `${formatValue(m.MemAvailable, 'bytes')} of ${formatValue(m.MemTotal, 'bytes')} available (${percent}%)` };
  },
});
