import type { Status } from '../engine/verdict.js';
import type { Config } from '../engine/config/index.js';
import type { RunReport } from '../engine/report.js';
import { AwsProbe } from './aws.js';

/** The custom namespace nvcops publishes its verdicts in. */
export const EMIT_NAMESPACE = 'NVCOps';

/** Nagios' codes, so one alarm on `CheckStatus >= 2` pages on failures and on checks that could not look. */
const CODE: Partial<Record<Status, number>> = { pass: 0, warn: 1, fail: 2, error: 3 };

/**
 * Publishes each verdict of a run as the metric NVCOps/CheckStatus with dimensions check and
 * environment, so CloudWatch alarms page on the same verdicts from every host that runs nvcops.
 * Skipped, manual and waived lines say nothing about health and are not sent. Returns how many were sent.
 */
export async function emitVerdicts(report: RunReport, config: Config): Promise<number> {
  const at = new Date(report.startedAt);
  const environment = config.environment ?? 'default';
  const data = report.items.flatMap((item) =>
    item.results.flatMap((r) => {
      const value = CODE[r.status];
      return value === undefined ? [] : [{ name: 'CheckStatus', dimensions: { check: r.id, environment }, value, at }];
    }),
  );
  if (data.length) {
    const aws = new AwsProbe(config.aws!);
    try {
      await aws.putMetricData(EMIT_NAMESPACE, data);
    } finally {
      aws.close();
    }
  }
  return data.length;
}
