import { defineCheck } from '../../engine/check.js';
import { judgeNodes } from '../../probes/redis.js';

/** A replica's link to its master is up; a master's replicas are all online. */
export default defineCheck({
  id: 'redis.replication',
  title: 'Redis replication links',
  item: 'Cache performance review',
  requires: ['redis'],
  unit: 'count',
  run: ({ probes }) =>
    judgeNodes(probes.redis, async (node) => {
      const r = (await node.info()).replication ?? {};
      if (r.role === 'slave') {
        const up = r.master_link_status === 'up';
        const line = `replica of ${r.master_host}:${r.master_port}, link ${r.master_link_status}${up ? `, last I/O ${r.master_last_io_seconds_ago} s ago` : `, down for ${r.master_link_down_since_seconds ?? '?'} s`}`;
        // awesome-prometheus-alerts "Redis master link down": critical
        return { status: up ? 'pass' : 'fail', line };
      }
      const replicas = Object.entries(r).filter(([k]) => /^slave\d+$/.test(k)).map(([, v]) => Object.fromEntries(v.split(',').map((kv) => kv.split('='))) as Record<string, string>);
      const offline = replicas.filter((x) => x.state !== 'online');
      if (offline.length) return { status: 'fail', line: `master; replica ${offline.map((x) => `${x.ip}:${x.port} ${x.state}`).join(', ')}` };
      return { status: 'pass', line: replicas.length ? `master with ${replicas.length} replica${replicas.length > 1 ? 's' : ''} online (lag ${replicas.map((x) => `${x.lag ?? '?'} s`).join(', ')})` : 'master, no replicas attached' };
    }),
});
