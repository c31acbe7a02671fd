import { defineCheck, type CheckDefinition } from '../engine/check.js';
import type { Target } from '../engine/verdict.js';
import type { ThresholdSpec } from '../engine/thresholds.js';
import { formatValue, type Unit } from '../engine/units.js';
import { windowEnding, type AwsConfig, type MetricRef, type Point } from '../probes/aws.js';
import { SLO_PERCENT, describeMetric, enoughCoverage, uptime } from '../probes/aws-metrics.js';

/** How a series over the window becomes one number. */
export type Reduce = 'max' | 'min' | 'sum' | 'mean';

const reducers: Record<Reduce, (vs: number[]) => number> = {
  max: (vs) => Math.max(...vs),
  min: (vs) => Math.min(...vs),
  sum: (vs) => vs.reduce((a, b) => a + b, 0),
  mean: (vs) => vs.reduce((a, b) => a + b, 0) / vs.length,
};

export interface Resource<R> {
  label: string;
  /** One or more metrics; the worst of them counts (ElastiCache engine and host CPU). */
  metrics: MetricRef[];
  facts: R;
}

export interface ResourceMetricCheck<R> {
  id: string;
  title: string;
  requires: readonly Target[];
  unit: Unit;
  thresholds: ThresholdSpec & { source: string };
  stat: string;
  periodSec: number;
  windowMs: number;
  /** In words for messages: "max of 5-min averages over the last hour". */
  over: string;
  reduce: Reduce;
  resources(aws: AwsConfig): Resource<R>[];
  /**
   * What any value below 0 in the window means (RDS ReplicaLag -1: replication not active). Such a
   * value makes the check `fail` naming the resource and when, whatever the reduction would say.
   */
  belowZero?: string;
  /** Converts the reduced raw value into the check's unit, or says why this resource cannot be judged. */
  convert?(raw: number, facts: R): number | { skip: string };
}

/**
 * A check over one CloudWatch metric of each configured resource (RDS instances, ElastiCache
 * clusters): one GetMetricData call, the worst resource is the observed value, each resource a
 * detail line. A resource without datapoints, whose last datapoint is stale or which reported too
 * little of the window makes the check `error`: it cannot vouch for it.
 */
export function resourceMetricCheck<R>(spec: ResourceMetricCheck<R>): CheckDefinition {
  const below = /^\s*</.test(spec.thresholds.fail ?? spec.thresholds.warn ?? '');
  return defineCheck({
    id: spec.id,
    title: spec.title,
    requires: spec.requires,
    unit: spec.unit,
    thresholds: spec.thresholds,
    timeoutMs: 20_000,
    async run({ probes, config, now }) {
      const aws = probes.aws;
      const resources = spec.resources(config.aws!);
      const queries = resources.flatMap((r, i) =>
        r.metrics.map((metric, j) => ({ id: `m${i}_${j}`, metric, stat: spec.stat, period: spec.periodSec })),
      );
      const at = now();
      const series = await aws.metricData(queries, windowEnding(at, spec.windowMs, spec.periodSec));
      const judged: { label: string; value: number }[] = [];
      const details: string[] = [];
      const missing: string[] = [];
      const unvouched: string[] = [];
      const skipped: string[] = [];
      const belowZero: string[] = [];
      resources.forEach((r, i) => {
        const raws = r.metrics.map((m, j) => ({ m, points: series.get(`m${i}_${j}`) ?? [] }));
        const empty = raws.filter((x) => x.points.length === 0);
        if (empty.length) {
          missing.push(r.label);
          details.push(`${r.label}: no data — CloudWatch returned no datapoints for ${empty.map((x) => describeMetric(x.m)).join(', ')}`);
          return;
        }
        if (spec.belowZero) {
          const negative = raws.flatMap((x) => x.points.filter((p) => p.v < 0).map((p) => ({ m: x.m, p })));
          if (negative.length) {
            const times = negative.map((n) => n.p.t.getTime());
            const span = negative.length > 1 ? `from ${utc(Math.min(...times))} to ${utc(Math.max(...times))}` : `at ${utc(times[0]!)}`;
            belowZero.push(`${r.label} (${negative[0]!.m.name} ${negative[0]!.p.v} ${span}, ${negative.length} of ${raws[0]!.points.length} datapoints)`);
            details.push(`${r.label}: ${spec.belowZero} — ${negative[0]!.m.name} ${negative[0]!.p.v} ${span}`);
            return;
          }
        }
        const gaps = raws.flatMap((x) => dataGaps(x.m, x.points, at, spec.periodSec, spec.windowMs));
        if (gaps.length) {
          unvouched.push(`${r.label} (${gaps.map((g) => g.short).join(', ')})`);
          details.push(...gaps.map((g) => `${r.label}: ${g.long}`));
          return;
        }
        const reduced = raws.map((x) => reducers[spec.reduce](x.points.map((p: Point) => p.v)));
        const raw = below ? Math.min(...reduced) : Math.max(...reduced);
        const value = spec.convert ? spec.convert(raw, r.facts) : raw;
        if (typeof value === 'object') {
          skipped.push(r.label);
          details.push(`${r.label}: not judged — ${value.skip}`);
          return;
        }
        judged.push({ label: r.label, value });
        details.push(`${r.label}: ${formatValue(round(value), spec.unit)}`);
      });
      if (belowZero.length) {
        return { status: 'fail', message: `${spec.belowZero}: ${belowZero.join('; ')} (${spec.over})`, details };
      }
      if (missing.length || unvouched.length) {
        const parts = [...(missing.length ? [`no data for ${missing.join(', ')}`] : []), ...(unvouched.length ? [`too little recent data for ${unvouched.join('; ')}`] : [])];
        return { status: 'error', message: `${parts.join('; ')} (${spec.stat}, ${spec.over})`, details };
      }
      if (judged.length === 0) return { status: 'skip', message: `${skipped.join(', ')}: cannot be judged`, details };
      const worst = judged.reduce((w, j) => ((below ? j.value < w.value : j.value > w.value) ? j : w));
      const others = skipped.length ? `; not judged: ${skipped.join(', ')}` : '';
      return {
        value: round(worst.value),
        message: `${judged.length > 1 ? `worst ${worst.label}` : worst.label} (${spec.over})${others}`,
        details,
      };
    },
  });
}

export const round = (v: number, digits = 3): number => Number(v.toFixed(digits));

/** CloudWatch publishes a period's datapoint a few minutes after it ends; later than this is stale. */
const PUBLISH_DELAY_MS = 5 * 60_000;

/** A minute in UTC, as the AWS lines write times: 2025-07-01 03:00 UTC. */
export const utc = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const periodsWord = (periodSec: number): string =>
  periodSec === 60 ? 'minutes' : periodSec === 3600 ? 'hours' : periodSec === 86_400 ? 'days' : `${periodSec / 60}-min periods`;

const ago = (ms: number): string => (ms < 2 * 3_600_000 ? `${Math.round(ms / 60_000)} min ago` : `${round(ms / 3_600_000, 1)} h ago`);

/**
 * The one staleness rule of the AWS lines: a series (not empty) whose last period ended more than 2 periods (at least
 * CloudWatch's publishing delay) before now has stopped reporting. When its data stops and how long ago; undefined while current.
 */
export function stoppedReporting(points: readonly Point[], now: Date, periodSec: number): { stopsAt: number; ago: string } | undefined {
  const periodMs = periodSec * 1000;
  const stopsAt = Math.max(...points.map((p) => p.t.getTime())) + periodMs;
  return now.getTime() - stopsAt > Math.max(2 * periodMs, PUBLISH_DELAY_MS) ? { stopsAt, ago: ago(now.getTime() - stopsAt) } : undefined;
}

/** Why a series cannot vouch for the window ending now: it has stopped reporting, or it covers too little of the window. */
function dataGaps(m: MetricRef, points: Point[], now: Date, periodSec: number, windowMs: number): { short: string; long: string }[] {
  const periodMs = periodSec * 1000;
  const gaps: { short: string; long: string }[] = [];
  const stopped = stoppedReporting(points, now, periodSec);
  if (stopped) {
    const text = `last datapoint ${stopped.ago}`;
    gaps.push({ short: text, long: `${text} (${utc(stopped.stopsAt - periodMs)}) for ${describeMetric(m)}` });
  }
  const expected = Math.round(windowMs / periodMs);
  if (!enoughCoverage({ coverage: points.length / expected })) {
    const text = `${points.length} of ${expected} ${periodsWord(periodSec)} reported`;
    gaps.push({ short: text, long: `${text} for ${describeMetric(m)}` });
  }
  return gaps;
}


/** "All services running (target: 99.9% uptime)" over one window. */
export function uptimeCheck(spec: { id: string; title: string; windowMs: number; span: string }): CheckDefinition {
  return defineCheck({
    id: spec.id,
    title: spec.title,
    requires: ['aws', 'aws-uptime'],
    unit: '%',
    // The runbook's target: 99.9% uptime
    thresholds: { fail: `< ${SLO_PERCENT}%`, source: 'Operations Runbook: target 99.9% uptime' },
    timeoutMs: 20_000,
    async run({ probes, config, now }) {
      const u = await uptime(probes.aws, config.aws!, now(), spec.windowMs);
      if ('noData' in u) return { value: null, message: u.noData };
      const coverage = `${formatValue(round(100 * u.coverage, 1), '%')} of ${spec.span} reported`;
      if (!enoughCoverage(u)) {
        return { status: 'error', message: `only ${coverage}: too little data to vouch for uptime (${u.source})` };
      }
      const downMinutes = (u.downPeriods * u.periodSec) / 60;
      return {
        value: round(u.percent, 4),
        message: `${u.source}; ${u.downPeriods ? `${downMinutes} min in unhealthy ${u.periodSec / 60}-min periods` : 'no unhealthy period'}; ${coverage}`,
      };
    },
  });
}
