import { isoDay, reviewPeriod } from '../../compliance/checks.js';
import { defineCheck } from '../../engine/check.js';
import { holdsCardNumber, maskSecrets } from '../../engine/redact.js';

/** Lines shown as evidence (masked); the count covers them all. */
const SHOWN = 20;

/**
 * No card number (13–19 digits passing Luhn) in the application log or the PostgreSQL log over the
 * review period, rotated files (.1, .gz) included. Found numbers are shown masked, never whole.
 */
export default defineCheck({
  id: 'compliance.card-numbers-in-logs',
  title: 'No card numbers in the application and database logs (Luhn scan)',
  requires: ['logs'],
  unit: 'count',
  timeoutMs: 600_000,
  async run({ config, probes, now, signal }) {
    const { from, to } = reviewPeriod(now());
    const logs = [config.logs!.application!, ...(config.logs?.postgres ? [config.logs.postgres] : [])];
    let lines = 0;
    let hits = 0;
    const shown: string[] = [];
    const read: string[] = [];
    for (const log of logs) {
      for (const file of await probes.logFiles.files(log, from)) {
        let n = 0;
        for await (const { line, rec } of probes.logFiles.records(file)) {
          if (signal.aborted) throw new Error('stopped before the scan finished');
          // Lines without a time of their own (stack traces, continued statements) are scanned too.
          if (rec.time && (rec.time < from || rec.time > to)) continue;
          n++;
          if (!holdsCardNumber(line)) continue;
          hits++;
          if (shown.length < SHOWN) shown.push(`${file.path}${rec.time ? ` ${rec.time.toISOString()}` : ''}: ${maskSecrets(line).slice(0, 240)}`);
        }
        lines += n;
        read.push(`${file.path}: ${n} lines in the period${file.start ? ` (from byte ${file.start})` : ''}`);
      }
    }
    const span = `${isoDay(from)} → ${to.toISOString()}`;
    if (hits) {
      return {
        status: 'fail', value: hits,
        message: `${hits} log line${hits === 1 ? '' : 's'} of ${lines} ${hits === 1 ? 'holds' : 'hold'} a card number (${span}) — stop logging it, then purge or mask those logs`,
        details: [...shown, ...(hits > shown.length ? [`… and ${hits - shown.length} more`] : []), ...read],
      };
    }
    return { status: 'pass', value: 0, message: `no card number in ${lines} log lines (${span})`, details: read };
  },
});
