/** Verdict helpers shared by checks: they judge what the probes read (judgeNodes asks each Redis node through the probe it is handed). */
import type { CheckContext } from '../engine/check.js';
import type { Config } from '../engine/config/index.js';
import { formatValue } from '../engine/units.js';
import type { CertificateReport } from '../probes/certificates.js';
import { indexSettings, type Bloat } from '../probes/postgres-catalog.js';
import type { RedisNode, RedisProbe } from '../probes/redis.js';
import type { CheckOutput } from '../engine/verdict.js';

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

/** The verdict shared by postgres.index-bloat and postgres.table-bloat: the worst estimated waste, every bloated relation in details. */
export function bloatVerdict({ bloat, unestimated }: { bloat: Bloat[]; unestimated: number }, config: Config, kind: 'index' | 'table', remedy: (name: string) => string) {
  const { bloatRatio } = indexSettings(config);
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

/** What one node says for a check: its value, the line shown for it, and a verdict when the value alone cannot carry it. */
export interface NodeReading {
  value?: number;
  line: string;
  status?: 'pass' | 'warn' | 'fail' | 'skip';
}

/**
 * Reads every node and reports the worst (highest, or lowest for `lower-is-worse`) value, one
 * detail line per node when there are several. A node that cannot be read makes the check `error`
 * unless another node already fails it.
 */
export async function judgeNodes(
  probe: RedisProbe,
  read: (node: RedisNode) => Promise<NodeReading>,
  worse: 'higher-is-worse' | 'lower-is-worse' = 'higher-is-worse',
): Promise<CheckOutput> {
  const nodes = await probe.nodes();
  const readings = await Promise.all(
    nodes.map((node) => read(node).then((r) => ({ node, r, error: undefined }), (error: Error) => ({ node, r: undefined, error }))),
  );
  const many = nodes.length > 1;
  const details = many ? readings.map(({ node, r, error }) => `${node.address}: ${error ? error.message : r!.line}`) : undefined;
  const label = (node: RedisNode, line: string) => (many ? `${node.address}: ${line}` : line);
  const failed = readings.find((x) => x.r?.status === 'fail');
  if (failed) return { status: 'fail', value: failed.r!.value ?? null, message: label(failed.node, failed.r!.line), ...(details && { details }) };
  const broken = readings.find((x) => x.error);
  if (broken) return { status: 'error', message: broken.error!.message, ...(details && { details }) };
  const warned = readings.find((x) => x.r?.status === 'warn');
  if (warned) return { status: 'warn', value: warned.r!.value ?? null, message: label(warned.node, warned.r!.line), ...(details && { details }) };
  const measured = readings.filter((x) => x.r!.status !== 'skip' && typeof x.r!.value === 'number');
  if (!measured.length) {
    // Verdicts without a number (a replication link is up) pass; readings that are all skips skip.
    const passed = readings.find((x) => x.r!.status === 'pass');
    const shown = passed ?? readings[0]!;
    return { status: passed ? 'pass' : 'skip', message: label(shown.node, shown.r!.line), ...(details && { details }) };
  }
  const sign = worse === 'higher-is-worse' ? 1 : -1;
  // A node whose reading already passes outright (fragmentation of a few MB) yields to one judged by its value.
  const judged = measured.filter((x) => x.r!.status !== 'pass');
  const top = (judged.length ? judged : measured).reduce((a, b) => (sign * b.r!.value! > sign * a.r!.value! ? b : a));
  return {
    value: top.r!.value!,
    ...(top.r!.status === 'pass' && { status: 'pass' as const }),
    message: label(top.node, top.r!.line),
    ...(details && { details }),
  };
}

/** How long ago `at` was, in words: `40 min`. */
export const ago = (ctx: CheckContext, at: string): string => formatValue(Math.max(0, Math.round((ctx.now().getTime() - Date.parse(at)) / 1000)), 's');

/**
 * Failovers fail; a server that could not be read is `error`; the first run passes with nothing to
 * compare; otherwise the count of restarts is judged by the check's threshold. The facts go with every verdict.
 */
export function restartsVerdict(found: {
  failovers: string[];
  restarts: string[];
  unread?: Error;
  /** When the compared run started; undefined on the first run. */
  previousAt?: string;
  /** What nothing to report is called: `no restart or failover`. */
  nothing: string;
  details: string[];
  facts: Record<string, unknown>;
}): CheckOutput {
  const { failovers, restarts, details, facts } = found;
  const changes = failovers.length + restarts.length;
  if (failovers.length) return { status: 'fail', value: changes, message: [...failovers, ...restarts].join('; '), details, facts };
  if (found.unread) return { status: 'error', message: found.unread.message, details, facts };
  if (!found.previousAt) return { value: 0, message: 'no previous run to compare: the facts seen now are kept for the next run', details, facts };
  return { value: changes, message: restarts.length ? restarts.join('; ') : `${found.nothing} since the last run (${found.previousAt})`, details, facts };
}
