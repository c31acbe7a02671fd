import type { CheckResult, RunReport } from '../engine/report.js';
import { fromCanonical, parseCondition, type Condition } from '../engine/thresholds.js';
import type { Unit } from '../engine/units.js';
import { printableDeep } from '../engine/printable.js';
import { observedText, thresholdText } from './text.js';

const STATE: Record<number, string> = { 0: 'OK', 1: 'WARNING', 2: 'CRITICAL', 3: 'UNKNOWN' };

/** monitoring-plugins units of measure; units without one are printed as plain numbers. */
const UOM: Record<Unit, string> = { ms: 'ms', s: 's', '%': '%', bytes: 'B', count: '', days: '', ratio: '' };

/**
 * A monitoring-plugins range, which alerts outside it, ends included: `> 200` alerts outside 0..200 (`200`),
 * `< 99.9` below it (`99.9:`). `@` alerts inside: `>= 80` is `@80:`, `<= 0` is `@~:0` (`80` would pass 80).
 */
function range(c: Condition | undefined, unit: Unit): string {
  if (!c) return '';
  const v = +fromCanonical(c.value, unit).toFixed(6);
  const ranges: Record<Condition['op'], string> = { '>': String(v), '>=': `@${v}:`, '<': `${v}:`, '<=': `@~:${v}` };
  return ranges[c.op];
}

function perfdata(r: CheckResult): string | undefined {
  if (!r.observed) return undefined;
  const { unit, value } = r.observed;
  const cond = (t?: string) => (t ? parseCondition(t, unit, r.id) : undefined);
  const label = r.id.replace(/'/g, "''");
  const fields = [`${+value.toFixed(6)}${UOM[unit]}`, range(cond(r.threshold?.warn), unit), range(cond(r.threshold?.fail), unit)];
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
