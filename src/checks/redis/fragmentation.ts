import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { infoNumber } from '../../probes/redis.js';
import { judgeNodes } from '../verdicts.js';

/** Redis' own MEMORY DOCTOR: no verdict under 5 MB used, and fragmentation counts only above 10 MB wasted. */
const MIN_USED = 5 * 1024 * 1024;
const MIN_WASTE = 10 * 1024 * 1024;

/** Resident memory against what Redis uses: memory lost to fragmentation. */
export default defineCheck({
  id: 'redis.fragmentation',
  title: 'Redis memory fragmentation',
  requires: ['redis'],
  unit: 'ratio',
  // sysdig promcat Redis alerts: mem_fragmentation_ratio > 1.5; MEMORY DOCTOR: only with 5 MB used and more than 10 MB fragmented
  thresholds: { warn: '> 1.5', source: 'promcat Redis alerts; Redis MEMORY DOCTOR (10 MB)' },
  run: ({ probes }) =>
    judgeNodes(probes.redis, async (node) => {
      const info = await node.info();
      const ratio = infoNumber(info, 'memory', 'mem_fragmentation_ratio');
      const wasted = infoNumber(info, 'memory', 'mem_fragmentation_bytes');
      const used = infoNumber(info, 'memory', 'used_memory');
      const line = `ratio ${ratio.toFixed(2)}, ${formatValue(Math.max(0, wasted), 'bytes')} fragmented (used ${formatValue(used, 'bytes')}, rss ${formatValue(infoNumber(info, 'memory', 'used_memory_rss'), 'bytes')})`;
      if (used < MIN_USED) return { value: ratio, status: 'pass', line: `${line}: under 5 MB used, the ratio means nothing yet` };
      return wasted > MIN_WASTE ? { value: ratio, line } : { value: ratio, status: 'pass', line: `${line}: under 10 MB, not worth acting on` };
    }),
});
