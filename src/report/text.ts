import { STATUSES, type Status } from '../engine/verdict.js';
import type { CheckResult, RunReport } from '../engine/report.js';
import { EXIT } from '../engine/errors.js';
import { formatValue } from '../engine/units.js';

/** Shared wording of the plain-text formats. */
export const SYMBOL: Record<Status, string> = { pass: '✔', warn: '▲', fail: '✖', error: '!', skip: '–', manual: '☐', waived: '≈' };

export const observedText = (r: CheckResult): string => (r.observed ? formatValue(r.observed.value, r.observed.unit) : '—');

export const thresholdText = (r: CheckResult): string =>
  r.threshold ? [r.threshold.warn && `warn ${r.threshold.warn}`, r.threshold.fail && `fail ${r.threshold.fail}`].filter(Boolean).join(' · ') : '';

export function summaryText(s: Record<Status, number>): string {
  const parts = STATUSES.filter((k) => s[k] > 0 || k === 'pass' || k === 'fail').map((k) => `${s[k]} ${k}`);
  return parts.join(', ');
}

/**
 * Manual lines left unattested are what make the exit code 3 when nothing else could: no check
 * errored (a review whose controls need a person's attestation, or a run where nothing was judged).
 * CI formats then show them as failures, so that a red job never shows a green report.
 */
export const manualMakesItRed = (report: RunReport): boolean => report.exitCode === EXIT.error && report.summary.error === 0 && report.summary.manual > 0;
