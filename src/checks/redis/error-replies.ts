import { setTimeout as delay } from 'node:timers/promises';
import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { infoNumber, parseInfo } from '../../probes/redis.js';
import { judgeNodes } from '../verdicts.js';

// 250 ms: one stray error in it is 4 per second, under the default warn level of 5 (below 200 ms it would warn alone).
const MIN_WINDOW_MS = 250;

/** The window's length as the line says it: 250 ms, 2.5 s. */
const span = (ms: number) => (ms < 1000 ? formatValue(ms, 'ms') : formatValue(Math.round(ms / 100) / 10, 's'));

/**
 * Error replies per second (INFO stats total_error_replies) on each node, over the run itself: read as the
 * run starts and again when the other checks are done (at least MIN_WINDOW_MS apart), so it adds no wall time.
 */
export default defineCheck({
  id: 'redis.error-replies',
  title: 'Redis error replies per second',
  requires: ['redis'],
  unit: 'count',
  watchesWindow: true,
  // Datadog Redis monitor: error replies above 5 per second
  thresholds: { warn: '> 5', source: 'Datadog Redis error replies (> 5/s)' },
  run: ({ probes, signal, othersDone }) =>
    judgeNodes(probes.redis, async (node) => {
      const count = async () => infoNumber(parseInfo(String(await node.call('INFO', 'stats'))), 'stats', 'total_error_replies');
      const first = await count();
      const from = performance.now();
      await othersDone();
      // Again while short of it: a timer counts from the event loop's clock and may fire a millisecond early.
      for (let short: number; !signal.aborted && (short = MIN_WINDOW_MS - (performance.now() - from)) > 0;) {
        await delay(short, undefined, { signal }).catch(() => undefined);
      }
      const errors = await count() - first;
      const windowMs = performance.now() - from;
      const rate = Math.round((errors * 10_000) / windowMs) / 10;
      return { value: rate, line: `${rate} error replies per second (${errors} in ${span(windowMs)}; ${first + errors} since the server started)` };
    }),
});
