/** Verdict helpers shared by checks of several domains: they judge what a probe read, and read nothing themselves. */
import type { CheckContext } from '../engine/check.js';
import type { Config } from '../engine/config/index.js';
import { formatValue } from '../engine/units.js';
import type { CertificateReport } from '../probes/certificates.js';
import { indexSettings, type CatalogProbe } from '../probes/postgres-catalog.js';

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

/** The check shared by postgres.index-bloat and postgres.table-bloat: the worst estimated waste, every bloated relation in details. */
export async function bloatCheck(catalog: CatalogProbe, config: Config, kind: 'index' | 'table', remedy: (name: string) => string) {
  const { bloatRatio } = indexSettings(config);
  const { bloat, unestimated } = await catalog.bloat(kind);
  const unseen = unestimated ? `; ${unestimated} without statistics (never analyzed, or the role may not read their pg_stats rows) not estimated` : '';
  if (bloat.length === 0) {
    return unestimated
      ? { status: 'error' as const, message: `no ${kind} could be estimated${unseen}` }
      : { value: 0, message: `no ${kind === "index" ? "indexes" : "tables"} with pages to estimate` };
  }
  const worst = bloat[0]!;
  const size = (n: number) => formatValue(n, 'bytes');
  return {
    value: worst.wasted,
    message: `worst: ${worst.name} about ${size(worst.wasted)} of ${size(worst.size)} wasted (${worst.ratio.toFixed(0)}%)${unseen}`,
    // Only relations mostly made of waste get a remedy; the rest is ordinary free space.
    details: bloat.filter((b) => b.ratio >= bloatRatio).slice(0, 10).map((b) => `${b.name}: ${size(b.wasted)} of ${size(b.size)} wasted (${b.ratio.toFixed(0)}%) — ${remedy(b.name)}`),
  };
}

