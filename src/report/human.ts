import { Chalk } from 'chalk';
import type { Status } from '../engine/verdict.js';
import type { CheckResult, RunReport } from '../engine/report.js';
import { printableDeep } from '../engine/printable.js';
import { formatValue } from '../engine/units.js';
import type { RenderOptions } from './formats.js';
import { SYMBOL, observedText, summaryText, thresholdText } from './text.js';

/** The width when none is known (not a terminal, no COLUMNS): what a terminal opens at. */
export const DEFAULT_WIDTH = 80;
/** Below this the columns cannot hold a word of a message: narrower terminals get 40 and wrap. */
const LEAST_WIDTH = 40;
/** Lines of a long list (apt upgrades, tables) shown; JSON has them all. */
const LIST_SHOWN = 5;
/** The narrowest message column beside the titles (below it, titles take lines of their own). */
const MESSAGE_LEAST = 36;

const size = (s: string): number => [...s].length;

/** `text` cut into lines of at most `width` characters, at spaces where it can, inside a word where one is longer. */
export function wrap(text: string, width: number): string[] {
  // A line that fits is kept as it is: the spaces that align a detail's columns stay.
  if (size(text) <= width) return [text];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/ +/)) {
    let rest = word;
    while (size(line ? `${line} ${rest}` : rest) > width) {
      if (line) { lines.push(line); line = ''; continue; }
      lines.push([...rest].slice(0, width).join(''));
      rest = [...rest].slice(width).join('');
    }
    line = line ? `${line} ${rest}` : rest;
  }
  return [...lines, line];
}

/** Cells side by side, each wrapped within its column; `paint` colours a cell's text after it is padded. */
function columns(cells: { text: string; width: number; paint?: (s: string) => string; right?: boolean }[], indent: string): string[] {
  const wrapped = cells.map((c) => wrap(c.text, c.width));
  const height = Math.max(...wrapped.map((w) => w.length));
  return Array.from({ length: height }, (_, i) =>
    (indent + cells.map((c, k) => {
      const t = wrapped[k]![i] ?? '';
      const padded = c.right ? t.padStart(c.width) : t + ' '.repeat(c.width - size(t));
      return t ? (c.paint ?? String)(padded) : padded;
    }).join('  ')).trimEnd());
}

/**
 * The runbook checklist for a terminal of `opts.width` columns: each line with its verdict, observed value
 * (and threshold where there is room), message and duration, each wrapped within its column; warn, fail and
 * error lines end with their next step; skipped checks are one line per reason; long lists show their first
 * few. `onlyProblems` leaves out what passed.
 */
export function human(shown: RunReport, opts: RenderOptions): string {
  // Messages carry server text (query text, replies): shown, never acted on by the terminal.
  const report = printableDeep(shown);
  const width = Math.max(LEAST_WIDTH, opts.width ?? DEFAULT_WIDTH);
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const paint: Record<Status, (s: string) => string> = {
    pass: c.green, warn: c.yellow, fail: c.red, error: c.magenta, skip: c.gray, manual: c.cyan, waived: c.blue,
  };
  const mark = (s: Status) => paint[s](SYMBOL[s]);
  const wrapped = (text: string, indent: string, style: (s: string) => string = String) => wrap(text, width - indent.length).map((l) => style(indent + l));
  const shownRow = (r: CheckResult) => r.status !== 'skip' && !(opts.onlyProblems && r.status === 'pass');
  const rows = report.items.flatMap((i) => i.results.filter(shownRow));

  // Columns: 4 indent, mark, title, observed, [threshold], STATUS, message; two spaces between each. When the
  // titles would leave a message less than MESSAGE_LEAST, each title takes a line of its own and the rest goes under it.
  const observedW = Math.max(1, ...rows.map((r) => size(observedText(r))));
  const thresholdW = Math.max(0, ...rows.map((r) => size(thresholdText(r))));
  const titleMax = Math.max(1, ...rows.map((r) => size(r.title)));
  const room = width - 4 - 2 - observedW - 2 - 6 - 2 - 2;
  const withThreshold = thresholdW > 0 && room - thresholdW - 2 >= titleMax + 2 * MESSAGE_LEAST;
  const free = withThreshold ? room - thresholdW - 2 : room;
  const stacked = free - titleMax < MESSAGE_LEAST;
  const titleW = stacked ? 0 : titleMax;
  const messageW = stacked ? width - 6 - observedW - 2 - 6 - 2 : free - titleW;

  const out: string[] = [];
  out.push(...wrapped(`nvcops ${report.command} · ${report.environment ?? 'no environment named'} · ${report.startedAt}`, '', c.bold));
  out.push(...wrapped(report.runbook, '', c.gray), '');
  const skipped = new Map<string, CheckResult[]>();
  for (const item of report.items) {
    const skips = item.results.filter((r) => r.status === 'skip');
    for (const r of skips) skipped.set(r.message, [...(skipped.get(r.message) ?? []), r]);
    const visible = item.results.filter(shownRow);
    if (opts.onlyProblems && !visible.length) continue;
    const note = skips.length ? ` · ${skips.length} skipped` : '';
    out.push(...wrap(`${item.title}${note}`, width - 2).map((l, i) => (i ? '  ' : `${mark(item.status)} `) + c.bold(l)));
    for (const r of visible) {
      const message = `${r.message} (${r.durationMs} ms)${withThreshold ? '' : thresholdText(r) ? ` · ${thresholdText(r)}` : ''}`;
      if (stacked) out.push(...wrap(r.title, width - 6).map((l, i) => `    ${i ? ' ' : mark(r.status)} ${l}`));
      const cells = [
        ...(stacked ? [] : [{ text: r.title, width: titleW }]),
        { text: observedText(r), width: observedW, right: true },
        ...(withThreshold ? [{ text: thresholdText(r), width: thresholdW, paint: c.gray }] : []),
        { text: r.status.toUpperCase(), width: 6, paint: paint[r.status] },
        { text: message, width: messageW },
      ];
      out.push(...columns(cells, '').map((l, i) => (stacked ? `      ${l}` : `    ${i ? ' ' : mark(r.status)} ${l}`)));
      const details = r.details ?? [];
      for (const d of details.slice(0, details.length > LIST_SHOWN + 1 ? LIST_SHOWN : undefined)) out.push(...wrapped(d, '        ', c.gray));
      if (details.length > LIST_SHOWN + 1) out.push(...wrapped(`… and ${details.length - LIST_SHOWN} more of ${details.length} (--format json lists them all)`, '        ', c.gray));
      if (r.nextStep) out.push(...wrapped(`→ next: ${r.nextStep}`, '      ', c.bold));
    }
  }
  if (skipped.size) out.push('');
  for (const [reason, results] of skipped) {
    const what = results.length === 1 ? `${results[0]!.title} skipped` : `${results.length} checks skipped`;
    out.push(...wrap(`${what}: ${reason}`, width - 2).map((l, i) => (i ? '  ' : `${mark('skip')} `) + c.gray(l)));
  }
  if (report.changes) {
    out.push('', ...wrapped(report.changes.since ? `What changed since the run of ${report.changes.since}:` : 'What changed: no earlier run to compare with', '', c.bold));
    for (const line of report.changes.lines) out.push(...wrapped(line, '    '));
    if (report.changes.since && !report.changes.lines.length) out.push('    nothing');
  }
  out.push('');
  const interrupted = report.interrupted ? ' · interrupted' : '';
  const summary = wrap(`${report.status.toUpperCase()} — ${summaryText(report.summary)} of ${report.summary.total} checks · ${formatValue(report.durationMs, 'ms')} · exit ${report.exitCode}${interrupted}`, width - 2);
  out.push(...summary.map((l, i) => (i ? '  ' : `${mark(report.status)} `) + paint[report.status](l)));
  return `${out.join('\n')}\n`;
}
