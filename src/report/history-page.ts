/**
 * `nvcops history report --format html`: the run history of one environment over the last N days as
 * one page — per command (in the runbook's order) its newest run's checklist with a chart per check
 * that measured a number, and the DR drills' measured RTO and RPO per drill against the objectives.
 */
import { parseDuration } from '../engine/units.js';
import type { Status } from '../engine/verdict.js';
import { worst } from '../engine/report.js';
import type { AuditRecord, HistoryEntry } from '../state/store.js';
import type { ChartPoint, ChartSpec } from './chart.js';
import { htmlPage, type PageSection } from './html.js';

export interface HistoryPageInput {
  environment: string | null;
  from: Date;
  to: Date;
  days: number;
  /** Kept runs in the window, oldest first. */
  runs: HistoryEntry[];
  /** Finished `monthly dr-test` records in the window, oldest first. */
  drills: AuditRecord[];
  /** dr.rto and dr.rpo as configured (durations such as 15m). */
  objectives: { rto: string; rpo: string };
  /** Command names in the runbook's order: sections follow it, commands it does not name come last. */
  order: readonly string[];
}

interface DrillOutcome { title?: string; status?: string; data?: { rtoMs?: unknown; rpoMs?: unknown } }

/** One chart per objective: each drill's measured value, a point that breached the objective (or failed) marked fail. */
function drillCharts(input: HistoryPageInput): ChartSpec[] {
  const rto: ChartPoint[] = [];
  const rpo: ChartPoint[] = [];
  const rtoMs = parseDuration(input.objectives.rto);
  const rpoMs = parseDuration(input.objectives.rpo);
  for (const rec of input.drills) {
    const at = Date.parse(rec.startedAt || rec.at);
    const outcomes = (rec.details?.outcomes ?? []) as DrillOutcome[];
    for (const o of Array.isArray(outcomes) ? outcomes : []) {
      const done = o.status === 'done';
      if (typeof o.data?.rtoMs === 'number') rto.push({ at, value: o.data.rtoMs, status: done && (rtoMs === undefined || o.data.rtoMs <= rtoMs) ? 'pass' : 'fail' });
      if (typeof o.data?.rpoMs === 'number') rpo.push({ at, value: o.data.rpoMs, status: done && (rpoMs === undefined || o.data.rpoMs <= rpoMs) ? 'pass' : 'fail' });
    }
  }
  const spec = (id: string, title: string, points: ChartPoint[], objective: string): ChartSpec => ({
    id, title, unit: 'ms', from: input.from.getTime(), to: input.to.getTime(), points, levels: parseDuration(objective) === undefined ? [] : [{ level: 'fail', value: parseDuration(objective)!, text: `> ${objective}` }],
  });
  return [
    ...(rto.length ? [spec('dr-rto', 'DR drill: recovery time (RTO) measured', rto, input.objectives.rto)] : []),
    ...(rpo.length ? [spec('dr-rpo', 'DR drill: data loss window (RPO) measured', rpo, input.objectives.rpo)] : []),
  ];
}

/** The page. */
export function historyPage(input: HistoryPageInput): string {
  const commands = [...new Set(input.runs.map((r) => r.command))];
  const rank = (c: string) => (input.order.includes(c) ? input.order.indexOf(c) : input.order.length);
  commands.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const sections: PageSection[] = commands.map((command) => {
    const runs = input.runs.filter((r) => r.command === command);
    const newest = runs.at(-1)!;
    return {
      heading: `nvcops ${command} — newest of ${runs.length} run${runs.length === 1 ? '' : 's'}`,
      report: newest.report,
      trend: { from: input.from.toISOString(), to: input.to.toISOString(), runs: runs.map((r) => ({ at: r.at, report: r.report })) },
    };
  });
  const charts = drillCharts(input);
  if (charts.length) {
    sections.push({
      heading: `Disaster recovery drills (${input.drills.length})`,
      charts: { intro: `Each drill's measured recovery time and data loss window against the objectives (dr.rto ${input.objectives.rto}, dr.rpo ${input.objectives.rpo}), from the audit trail's monthly dr-test records.`, specs: charts, columns: ['Drill started', 'Measured', 'Status'] },
    });
  }
  const newest = commands.map((c) => input.runs.filter((r) => r.command === c).at(-1)!);
  const status: Status = newest.length ? worst(newest.map((r) => r.status)) : 'skip';
  const span = `${input.from.toISOString().slice(0, 10)} to ${input.to.toISOString().slice(0, 10)}`;
  if (!sections.length) sections.push({ heading: 'No kept runs', note: `no check runs of ${input.environment ?? 'the runs made without an environment'} were kept from ${span}` });
  return htmlPage({
    title: `nvcops run history — ${input.environment ?? 'no environment named'}, last ${input.days} days`,
    status,
    verdict: [`${input.runs.length} run${input.runs.length === 1 ? '' : 's'} of ${commands.length} command${commands.length === 1 ? '' : 's'}`, 'status: the worst of each command\'s newest run'],
    meta: [['Environment', input.environment ?? 'not named'], ['Window', `${span} (${input.days} days)`], ['Made', input.to.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC')]],
    sections,
    footer: ['Made by nvcops history report. Secrets are masked; every value is a kept run of the state store\'s run history or a DR drill of its audit trail.'],
  });
}
