import { defineCheck } from '../../engine/check.js';
import { windowEnding } from '../../probes/aws.js';
import { round } from '../aws-check.js';
import { BUDGET_MINUTES_30D, BUDGET_RATIO, DAY, HOUR, MIN_REQUESTS, albErrors, tooFewRequests, totals } from '../../probes/aws-metrics.js';

const MIN = 60_000;

/** SRE workbook table 5-8: multiwindow, multi-burn-rate alerts for a 99.9% SLO over 30 days. */
const ROWS = [
  { severity: 'page', long: HOUR, short: 5 * MIN, burn: 14.4, names: ['1 h', '5 min'] },
  { severity: 'page', long: 6 * HOUR, short: 30 * MIN, burn: 6, names: ['6 h', '30 min'] },
  { severity: 'ticket', long: 3 * DAY, short: 6 * HOUR, burn: 1, names: ['3 d', '6 h'] },
] as const;

/** How fast the error budget is being spent, in the workbook's windows: a page fails, a ticket warns. */
export default defineCheck({
  id: 'aws.burn-rate',
  title: 'Error-budget burn rate (99.9% SLO)',
  nextStep: 'nvcops incident metrics --preset error-rate --since 24h',
  requires: ['aws', 'aws-alb'],
  unit: 'ratio',
  timeoutMs: 20_000,
  async run({ probes, config, now }) {
    const s = await albErrors(probes.aws, config.aws!, now(), 3 * DAY, 300);
    if (!s.requests.length) return { value: null, message: 'CloudWatch returned no RequestCount datapoints for the load balancer in the last 3 days' };
    const end = windowEnding(now(), 3 * DAY, 300).end.getTime();
    const burn = (span: number) => {
      const t = totals(s, end - span);
      return { ...t, rate: t.requests ? t.errors / t.requests / BUDGET_RATIO : 0 };
    };
    const details: string[] = [];
    let fired: (typeof ROWS)[number] | undefined;
    let judged = 0;
    for (const row of ROWS) {
      const long = burn(row.long);
      const short = burn(row.short);
      const label = `${row.severity} ${row.names[0]} ${round(long.rate, 2)}x & ${row.names[1]} ${round(short.rate, 2)}x (fires at ${row.burn}x)`;
      if (long.requests < MIN_REQUESTS) {
        details.push(`${label}: not judged, ${tooFewRequests(long.requests, row.names[0])}`);
        continue;
      }
      judged++;
      const fires = long.rate >= row.burn && short.rate >= row.burn;
      details.push(`${label}: ${fires ? 'FIRING' : 'quiet'}`);
      if (fires && !fired) fired = row;
    }
    const hour = burn(HOUR);
    if (!judged) return { status: 'skip', message: tooFewRequests(burn(3 * DAY).requests, '3 days'), details };
    if (!fired) return { status: 'pass', value: round(hour.rate, 2), message: `no window burning; 1 h burn ${round(hour.rate, 2)}x`, details };
    const daysLeft = (BUDGET_MINUTES_30D / (24 * 60)) / (BUDGET_RATIO * burn(fired.long).rate);
    return {
      status: fired.severity === 'page' ? 'fail' : 'warn',
      value: round(hour.rate, 2),
      message: `${fired.severity}: ${fired.names[0]} and ${fired.names[1]} windows burn ≥ ${fired.burn}x; at this rate a 30-day budget lasts ${round(daysLeft, 1)} days`,
      details,
    };
  },
});
