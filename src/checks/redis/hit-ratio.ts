import { defineCheck } from '../../engine/check.js';
import { roundToward } from '../../engine/units.js';
import { infoNumber } from '../../probes/redis.js';
import { judgeNodes } from '../verdicts.js';

// Our floor (promcat sets none): from 1,000 lookups one lookup moves the ratio by at most the 0.001 it is shown with.
const MIN_LOOKUPS = 1000;

/** Share of key lookups that found their key, since the server started. */
export default defineCheck({
  id: 'redis.hit-ratio',
  title: 'Redis keyspace hit ratio',
  requires: ['redis'],
  unit: 'ratio',
  // sysdig promcat "[Redis] Low Hit Ratio": < 0.9
  thresholds: { warn: '< 0.9', source: 'promcat Redis alerts' },
  run: ({ probes }) =>
    judgeNodes(probes.redis, async (node) => {
      const info = await node.info();
      const hits = infoNumber(info, 'stats', 'keyspace_hits');
      const misses = infoNumber(info, 'stats', 'keyspace_misses');
      if (hits + misses < MIN_LOOKUPS) return { status: 'skip', line: `not enough data yet: ${hits + misses} key lookups since the server started (judged from ${MIN_LOOKUPS})` };
      // Rounded down: judged by a `<` level, 0.8996 must not read (and pass) as 0.9.
      return { value: roundToward('down', hits / (hits + misses), 3), line: `${hits} hits, ${misses} misses` };
    }, 'lower-is-worse'),
});
