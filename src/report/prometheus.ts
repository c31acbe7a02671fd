import type { RunReport } from '../engine/report.js';
import { parseCondition } from '../engine/thresholds.js';
import { kindOf, toCanonical, type Unit } from '../engine/units.js';
import type { Status } from '../engine/verdict.js';

/**
 * The value of nvcops_check_status per status. A person's (manual) and an accepted deviation (waived) are
 * negative, so that an alert on `>= 1` or `>= 2` never fires on them; a skipped check (its system is not
 * configured) has no series at all: nothing was looked at.
 */
export const STATUS_VALUE: Record<Exclude<Status, 'skip'>, number> = { pass: 0, warn: 1, fail: 2, error: 3, manual: -1, waived: -2 };

/** Prometheus base units (https://prometheus.io/docs/practices/naming/#base-units): seconds, bytes, ratios; counts as they are. */
const BASE: Record<ReturnType<typeof kindOf>, { unit: string; from: (v: number, u: Unit) => number }> = {
  time: { unit: 'seconds', from: (v, u) => toCanonical(v, u) / 1000 },
  percent: { unit: 'ratio', from: (v) => v / 100 },
  bytes: { unit: 'bytes', from: (v) => v },
  count: { unit: 'count', from: (v) => v },
  ratio: { unit: 'ratio', from: (v) => v },
};

/** A label value as the text exposition format writes it: backslash, double quote and line feed escaped. */
const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
/** HELP text escapes backslash and line feed. */
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const labels = (l: Record<string, string>): string => `{${Object.entries(l).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
const number = (v: number): string => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(+v.toPrecision(15)));

interface Family { name: string; help: string; samples: string[] }

/**
 * The Prometheus text exposition format (what node_exporter's textfile collector reads): one
 * nvcops_check_status per check that ran, its value and threshold levels in base units, and the run's
 * duration, start time and exit code. No sample timestamps: the collector refuses them.
 */
export function prometheus(report: RunReport): string {
  const run = { environment: report.environment ?? '', command: report.command };
  const family = (name: string, help: string): Family => ({ name, help, samples: [] });
  const status = family('nvcops_check_status', `Verdict of a check in the run: 0 pass, 1 warn, 2 fail, 3 error, -1 manual (a person's to attest), -2 waived (a deviation accepted until its expiry); a skipped check (its system not configured) has no series.`);
  const value = family('nvcops_check_value', 'The value a check observed, in the base unit its label names (seconds, bytes, ratio, count).');
  const threshold = family('nvcops_check_threshold', 'A level a check judges its value against, in the unit of nvcops_check_value: the check warns or fails when value <op> level.');
  for (const item of report.items) {
    for (const r of item.results) {
      if (r.status === 'skip') continue;
      const check = { check: r.id, ...run, item: item.title };
      status.samples.push(`${status.name}${labels(check)} ${STATUS_VALUE[r.status]}`);
      if (!r.observed) continue;
      const base = BASE[kindOf(r.observed.unit)];
      value.samples.push(`${value.name}${labels({ ...check, unit: base.unit })} ${number(base.from(r.observed.value, r.observed.unit))}`);
      for (const level of ['warn', 'fail'] as const) {
        const text = r.threshold?.[level];
        if (!text) continue;
        const c = parseCondition(text, r.observed.unit, r.id);
        // The condition is canonical (ms for time): back to the observed unit, then to the base unit.
        const observedUnits = c.value / toCanonical(1, r.observed.unit);
        threshold.samples.push(`${threshold.name}${labels({ ...check, unit: base.unit, level, op: c.op })} ${number(base.from(observedUnits, r.observed.unit))}`);
      }
    }
  }
  const runFamily = (name: string, help: string, v: number): Family => ({ name, help, samples: [`${name}${labels(run)} ${number(v)}`] });
  const families = [
    status,
    value,
    threshold,
    runFamily('nvcops_run_duration_seconds', 'How long the run took.', report.durationMs / 1000),
    runFamily('nvcops_run_timestamp_seconds', 'When the run started (Unix time): alert when it is older than the schedule allows.', Date.parse(report.startedAt) / 1000),
    runFamily('nvcops_run_exit_code', 'The exit code of the run: 0 pass, 1 warn, 2 fail, 3 error, 130/143 interrupted (nvcops --help lists them).', report.exitCode),
  ];
  return families
    .filter((f) => f.samples.length)
    .map((f) => `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} gauge\n${f.samples.join('\n')}\n`)
    .join('');
}
