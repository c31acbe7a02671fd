import { defineCheck } from '../../engine/check.js';
import { infoNumber } from '../../probes/redis.js';
import { judgeNodes } from '../verdicts.js';

/** Clients stuck in a blocking call (BLPOP, WAIT, XREAD BLOCK). */
export default defineCheck({
  id: 'redis.blocked-clients',
  title: 'Redis blocked clients',
  requires: ['redis'],
  unit: 'count',
  // redis_exporter redis_blocked_clients has no anchor threshold: any is flagged; raise it where queue workers block by design
  thresholds: { warn: '> 0', source: 'redis_exporter blocked_clients (no published threshold)' },
  run: ({ probes }) =>
    judgeNodes(probes.redis, async (node) => {
      const info = await node.info();
      const blocked = infoNumber(info, 'clients', 'blocked_clients');
      return { value: blocked, line: `${blocked} client${blocked === 1 ? '' : 's'} blocked${info.clients?.total_blocking_keys ? ` on ${info.clients.total_blocking_keys} keys` : ''}` };
    }),
});
