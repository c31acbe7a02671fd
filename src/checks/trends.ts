/**
 * Performance trends for the monthly capacity review: the observed values of the morning health
 * checks (`health daily`, `health db`) over the month from the run history, each fitted with a least-squares line.
 */
import type { CheckContext } from '../engine/check.js';
import type { CheckOutput } from '../engine/verdict.js';
import { fromCanonical, parseCondition, type Condition } from '../engine/thresholds.js';
import { leastSquares, untilLimit, type Trend } from '../engine/trend.js';
import { formatValue, kindOf, roundToward, toCanonical, type Unit } from '../engine/units.js';
import { DAY_MS, MONTH_WINDOW_DAYS } from './verdicts.js';
import { compareText } from '../engine/order.js';

/** The commands whose observed values make the performance trends. */
const TREND_COMMANDS = ['health daily', 'health db'] as const;
/** A month's trend needs a week of mornings: fewer days of runs is not a trend. */
const MIN_DAYS = 7;
/** Below this the line explains little of the movement (the weekly capacity report's rule): shown, not judged. */
export const WEAK_FIT = 0.5;

interface Series {
  id: string;
  title: string;
  unit: Unit;
  /** The check's fail level as recorded with its newest run, in `unit`; direction 'up' when larger is worse. */
  fail?: { level: number; text: string; strict: boolean };
  direction: 'up' | 'down';
  trend?: Trend;
  /** x = days before now (negative), y in `unit`. */
  points: { x: number; y: number }[];
}

type TrendData = { ok: true; series: Series[]; runs: number; days: number } | { ok: false; message: string };

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Every check of the trend commands with a measured value and a level, one series each, over the monthly window. */
async function performanceTrends(ctx: CheckContext): Promise<TrendData> {
  const runs = (await Promise.all(TREND_COMMANDS.map((c) => ctx.probes.history.runsOf(c, MONTH_WINDOW_DAYS, ctx.now())))).flat().sort((a, b) => compareText(a.at, b.at));
  const days = new Set(runs.map((r) => r.at.slice(0, 10))).size;
  if (days < MIN_DAYS) {
    return {
      ok: false,
      message: `${runs.length} runs of ${TREND_COMMANDS.join(' or ')} on ${days} days in the last ${MONTH_WINDOW_DAYS} days; a month's trend needs runs on ${MIN_DAYS} or more days (the morning health check runs every day)`,
    };
  }
  const now = ctx.now().getTime();
  const byId = new Map<string, { title: string; observations: { x: number; value: number; unit: Unit; threshold: { warn?: string; fail?: string } }[] }>();
  for (const run of runs) {
    for (const r of run.report.items.flatMap((i) => i.results)) {
      if (!r.observed || !r.threshold || !(r.threshold.fail || r.threshold.warn)) continue;
      const s = byId.get(r.id) ?? { title: r.title, observations: [] };
      s.observations.push({ x: (Date.parse(run.at) - now) / DAY_MS, value: r.observed.value, unit: r.observed.unit, threshold: r.threshold });
      byId.set(r.id, s);
    }
  }
  const series: Series[] = [];
  for (const [id, s] of byId) {
    const newest = s.observations.at(-1)!;
    const unit = newest.unit;
    // A unit of the same kind (ms and s) is converted; another kind (a check that changed what it measures) is left out.
    const points = s.observations.filter((o) => kindOf(o.unit) === kindOf(unit)).map((o) => ({ x: o.x, y: toCanonical(o.value, o.unit) / toCanonical(1, unit) }));
    const level = (text?: string): Condition | undefined => {
      try {
        return text ? parseCondition(text, unit, id) : undefined;
      } catch {
        return undefined;
      }
    };
    const fail = level(newest.threshold.fail);
    const either = fail ?? level(newest.threshold.warn);
    if (!either) continue;
    series.push({
      id, title: s.title, unit, points, trend: leastSquares(points),
      direction: either.op.startsWith('>') ? 'up' : 'down',
      ...(fail && { fail: { level: fromCanonical(fail.value, unit), text: fail.text, strict: fail.op === '>' || fail.op === '<' } }),
    });
  }
  return { ok: true, series, runs: runs.length, days };
}

/** Days until the fitted line reaches the fail level (0 when it is there already), undefined when it never does. */
export const daysToFail = (s: Series): number | undefined => (s.trend && s.fail ? untilLimit(s.trend, s.fail.level, 0, s.direction, s.fail.strict) : undefined);

/**
 * How much the fitted line moved over the series, in % of where it started, positive when it moved
 * toward the fail level (worse); undefined when it started at 0 (no percentage of nothing).
 */
export function worsening(s: Series): number | undefined {
  if (!s.trend || !s.points.length) return undefined;
  const x0 = Math.min(...s.points.map((p) => p.x));
  const start = s.trend.intercept + s.trend.slope * x0;
  const end = s.trend.intercept;
  if (start === 0) return undefined;
  const change = ((end - start) / Math.abs(start)) * 100;
  return s.direction === 'up' ? change : -change;
}

/** One line per series: latest value, slope per day, fit, the month's change, and when it reaches its fail level. */
export function describe(s: Series): string {
  const latest = s.points.at(-1)!.y;
  const head = `${s.id}: latest ${formatValue(round(latest, 3), s.unit)} (${s.points.length} values)`;
  if (!s.trend) return `${head}; a trend needs 3 or more values`;
  const perDay = `${s.trend.slope >= 0 ? '+' : '−'}${formatValue(round(Math.abs(s.trend.slope), 3), s.unit)}/day`;
  const change = worsening(s);
  const moved = change === undefined ? 'from 0' : `${change > 0 ? 'worse' : 'better'} by ${Math.abs(roundToward('up', change))}%`;
  const days = daysToFail(s);
  const reach = !s.fail ? 'no fail level' : days === undefined ? `not heading to its fail level ${s.fail.text}` : days === 0 ? `past its fail level ${s.fail.text}` : `${roundToward('down', days)} days to its fail level ${s.fail.text}`;
  return `${head}, trend ${perDay}, R² ${round(s.trend.r2, 2)}${s.trend.r2 < WEAK_FIT ? ' (weak fit: not judged)' : ''}, ${moved} over the month, ${reach}`;
}

/** Series whose fit is good enough to judge. */
const judged = (series: Series[]): Series[] => series.filter((s) => s.trend && s.trend.r2 >= WEAK_FIT);

interface Ranked {
  /** Judged series with a measure, in the order given (the one to report first). */
  ranked: { s: Series; v: number }[];
  /** One line per series, the ranked ones first. */
  details: string[];
  /** What the trends were made from: checks, runs and days. */
  from: string;
}

/** The trends with `measure` taken of each judged series and ranked by `order`; an `error` output when the history is too short. */
export async function rankTrends(
  ctx: CheckContext, measure: (s: Series) => number | undefined, order: (a: number, b: number) => number,
): Promise<Ranked | { error: CheckOutput }> {
  const data = await performanceTrends(ctx);
  if (!data.ok) return { error: { status: 'error', message: `not enough history: ${data.message}` } };
  if (!data.series.length) return { error: { status: 'error', message: `no check of the ${data.runs} runs measured a value with a level to trend` } };
  const ranked = judged(data.series)
    .map((s) => ({ s, v: measure(s) }))
    .filter((m): m is { s: Series; v: number } => m.v !== undefined)
    .sort((a, b) => order(a.v, b.v));
  const rest = data.series.filter((s) => !ranked.some((m) => m.s === s));
  return { ranked, details: [...ranked.map((m) => m.s), ...rest].map(describe), from: `${data.series.length} measured checks, ${data.runs} runs on ${data.days} days` };
}
