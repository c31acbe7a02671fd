import { STATUSES, type Status } from '../engine/verdict.js';
import type { CheckResult } from '../engine/report.js';
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
