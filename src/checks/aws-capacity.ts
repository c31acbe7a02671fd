import { defineCheck, type CheckDefinition } from '../engine/check.js';
import type { Target } from '../engine/verdict.js';
import { leastSquares, untilLimit } from '../engine/trend.js';
import { formatValue, roundToward, type Unit } from '../engine/units.js';
import { windowEnding, type AwsConfig, type MetricRef } from '../probes/aws.js';
import { DAY, describeMetric } from '../probes/aws-metrics.js';
import { round, stoppedReporting, utc } from './aws-check.js';

/** Two weekly cycles of daily peaks, so a quiet weekend does not read as a trend. */
const HISTORY_MS = 14 * DAY;
/** The week a peak is reported for. */
const WEEK_MS = 7 * DAY;

/** The values of the last week of a window (never none once the series is known not to have stopped reporting). */
export const lastWeekOf = (points: readonly { t: Date; v: number }[], end: Date): number[] =>
  points.filter((p) => p.t.getTime() >= end.getTime() - WEEK_MS).map((p) => p.v);
/** Below this the line explains little of the movement; say so beside the date. */
const WEAK_FIT = 0.5;

export interface CapacityResource {
  label: string;
  metric: MetricRef;
  /** Where the resource runs out, in the metric's unit; a string says why it is unknown. */
  limit: number | string;
  /** Free storage runs out going down; everything else going up. */
  direction?: 'up' | 'down';
  /** The unit values are shown in. */
  unit: Unit;
  /** What to do when it runs out soon, in plain words. */
  advice: string;
}

export interface CapacitySpec {
  id: string;
  title: string;
  requires: readonly Target[];
  /** Daily Maximum for things that fill up, Minimum for free space. */
  stat: 'Maximum' | 'Minimum';
  resources(aws: AwsConfig): CapacityResource[];
}

/**
 * One plain recommendation from days left and the fit quality. Past the runbook's review cadence it states the
 * headroom only: the verdict comes from the thresholds, which the operator may have set otherwise.
 */
export function recommend(days: number | undefined, r2: number, advice: string): string {
  if (days === undefined) return 'Not growing toward its limit.';
  const weak = r2 < WEAK_FIT ? ` The trend is weak (R² ${round(r2, 2)}): confirm it next week before spending.` : '';
  if (days < 7) return `Act now: ${advice} — it runs out before next week's review.${weak}`;
  if (days < 30) return `Plan it this month: ${advice}.${weak}`;
  return `About ${Math.round(days)} days of headroom at this trend.${weak}`;
}

/**
 * Weekly peaks and the least-squares trend of daily peaks (lows for free space) over 14 days for each resource, projected
 * to its limit. The observed value is the fewest days left among the resources, rounded down (it is judged by `<` levels).
 */
export function capacityCheck(spec: CapacitySpec): CheckDefinition {
  return defineCheck({
    id: spec.id,
    title: spec.title,
    requires: spec.requires,
    unit: 'days',
    // Runbook cadence: out before the next weekly review (7 d) fails; before the monthly Fourth-Monday capacity review (30 d) warns
    thresholds: { warn: '< 30 days', fail: '< 7 days', source: 'Operations Runbook review cadence (weekly capacity, monthly scaling review)' },
    timeoutMs: 20_000,
    async run({ probes, config, now }) {
      const resources = spec.resources(config.aws!);
      const at = now();
      const window = windowEnding(at, HISTORY_MS, 86_400);
      const series = await probes.aws.metricData(resources.map((r, i) => ({ id: `r${i}`, metric: r.metric, stat: spec.stat, period: 86_400 })), window);
      const daily = spec.stat === 'Maximum' ? 'daily peaks' : 'daily lows';
      const details: string[] = [];
      const missing: string[] = [];
      const stale: string[] = [];
      const unknown: { label: string; why: string }[] = [];
      let soonest: { label: string; days: number } | undefined;
      resources.forEach((r, i) => {
        const points = series.get(`r${i}`) ?? [];
        const trend = leastSquares(points.map((p) => ({ x: (p.t.getTime() - window.end.getTime()) / DAY, y: p.v })));
        if (!trend) {
          missing.push(r.label);
          details.push(`${r.label}: ${points.length} daily ${spec.stat} values for ${describeMetric(r.metric)}; a trend needs 3 or more`);
          return;
        }
        const stopped = stoppedReporting(points, at, 86_400);
        if (stopped) {
          stale.push(`data stops at ${utc(stopped.stopsAt)} for ${r.label}`);
          details.push(`${r.label}: data stops at ${utc(stopped.stopsAt)} (${stopped.ago}): ${describeMetric(r.metric)} has not reported since; an older trend says nothing about now`);
          return;
        }
        const lastWeek = lastWeekOf(points, window.end);
        const peak = spec.stat === 'Maximum' ? Math.max(...lastWeek) : Math.min(...lastWeek);
        const perDay = `${trend.slope >= 0 ? '+' : '−'}${formatValue(round(Math.abs(trend.slope), 2), r.unit)}/day`;
        const fit = `R² ${round(trend.r2, 2)}`;
        const head = `${r.label}: week ${spec.stat === 'Maximum' ? 'peak' : 'low'} ${formatValue(round(peak, 1), r.unit)}, trend ${perDay} (${fit})`;
        if (typeof r.limit === 'string') {
          unknown.push({ label: r.label, why: r.limit });
          details.push(`${head}; no limit known: ${r.limit}`);
          return;
        }
        const days = untilLimit(trend, r.limit, 0, r.direction);
        const when = days === undefined ? 'not reaching' : `${roundToward('down', days)} days to`;
        details.push(`${head}; ${when} ${formatValue(r.limit, r.unit)}. ${recommend(days, trend.r2, r.advice)}`);
        if (days !== undefined && (!soonest || days < soonest.days)) soonest = { label: r.label, days };
      });
      const errors = [
        ...(missing.length ? [`too few daily values for ${missing.join(', ')} (last 14 days)`] : []),
        ...(stale.length ? [`${stale.join(', ')}: the metric has not reported since`] : []),
      ];
      if (errors.length) return { status: 'error', message: `no data: ${errors.join('; ')}`, details };
      // Past the errors every resource has a trend: those without a known limit are the ones not judged.
      if (unknown.length === resources.length) return { status: 'skip', message: `no limit known: ${unknown.map((u) => u.why).join('; ')}`, details };
      const notJudged = unknown.length ? `; not judged, no limit known: ${unknown.map((u) => u.label).join(', ')}` : '';
      if (!soonest) return { status: 'pass', message: `nothing is trending toward its limit (${daily}, last 14 days)${notJudged}`, details };
      return { value: roundToward('down', soonest.days), message: `${soonest.label} runs out first at this trend (${daily}, last 14 days)${notJudged}`, details };
    },
  });
}
