import type { CheckResult, RunChanges, RunReport } from './report.js';

/** A finding line with its numbers blurred, so "29 days left" and "22 days left" count as the same finding. */
const shape = (line: string) => line.replace(/\d+(\.\d+)?/g, '#');

const results = (r: RunReport): Map<string, CheckResult> => new Map(r.items.flatMap((i) => i.results).map((x) => [x.id, x]));

/** Status changes, and finding lines (details) that appeared or went away, between two runs of one command. */
export function changesBetween(before: RunReport | undefined, after: RunReport): RunChanges {
  if (!before) return { since: null, lines: [] };
  const old = results(before);
  const lines: string[] = [];
  for (const [id, now] of results(after)) {
    const was = old.get(id);
    if (!was) {
      lines.push(`${id}: new check, ${now.status}`);
      continue;
    }
    if (was.status !== now.status) lines.push(`${id}: ${was.status} → ${now.status} (${now.message})`);
    const before = new Set((was.details ?? []).map(shape));
    const after = new Set((now.details ?? []).map(shape));
    for (const d of now.details ?? []) if (!before.has(shape(d))) lines.push(`${id}: new: ${d}`);
    for (const d of was.details ?? []) if (!after.has(shape(d))) lines.push(`${id}: gone: ${d}`);
  }
  return { since: before.startedAt, lines };
}
