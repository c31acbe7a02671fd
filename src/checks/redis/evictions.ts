import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { infoNumber } from '../../probes/redis.js';
import { judgeNodes } from '../verdicts.js';

/** Keys evicted because maxmemory was reached, since the server started. */
export default defineCheck({
  id: 'redis.evictions',
  title: 'Redis evictions',
  requires: ['redis'],
  unit: 'count',
  counter: true,
  // redis.conf default maxmemory-policy noeviction: an evicted key is data the application expected to find (raise for a pure LRU cache)
  thresholds: { warn: '> 0', source: 'redis.conf maxmemory-policy (redis_exporter evicted_keys)' },
  run: ({ probes }) =>
    judgeNodes(probes.redis, async (node) => {
      const info = await node.info();
      const evicted = infoNumber(info, 'stats', 'evicted_keys');
      const uptime = infoNumber(info, 'server', 'uptime_in_seconds');
      return { value: evicted, line: `${evicted} keys evicted in ${formatValue(uptime, 's')} of uptime (policy ${info.memory?.maxmemory_policy ?? '?'})` };
    }),
});
