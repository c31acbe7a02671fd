import { defineCheck, type CheckDefinition, type Target } from '../engine/check.js';
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
  item: string;
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
  /** Converts the reduced raw value into the check's unit, or says why this resource cannot be judged. */
  convert?(raw: number, facts: R): number | { skip: string };
}

/**
 * A check over one CloudWatch metric of each configured resource (RDS instances, ElastiCache
 * clusters): one GetMetricData call, the worst resource is the observed value, each resource a
 * detail line. A resource without datapoints makes the check `error`: it cannot vouch for it.
 */
export function resourceMetricCheck<R>(spec: ResourceMetricCheck<R>): CheckDefinition {
  const below = /^\s*</.test(spec.thresholds.fail ?? spec.thresholds.warn ?? '');
  return defineCheck({
    id: spec.id,
    title: spec.title,
    item: spec.item,
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
      const series = await aws.metricData(queries, windowEnding(now(), spec.windowMs, spec.periodSec));
      const judged: { label: string; value: number }[] = [];
      const details: string[] = [];
      const missing: string[] = [];
      const skipped: string[] = [];
      resources.forEach((r, i) => {
        const raws = r.metrics.map((m, j) => ({ m, points: series.get(`m${i}_${j}`) ?? [] }));
        const empty = raws.filter((x) => x.points.length === 0);
        if (empty.length) {
          missing.push(r.label);
          details.push(`${r.label}: no data — CloudWatch returned no datapoints for ${empty.map((x) => describeMetric(x.m)).join(', ')}`);
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
      if (missing.length) {
        return { status: 'error', message: `no data for ${missing.join(', ')} (${spec.stat}, ${spec.over})`, details };
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


/** "All services running (target: 99.9% uptime)" over one window. */
export function uptimeCheck(spec: { id: string; title: string; windowMs: number; span: string }): CheckDefinition {
  return defineCheck({
    id: spec.id,
    title: spec.title,
    item: 'All services running (target: 99.9% uptime)',
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
