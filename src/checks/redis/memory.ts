import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { infoNumber } from '../../probes/redis.js';
import { judgeNodes } from '../verdicts.js';

/** Memory used against maxmemory (or the machine's memory when no limit is set). */
export default defineCheck({
  id: 'redis.memory',
  title: 'Redis memory vs maxmemory',
  requires: ['redis'],
  unit: '%',
  // awesome-prometheus-alerts "Redis out of configured maxmemory": > 90%
  thresholds: { warn: '>= 90%', source: 'awesome-prometheus-alerts' },
  run: ({ probes }) =>
    judgeNodes(probes.redis, async (node) => {
      const info = await node.info();
      const used = infoNumber(info, 'memory', 'used_memory');
      const max = infoNumber(info, 'memory', 'maxmemory');
      const policy = info.memory?.maxmemory_policy ?? '?';
      const limit = max > 0 ? max : infoNumber(info, 'memory', 'total_system_memory');
      const pct = Math.round((1000 * used) / limit) / 10;
      const line = `${formatValue(used, 'bytes')} of ${max > 0 ? `maxmemory ${formatValue(max, 'bytes')}` : `system memory ${formatValue(limit, 'bytes')} (no maxmemory set)`}, policy ${policy}`;
      // At the limit with noeviction every write is refused with OOM: an outage, whatever the threshold says.
      if (max > 0 && used >= max && policy === 'noeviction') return { value: pct, status: 'fail', line: `${line}: full, writes are refused (OOM)` };
      return { value: pct, line };
    }),
});
