import { Chalk } from 'chalk';
import type { Status } from '../engine/check.js';
import type { RunReport } from '../engine/report.js';
import { printableDeep } from '../engine/printable.js';
import { formatValue } from '../engine/units.js';
import type { RenderOptions } from './index.js';
import { SYMBOL, observedText, summaryText, thresholdText } from './text.js';

/** The runbook checklist for a terminal: each line with its verdict, observed value vs threshold and duration. */
export function human(shown: RunReport, opts: RenderOptions): string {
  // Messages carry server text (query text, replies): shown, never acted on by the terminal.
  const report = printableDeep(shown);
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const paint: Record<Status, (s: string) => string> = {
    pass: c.green, warn: c.yellow, fail: c.red, error: c.magenta, skip: c.gray, manual: c.cyan, waived: c.blue,
  };
  const mark = (s: Status) => paint[s](SYMBOL[s]);
  const rows = report.items.flatMap((i) => i.results);
  const w = {
    title: Math.max(0, ...rows.map((r) => r.title.length)),
    observed: Math.max(0, ...rows.map((r) => observedText(r).length)),
    threshold: Math.max(0, ...rows.map((r) => thresholdText(r).length)),
  };
  const out: string[] = [];
  out.push(c.bold(`nvcops ${report.command}`) + c.gray(` · ${report.environment ?? 'no environment named'} · ${report.startedAt}`));
  out.push(c.gray(report.runbook), '');
  for (const item of report.items) {
    out.push(`${mark(item.status)} ${c.bold(item.title)}`);
    for (const r of item.results) {
      const line = [
        `    ${mark(r.status)} ${r.title.padEnd(w.title)}`,
        observedText(r).padStart(w.observed),
        c.gray(thresholdText(r).padEnd(w.threshold)),
        paint[r.status](r.status.toUpperCase().padEnd(6)),
        r.message,
        c.gray(`(${r.durationMs} ms)`),
      ];
      out.push(line.join('  '));
      for (const d of r.details ?? []) out.push(c.gray(`        ${d}`));
    }
  }
  if (report.changes) {
    out.push('', c.bold(report.changes.since ? `What changed since the run of ${report.changes.since}:` : 'What changed: no earlier run to compare with'));
    for (const line of report.changes.lines) out.push(`    ${line}`);
    if (report.changes.since && !report.changes.lines.length) out.push('    nothing');
  }
  out.push('');
  const interrupted = report.interrupted ? c.red(' · interrupted') : '';
  out.push(
    `${mark(report.status)} ${paint[report.status](report.status.toUpperCase())} — ${summaryText(report.summary)} of ${report.summary.total} checks · ${formatValue(report.durationMs, 'ms')} · exit ${report.exitCode}${interrupted}`,
  );
  return `${out.join('\n')}\n`;
}
