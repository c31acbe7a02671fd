import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { infoNumber, replicasOf } from '../../probes/redis.js';
import { judgeNodes } from '../verdicts.js';

/**
 * How far each replica's acknowledged offset is behind its master's (INFO replication), as a share of the
 * master's replication backlog: a replica further behind than the backlog cannot resume with a partial
 * resynchronisation when its link drops, and takes a full copy of the data set instead.
 */
export default defineCheck({
  id: 'redis.replica-lag',
  title: 'Redis replica offset lag',
  requires: ['redis'],
  unit: '%',
  // redis.conf repl-backlog-size: the backlog is what a replica can catch up from; half of it is the warning.
  thresholds: { warn: '> 50%', fail: '> 100%', source: 'redis.conf repl-backlog-size (partial resync limit)' },
  run: ({ probes }) =>
    judgeNodes(probes.redis, async (node) => {
      const info = await node.info();
      const r = info.replication ?? {};
      if (r.role !== 'master') return { status: 'skip', line: `replica of ${r.master_host}:${r.master_port}: its lag is read on its master` };
      const offset = infoNumber(info, 'replication', 'master_repl_offset');
      const backlog = infoNumber(info, 'replication', 'repl_backlog_size');
      // A replica still taking its copy has no offset to compare yet: redis.replication judges it.
      const replicas = replicasOf(r).filter((x) => x.state === 'online');
      if (!replicas.length) return { value: 0, line: 'master, no replica online' };
      const lags = replicas.map((x) => ({ at: `${x.ip}:${x.port}`, bytes: Math.max(0, offset - Number(x.offset)) })).sort((a, b) => b.bytes - a.bytes);
      const worst = lags[0]!;
      const share = Math.round((1000 * worst.bytes) / backlog) / 10;
      return { value: share, line: `replica ${worst.at} ${formatValue(worst.bytes, 'bytes')} behind (${share}% of repl-backlog-size ${formatValue(backlog, 'bytes')})${lags.length > 1 ? `; others: ${lags.slice(1).map((l) => `${l.at} ${formatValue(l.bytes, 'bytes')}`).join(', ')}` : ''}` };
    }),
});
