import type { CheckResult, RunReport } from '../engine/report.js';
import { fromCanonical, parseCondition, type Condition } from '../engine/thresholds.js';
import type { Unit } from '../engine/units.js';
import { printableDeep } from '../engine/printable.js';
import { observedText, thresholdText } from './text.js';

/** The plugin state each exit code stands for. */
export const STATE: Record<number, string> = { 0: 'OK', 1: 'WARNING', 2: 'CRITICAL', 3: 'UNKNOWN' };

/**
 * monitoring-plugins units of measure (s, ms, %, B, c; none for a number of things), and the factor from the
 * check's unit: days are written in seconds, which the guidelines have a unit for. A counter since the
 * server started is `c`.
 */
const UOM: Record<Unit, { uom: string; factor: number }> = {
  ms: { uom: 'ms', factor: 1 }, s: { uom: 's', factor: 1 }, days: { uom: 's', factor: 86_400 }, '%': { uom: '%', factor: 1 },
  bytes: { uom: 'B', factor: 1 }, count: { uom: '', factor: 1 }, ratio: { uom: '', factor: 1 },
};

/**
 * A monitoring-plugins range, which alerts outside it, ends included: `> 200` alerts above 200 (`~:200`;
 * a bare `200` would also alert below 0), `< 99.9` below it (`99.9:`). `@` alerts inside: `>= 80` is
 * `@80:`, `<= 0` is `@~:0` (`80` would pass 80).
 */
function range(c: Condition | undefined, unit: Unit): string {
  if (!c) return '';
  const v = +(fromCanonical(c.value, unit) * UOM[unit].factor).toFixed(6);
  const ranges: Record<Condition['op'], string> = { '>': `~:${v}`, '>=': `@${v}:`, '<': `${v}:`, '<=': `@~:${v}` };
  return ranges[c.op];
}

function perfdata(r: CheckResult): string | undefined {
  if (!r.observed) return undefined;
  const { unit, value, counter } = r.observed;
  const cond = (t?: string) => (t ? parseCondition(t, unit, r.id) : undefined);
  const label = r.id.replace(/'/g, "''");
  const fields = [`${+(value * UOM[unit].factor).toFixed(6)}${counter ? 'c' : UOM[unit].uom}`, range(cond(r.threshold?.warn), unit), range(cond(r.threshold?.fail), unit)];
  if (unit === '%') fields.push('0', '100');
  return `'${label}'=${fields.join(';').replace(/;+$/, '')}`;
}

/** `NVCOPS <STATE> - summary | perfdata`, then one line per check (Nagios 3 long output). */
export function nagios(shown: RunReport): string {
  const report = printableDeep(shown);
  const results = report.items.flatMap((i) => i.results);
  const state = STATE[report.exitCode] ?? 'UNKNOWN';
  const problems = results.filter((r) => r.status === 'fail' || r.status === 'error' || r.status === 'warn');
  const headline = problems.length
    ? problems.map((r) => `${r.id} ${r.status.toUpperCase()}${r.observed ? ` ${observedText(r)}` : ''}`).join(', ')
    : `${report.summary.pass} of ${report.summary.total} checks pass${report.summary.waived ? `, ${report.summary.waived} waived` : ''}${report.summary.manual ? `, ${report.summary.manual} manual` : ''}`;
  const perf = results.map(perfdata).filter(Boolean).join(' ');
  const long = results.map((r) => {
    const t = thresholdText(r);
    const observed = r.observed ? `${observedText(r)}${t ? ` (${t})` : ''} — ` : '';
    return `[${r.status.toUpperCase()}] ${r.title}: ${observed}${r.message}`;
  });
  // Nagios reads everything after a "|" as perfdata, so none may appear in the text.
  const text = (s: string) => s.replace(/\|/g, '/');
  return `NVCOPS ${state} - ${text(`${report.command}: ${headline}`)}${perf ? ` | ${perf}` : ''}\n${text(long.join('\n'))}\n`;
}
