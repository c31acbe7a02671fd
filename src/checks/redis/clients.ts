import { defineCheck } from '../../engine/check.js';
import { infoNumber } from '../../probes/redis.js';
import { judgeNodes } from '../verdicts.js';

/** Connected clients as a share of maxclients. */
export default defineCheck({
  id: 'redis.clients',
  title: 'Redis clients vs maxclients',
  nextStep: 'nvcops health db',
  requires: ['redis'],
  unit: '%',
  // sysdig promcat: > 85% of maxclients; awesome-prometheus-alerts "Redis too many connections": > 90%
  thresholds: { warn: '>= 85%', fail: '>= 90%', source: 'promcat Redis alerts; awesome-prometheus-alerts' },
  run: ({ probes }) =>
    judgeNodes(probes.redis, async (node) => {
      const info = await node.info();
      const connected = infoNumber(info, 'clients', 'connected_clients');
      const max = info.clients?.maxclients !== undefined ? infoNumber(info, 'clients', 'maxclients') : Number(await node.config('maxclients'));
      return { value: Math.round((1000 * connected) / max) / 10, line: `${connected} of maxclients ${max}` };
    }),
});
