import { defineCheck } from '../../engine/check.js';
import { judgeNodes } from '../../probes/redis.js';
import { maskCardNumbers } from '../../security/cards.js';

type Entry = [number, number, number, string[], string?, string?];

const DAY_S = 86_400;

/** Commands slower than slowlog-log-slower-than in the last 24 hours. */
export default defineCheck({
  id: 'redis.slowlog',
  title: 'Redis slow log (last 24 h)',
  item: 'Cache performance review',
  requires: ['redis'],
  unit: 'count',
  // redis.conf slowlog-log-slower-than 10000 µs: every entry is a command that blocked the server for 10 ms or more
  thresholds: { warn: '> 0', source: 'redis.conf slowlog-log-slower-than (10 ms)' },
  run: ({ probes, now }) =>
    judgeNodes(probes.redis, async (node) => {
      const since = now().getTime() / 1000 - DAY_S;
      const entries = ((await node.call('SLOWLOG', 'GET', 128)) as Entry[]).filter((e) => Number(e[1]) >= since);
      if (!entries.length) return { value: 0, line: 'no command slower than slowlog-log-slower-than in 24 h' };
      const slowest = entries.reduce((a, b) => (Number(b[2]) > Number(a[2]) ? b : a));
      const command = maskCardNumbers(slowest[3].map(String).join(' ')).slice(0, 80);
      return { value: entries.length, line: `${entries.length} slow command${entries.length > 1 ? 's' : ''} in 24 h; slowest ${(Number(slowest[2]) / 1000).toFixed(1)} ms: ${command}` };
    }),
});
