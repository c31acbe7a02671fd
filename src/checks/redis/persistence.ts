import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { infoNumber } from '../../probes/redis.js';
import { judgeNodes } from '../verdicts.js';

/** The last RDB save succeeded and is recent; AOF writes and rewrites succeed. */
export default defineCheck({
  id: 'redis.persistence',
  title: 'Redis last RDB save and AOF status',
  requires: ['redis'],
  unit: 's',
  // awesome-prometheus-alerts "Redis missing backup": last save older than 48 hours is critical
  thresholds: { fail: '> 48h', source: 'awesome-prometheus-alerts' },
  run: ({ probes, now }) =>
    judgeNodes(probes.redis, async (node) => {
      const p = (await node.info()).persistence ?? {};
      const aof = p.aof_enabled === '1';
      const save = await node.config('save');
      if (!save.trim() && !aof) return { status: 'skip', line: 'persistence is off (save "" and appendonly no): a restart loses every key; nothing to verify' };
      const problems = [
        p.rdb_last_bgsave_status !== 'ok' && `last RDB save failed (rdb_last_bgsave_status ${p.rdb_last_bgsave_status})`,
        aof && p.aof_last_write_status !== 'ok' && `AOF writes failing (aof_last_write_status ${p.aof_last_write_status})`,
        aof && p.aof_last_bgrewrite_status !== 'ok' && `AOF rewrite failed (aof_last_bgrewrite_status ${p.aof_last_bgrewrite_status})`,
      ].filter((x): x is string => Boolean(x));
      const age = Math.max(0, Math.round(now().getTime() / 1000 - infoNumber({ persistence: p }, 'persistence', 'rdb_last_save_time')));
      const line = `last successful save ${formatValue(age, 's')} ago, ${p.rdb_changes_since_last_save} changes since${aof ? ', AOF on' : ''}`;
      return problems.length ? { value: age, status: 'fail', line: `${problems.join('; ')}; ${line}` } : { value: age, line };
    }),
});
