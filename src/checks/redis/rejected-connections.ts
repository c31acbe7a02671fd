import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { infoNumber } from '../../probes/redis.js';
import { judgeNodes } from '../verdicts.js';

/** Connections refused because maxclients was reached, since the server started. */
export default defineCheck({
  id: 'redis.rejected-connections',
  title: 'Redis rejected connections',
  nextStep: 'nvcops health db',
  requires: ['redis'],
  unit: 'count',
  counter: true,
  // awesome-prometheus-alerts "Redis rejected connections": any increase is a problem (a client got an error)
  thresholds: { warn: '> 0', source: 'awesome-prometheus-alerts' },
  run: ({ probes }) =>
    judgeNodes(probes.redis, async (node) => {
      const info = await node.info();
      const rejected = infoNumber(info, 'stats', 'rejected_connections');
      return { value: rejected, line: `${rejected} connections rejected (maxclients reached) in ${formatValue(infoNumber(info, 'server', 'uptime_in_seconds'), 's')} of uptime` };
    }),
});
