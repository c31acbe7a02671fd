import { defineCheck } from '../../engine/check.js';
import { round } from '../aws-check.js';
import { BUDGET_MINUTES_30D, BUDGET_RATIO, DAY, MIN_REQUESTS, albErrors, tooFewRequests, totals } from '../../probes/aws-metrics.js';

/** What is left of the 30-day error budget of the 99.9% SLO (43.2 minutes in all), from 5XX / requests. */
export default defineCheck({
  id: 'aws.error-budget',
  title: '30-day error budget left (99.9% SLO)',
  nextStep: 'nvcops incident metrics --preset error-rate --since 24h',
  requires: ['aws', 'aws-alb'],
  unit: '%',
  // SRE workbook error budget policy: a spent budget stops releases until the service is back within SLO
  thresholds: { fail: '<= 0%', source: 'Google SRE workbook, error budget policy' },
  timeoutMs: 20_000,
  async run({ probes, config, now }) {
    const s = await albErrors(probes.aws, config.aws!, now(), 30 * DAY, 86_400, 3600);
    if (!s.requests.length) return { value: null, message: 'CloudWatch returned no RequestCount datapoints for the load balancer in the last 30 days' };
    const { requests, errors } = totals(s);
    if (requests < MIN_REQUESTS) return { status: 'skip', message: tooFewRequests(requests, '30 days') };
    const spent = errors / requests / BUDGET_RATIO;
    const leftMinutes = BUDGET_MINUTES_30D * (1 - spent);
    return {
      value: round(100 * (1 - spent), 2),
      message: `${round(Math.max(leftMinutes, 0), 1)} of ${BUDGET_MINUTES_30D} min left (${errors} 5XX of ${requests} requests, ${round(100 * spent, 1)}% of the budget spent)`,
    };
  },
});
