import { defineCheck } from '../../engine/check.js';
import { replicasOf } from '../../probes/redis.js';
import { judgeNodes } from '../verdicts.js';

/**
 * A replica's link to its master is up; a master's replicas are online, and as many as `redis.replicas`
 * says (a master forgets a replica it lost: without the number, a lost replica looks like none).
 */
export default defineCheck({
  id: 'redis.replication',
  title: 'Redis replication links',
  requires: ['redis'],
  unit: 'count',
  run: ({ probes, config }) =>
    judgeNodes(probes.redis, async (node) => {
      const r = (await node.info()).replication ?? {};
      if (r.role === 'slave') {
        const up = r.master_link_status === 'up';
        const line = `replica of ${r.master_host}:${r.master_port}, link ${r.master_link_status}${up ? `, last I/O ${r.master_last_io_seconds_ago} s ago` : `, down for ${r.master_link_down_since_seconds ?? '?'} s`}`;
        // awesome-prometheus-alerts "Redis master link down": critical
        return { status: up ? 'pass' : 'fail', line };
      }
      const replicas = replicasOf(r);
      const online = replicas.filter((x) => x.state === 'online');
      // A replica taking its first copy (or a new one after a break) is on its way: a warning, not a failure.
      const syncing = replicas.filter((x) => SYNCING.has(x.state!));
      const broken = replicas.filter((x) => x.state !== 'online' && !SYNCING.has(x.state!));
      const expected = config.redis?.replicas;
      const listed = (xs: Record<string, string>[]) => xs.map((x) => `${x.ip}:${x.port} ${x.state}`).join(', ');
      if (broken.length) return { status: 'fail', line: `master; replica ${listed(broken)}` };
      if (expected !== undefined && online.length + syncing.length < expected) {
        return { status: 'fail', line: `master with ${online.length} of ${expected} replicas online (redis.replicas)${syncing.length ? `; syncing: ${listed(syncing)}` : ''}` };
      }
      if (syncing.length) return { status: 'warn', line: `master; replica ${listed(syncing)} (copying the data set)` };
      if (!replicas.length) return { status: 'pass', line: `master, no replicas attached${expected === undefined ? ' (set redis.replicas to the number expected: a lost replica also looks like none)' : ''}` };
      return { status: 'pass', line: `master with ${replicas.length} replica${replicas.length > 1 ? 's' : ''} online (lag ${replicas.map((x) => `${x.lag ?? '?'} s`).join(', ')})` };
    }),
});

const SYNCING = new Set(['wait_bgsave', 'send_bulk']);
