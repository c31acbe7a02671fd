import type { RunReport } from '../engine/report.js';
import { markdownCell as cell, printableDeep } from '../engine/printable.js';
import { SYMBOL, observedText, summaryText, thresholdText } from './text.js';

/** For the ops log or an incident document. */
export function markdown(shown: RunReport): string {
  const report = printableDeep(shown);
  const out = [
    `## nvcops ${report.command} — ${report.status.toUpperCase()}`,
    '',
    `- Runbook: ${report.runbook}`,
    `- Environment: ${report.environment ?? 'not named'}`,
    `- Started: ${report.startedAt}, took ${report.durationMs} ms, exit code ${report.exitCode}${report.interrupted ? ' (interrupted)' : ''}`,
    `- Summary: ${summaryText(report.summary)} of ${report.summary.total} checks`,
  ];
  for (const item of report.items) {
    out.push('', `### ${SYMBOL[item.status]} ${item.title}`, '', '| | Check | Status | Observed | Threshold | Message |', '|---|---|---|---|---|---|');
    for (const r of item.results) {
      const message = [r.message, ...(r.details ?? [])].join('<br>');
      out.push(`| ${SYMBOL[r.status]} | ${cell(r.title)} (\`${r.id}\`) | ${r.status} | ${cell(observedText(r))} | ${cell(thresholdText(r))} | ${cell(message)} |`);
    }
  }
  if (report.changes) {
    out.push('', `### What changed since ${report.changes.since ?? 'the last run (none recorded)'}`, '');
    for (const line of report.changes.lines.length ? report.changes.lines : ['nothing']) out.push(`- ${line}`);
  }
  return `${out.join('\n')}\n`;
}
