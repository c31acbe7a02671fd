import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { isOk, percentile } from '../../probes/http.js';

/** p95 (with p50 and max) of an active probe of each service endpoint over an open connection; the slowest service is judged. */
export default defineCheck({
  id: 'http.response-time',
  title: 'API response time p95 (active probe)',
  nextStep: 'nvcops incident metrics --preset api-latency',
  requires: ['services'],
  unit: 'ms',
  timeoutMs: 30_000,
  // Runbook target: API response times < 200ms; warn at 150 ms as in the monitoring-plugins example of this SLO
  thresholds: { warn: '> 150ms', fail: '> 200ms', source: 'runbook (< 200ms); monitoring-plugins perfdata example' },
  async run({ probes, signal }) {
    const all = await probes.http.measureAll(signal);
    const rows = all.map((m) => {
      // A request that got no answer within the timeout took at least that long: leaving it out would time only the fast ones.
      const times = m.samples.filter((s) => isOk(s) || s.timedOut).map((s) => s.ms);
      const timedOut = m.samples.filter((s) => s.timedOut).length;
      return { name: m.service.name, n: times.length, of: m.samples.length, timedOut, first: m.first?.ms, p50: percentile(times, 0.5), p95: percentile(times, 0.95), max: percentile(times, 1) };
    });
    const ms = (v: number | undefined) => (v === undefined ? '—' : formatValue(v, 'ms'));
    const details = rows.map((r) => `${r.name}: p50 ${ms(r.p50)}, p95 ${ms(r.p95)}, max ${ms(r.max)} over ${r.n} of ${r.of} requests${r.timedOut ? ` (${r.timedOut} without an answer in time, counted at the time waited)` : ''} (first request, opening the connection: ${ms(r.first)})`);
    const timed = rows.filter((r) => r.p95 !== undefined);
    const blind = rows.filter((r) => r.p95 === undefined).map((r) => r.name);
    // A service that never answered 2xx is the availability check's failure; here it only means no timing.
    if (!timed.length) return { status: 'error', message: `no successful response to time from ${blind.join(', ')}`, details };
    const slowest = timed.reduce((a, b) => (b.p95! > a.p95! ? b : a));
    const untimed = blind.length ? `; no successful response to time from ${blind.join(', ')}` : '';
    return { value: slowest.p95!, message: `slowest ${slowest.name}: p50 ${ms(slowest.p50)}, p95 ${ms(slowest.p95)}, max ${ms(slowest.max)}${untimed}`, details };
  },
});
