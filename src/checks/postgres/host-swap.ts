import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';

/** Swap in use on the database host: a database that swaps answers at disk speed. */
export default defineCheck({
  id: 'postgres.host-swap',
  title: 'Database host: swap used',
  requires: ['postgres'],
  unit: '%',
  // pgMonitor node swap alert: 60% warns, 80% is critical
  thresholds: { warn: '> 60%', fail: '> 80%', source: 'pgMonitor (swap used 60%/80%)' },
  async run({ probes }) {
    await probes.postgresHost.dataDirectory();
    const m = await probes.postgresHost.memory();
    if (m.SwapTotal === undefined || m.SwapFree === undefined) return { status: 'error', message: '/proc/meminfo has no SwapTotal or SwapFree' };
    if (m.SwapTotal === 0) return { value: 0, message: 'no swap configured' };
    const percent = Math.ceil((1000 * (m.SwapTotal - m.SwapFree)) / m.SwapTotal) / 10;
    return { value: percent, message: `${formatValue(m.SwapTotal - m.SwapFree, 'bytes')} of ${formatValue(m.SwapTotal, 'bytes')} swap used (${percent}%)` };
  },
});
