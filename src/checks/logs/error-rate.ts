import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { noDatedLines } from '../../probes/logs.js';
import { MIN_REQUESTS, tooFewRequests } from '../../probes/aws-metrics.js';

const DAY_MS = 86_400_000;

/** Requests answered 5xx (or logged at error level) over all requests, in the application log's last 24 hours. */
export default defineCheck({
  id: 'logs.error-rate',
  title: 'Error rate, application log (24 h)',
  nextStep: 'nvcops incident logs --since 24h --level error',
  requires: ['logs'],
  unit: '%',
  timeoutMs: 60_000,
  // Runbook target: error rates < 0.1%; warn at half of it, as in the monitoring-plugins example of this SLO
  thresholds: { warn: '>= 0.05%', fail: '>= 0.1%', source: 'runbook (< 0.1%); monitoring-plugins perfdata example' },
  async run({ config, probes, now }) {
    const file = config.logs!.application!;
    const w = await probes.logs.window(file, DAY_MS, now());
    const covered = w.oldest && w.oldest.getTime() <= w.since.getTime() + 60_000;
    const span = w.oldest ? formatValue(Math.round((now().getTime() - w.oldest.getTime()) / 1000), 's') : 'nothing';
    const details = [
      `${w.files.join(', ')}: ${w.lines} lines in the window, ${w.requests} requests, ${w.failedRequests} failed, ${w.errorLines} other error lines${w.undated ? `, ${w.undated} lines without a readable time (left out)` : ''}`,
      ...(covered ? [] : [`the log reaches back ${span} only, not the full 24 h`]),
    ];
    if (w.requests === 0) {
      return {
        status: 'error',
        message: `no request lines (with an HTTP status) in the last 24 h of ${file}: cannot compute an error rate${w.undated && !w.lines ? `; ${noDatedLines(w)}` : ''}`,
        details,
      };
    }
    // The runbook's 0.1% over fewer than 1,000 requests is one error (MIN_REQUESTS, as aws.error-rate).
    if (w.requests < MIN_REQUESTS) return { status: 'skip', message: `not enough data yet: ${tooFewRequests(w.requests, `the last 24 h of ${file}`)}`, details };
    const pct = (100 * w.failedRequests) / w.requests;
    return {
      value: Math.round(pct * 10_000) / 10_000,
      message: `${w.failedRequests} of ${w.requests} requests failed (5xx or level error)${covered ? '' : ` over the ${span} the log covers`}`,
      details,
    };
  },
});
