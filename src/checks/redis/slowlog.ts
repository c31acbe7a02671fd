import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { infoNumber, type RedisNode } from '../../probes/redis.js';
import { judgeNodes } from '../verdicts.js';
import { maskSecrets } from '../../engine/redact.js';

type Entry = [number, number, number, string[], string?, string?];

const DAY_S = 86_400;

/** Commands slower than slowlog-log-slower-than in the last 24 hours. */
export default defineCheck({
  id: 'redis.slowlog',
  title: 'Redis slow log (last 24 h)',
  requires: ['redis'],
  unit: 'count',
  // redis.conf slowlog-log-slower-than 10000 µs: every entry is a command that blocked the server for 10 ms or more
  thresholds: { warn: '> 0', source: 'redis.conf slowlog-log-slower-than (10 ms)' },
  run: ({ probes, now }) =>
    judgeNodes(probes.redis, async (node) => {
      // An empty slow log proves nothing when the server keeps none: a negative threshold logs no command, a length of 0 keeps none.
      const settings = await slowlogSettings(node);
      if (settings.off) throw new Error(settings.off);
      const since = now().getTime() / 1000 - DAY_S;
      const entries = ((await node.call('SLOWLOG', 'GET', 128)) as Entry[]).filter((e) => Number(e[1]) >= since);
      // The slow log lives in memory: a server up for less than a day shows only what came since it started.
      const uptime = infoNumber(await node.info(), 'server', 'uptime_in_seconds');
      const window = uptime < DAY_S ? `in the ${formatValue(uptime, 's')} since the server started (a restart empties the slow log)` : 'in 24 h';
      if (!entries.length) return { value: 0, line: `no command slower than ${settings.threshold} ${window}` };
      const slowest = entries.reduce((a, b) => (Number(b[2]) > Number(a[2]) ? b : a));
      const command = maskSecrets(slowest[3].map(String).join(' ')).slice(0, 80);
      return { value: entries.length, line: `${entries.length} slow command${entries.length > 1 ? 's' : ''} ${window}; slowest ${(Number(slowest[2]) / 1000).toFixed(1)} ms: ${command}` };
    }),
});

/**
 * What the server's slow log records: `off` says why it records nothing. Where CONFIG is not allowed
 * (managed services rename it), the slow log is read as it is and the line says the settings were not seen.
 */
async function slowlogSettings(node: RedisNode): Promise<{ threshold: string; off?: string }> {
  let pairs: string[];
  try {
    pairs = (await node.call('CONFIG', 'GET', 'slowlog-*')) as string[];
  } catch (e) {
    return { threshold: `slowlog-log-slower-than (not read: ${(e as Error).message})` };
  }
  const setting = (name: string) => Number(pairs[pairs.indexOf(name) + 1]);
  const slowerThan = setting('slowlog-log-slower-than');
  const maxLen = setting('slowlog-max-len');
  if (slowerThan < 0) return { threshold: '', off: `the slow log is off (slowlog-log-slower-than ${slowerThan}): no command is recorded; set it to 10000 (µs, the redis.conf default)` };
  if (maxLen === 0) return { threshold: '', off: 'the slow log keeps no entry (slowlog-max-len 0); set it to 128 (the redis.conf default)' };
  return { threshold: `${slowerThan / 1000} ms (slowlog-log-slower-than)` };
}
