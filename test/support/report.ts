/** Reading a JSON report in tests: every result by check id, and the checklist lines by title. */
export interface Result {
  id: string;
  title: string;
  status: string;
  observed: { value: number; unit: string } | null;
  threshold: { warn?: string; fail?: string } | null;
  message: string;
  details?: string[];
}

export interface Report {
  status: string;
  exitCode: number;
  items: { title: string; status: string; results: Result[] }[];
  summary: Record<string, number>;
}

export function parseReport(stdout: string): { report: Report; byId: Record<string, Result>; line: (title: string) => Report['items'][number] } {
  const report = JSON.parse(stdout) as Report;
  const byId = Object.fromEntries(report.items.flatMap((i) => i.results).map((r) => [r.id, r]));
  const line = (title: string) => {
    const item = report.items.find((i) => i.title.startsWith(title));
    if (!item) throw new Error(`no checklist line "${title}" in ${report.items.map((i) => i.title).join(' | ')}`);
    return item;
  };
  return { report, byId, line };
}
