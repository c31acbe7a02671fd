import { defineCheck } from '../../engine/check.js';
import { infoNumber, parseInfo } from '../../probes/redis.js';
import { judgeNodes } from '../verdicts.js';

/** How long the error count is watched: the rate now, not the average since the server started. */
const WINDOW_MS = 1000;

/** Error replies per second (INFO stats total_error_replies), counted over a second of the run on each node. */
export default defineCheck({
  id: 'redis.error-replies',
  title: 'Redis error replies per second',
  requires: ['redis'],
  unit: 'count',
  watchesWindow: true,
  // Datadog Redis monitor: error replies above 5 per second
  thresholds: { warn: '> 5', source: 'Datadog Redis error replies (> 5/s)' },
  run: ({ probes, signal }) =>
    judgeNodes(probes.redis, async (node) => {
      const count = async () => infoNumber(parseInfo(String(await node.call('INFO', 'stats'))), 'stats', 'total_error_replies');
      const first = await count();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, WINDOW_MS);
        signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
      });
      const errors = await count() - first;
      const rate = Math.round((errors * 10_000) / WINDOW_MS) / 10;
      return { value: rate, line: `${rate} error replies per second (${errors} in ${WINDOW_MS / 1000} s; ${first + errors} since the server started)` };
    }),
});
