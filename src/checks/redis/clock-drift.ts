import { defineCheck } from '../../engine/check.js';
import { judgeNodes } from '../verdicts.js';
import { CLOCK_THRESHOLDS, clockLine, provenDrift, readClock } from '../clock-offset.js';

/** Each Redis node's clock (TIME) against nvcops' host: expiry and replication timestamps follow it (PCI DSS 10.6). */
export default defineCheck({
  id: 'redis.clock-drift',
  title: 'Redis clock in sync with nvcops\' host',
  requires: ['redis'],
  unit: 'ms',
  thresholds: CLOCK_THRESHOLDS,
  run: ({ probes }) =>
    judgeNodes(probes.redis, async (node) => {
      await node.connect();
      const reading = await readClock(async () => {
        const [seconds, micros] = (await node.call('TIME')) as [string, string];
        return Number(seconds) * 1000 + Number(micros) / 1000;
      });
      return { value: Math.round(provenDrift(reading)), line: clockLine(reading) };
    }),
});
