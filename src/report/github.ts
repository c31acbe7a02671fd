import type { CheckResult, RunReport } from '../engine/report.js';
import { printableDeep } from '../engine/printable.js';
import { manualMakesItRed, observedText, summaryText, thresholdText } from './text.js';

/** A workflow command's message: %, CR and LF escaped (GitHub's own toolkit, core/command.ts escapeData). */
const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
/** A property value: the same, and the `:` and `,` that end a property (escapeProperty). */
const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

const line = (r: CheckResult): string => {
  const t = thresholdText(r);
  return `${r.title}: ${r.observed ? `${observedText(r)}${t ? ` (${t})` : ''} — ` : ''}${r.message}`;
};

/**
 * GitHub Actions: the checklist as a collapsed group of the log, then one annotation per check that
 * needs a look — ::error for fail and error (and for manual lines when they make the exit code 3),
 * ::warning for warn, ::notice for other manual lines. The job summary (markdown) is appended to
 * $GITHUB_STEP_SUMMARY by the run itself (app/run.ts), since a renderer writes no files.
 */
export function github(shown: RunReport): string {
  const report = printableDeep(shown);
  const manual = manualMakesItRed(report) ? 'error' : 'notice';
  const level: Partial<Record<CheckResult['status'], string>> = { fail: 'error', error: 'error', warn: 'warning', manual };
  const results = report.items.flatMap((i) => i.results);
  // Every log line starts with text of ours: a message starting with "::" cannot become a workflow command.
  const out = [`::group::nvcops ${report.command}: ${report.status.toUpperCase()} (exit code ${report.exitCode}): ${summaryText(report.summary)}`];
  for (const r of results) out.push(`[${r.status.toUpperCase()}] ${line(r)}`);
  out.push('::endgroup::');
  for (const r of results) {
    const kind = level[r.status];
    if (!kind) continue;
    const title = `nvcops ${report.command}${report.environment ? ` (${report.environment})` : ''}: ${r.id} ${r.status}`;
    const text = [line(r), ...(r.details ?? []), ...(r.nextStep ? [`next: ${r.nextStep}`] : [])].join('\n');
    out.push(`::${kind} title=${escapeProperty(title)}::${escapeData(text)}`);
  }
  return `${out.join('\n')}\n`;
}
