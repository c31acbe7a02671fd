/** Verdict helpers shared by checks of several domains: they judge what a probe read, and read nothing themselves. */
import type { CheckContext } from '../engine/check.js';
import type { CertificateReport } from '../probes/certificates.js';

export const DAY_MS = 86_400_000;

/**
 * The monthly review's window: 35 days, the longest gap between two Mondays of the same rank (third
 * or fourth Monday of consecutive months are 28 or 35 days apart), so a review never misses the
 * previous month's work because the month had five Mondays.
 */
export const MONTH_WINDOW_DAYS = 35;

/** Days from `at` to now, one decimal. */
export const daysSince = (ctx: CheckContext, at: string): number => Math.round(((ctx.now().getTime() - Date.parse(at)) / DAY_MS) * 10) / 10;

/** `the environment "production"`, or `this configuration` when none is named: where a review looked. */
export const where = (ctx: CheckContext): string => (ctx.config.environment ? `environment ${ctx.config.environment}` : 'this configuration (no environment named)');

/** Certificates that could not be read make a check `error` (it cannot say they are fine), naming each. */
export function unreadable(reports: CertificateReport[]): { status: 'error'; message: string; details: string[] } | undefined {
  const bad = reports.filter((r) => r.error);
  if (!bad.length) return undefined;
  return {
    status: 'error',
    message: `${bad.length} of ${reports.length} certificates could not be read`,
    details: reports.map((r) => (r.error ? `${r.source}: ${r.error}` : `${r.source}: read`)),
  };
}
