import { defineCheck } from '../../engine/check.js';
import { round } from '../aws-check.js';
import { DAY, MIN_REQUESTS, albErrors, tooFewRequests, totals } from '../../probes/aws-metrics.js';

/** 5XX responses (target and load balancer) as a share of ALB requests over the last 24 full hours. */
export default defineCheck({
  id: 'aws.error-rate',
  title: 'Error rate (ALB 5XX / requests)',
  nextStep: 'nvcops incident metrics --preset error-rate --since 24h',
  requires: ['aws', 'aws-alb'],
  unit: '%',
  // The runbook's line: Error rates < 0.1%
  thresholds: { fail: '>= 0.1%', source: 'Operations Runbook: Error rates < 0.1%' },
  timeoutMs: 20_000,
  async run({ probes, config, now }) {
    const s = await albErrors(probes.aws, config.aws!, now(), DAY, 86_400, 3600);
    const { requests, errors } = totals(s);
    if (!s.requests.length) return { value: null, message: 'CloudWatch returned no RequestCount datapoints for the load balancer in the last 24 h' };
    if (requests < MIN_REQUESTS) return { status: 'skip', message: tooFewRequests(requests, '24 h') };
    const rate = s.rate[0];
    if (!rate) return { value: null, message: 'CloudWatch metric math returned no error rate for the last 24 h' };
    return { value: round(rate.v, 4), message: `${errors} 5XX of ${requests} requests in the last 24 h` };
  },
});
