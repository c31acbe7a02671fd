/**
 * `nvcops runbook today [--date YYYY-MM-DD]`: what the runbook's calendar has due on a day in its
 * time zone, the command for each, and whether it ran — from the run history (check runs) and the
 * audit trail (actions), in the same environment.
 */
import { clockFromEnv } from '../engine/clock.js';
import { isJudged } from '../engine/report.js';
import { EXIT } from '../engine/errors.js';
import { dateIn, dayWindow, timeIn, weekdayName, weekdayOf, zoneName } from '../engine/zoned.js';
import { cadenceText, runbookTimeZone, dueOn, evidenceOf, type Evidence, type Occurrence, type ScheduledCommand } from '../runbook/schedule.js';
import { openStore, type AuditRecord, type HistoryEntry, type Store } from '../state/index.js';
import { judgedSomething, matchesAudit, matchesHistory, type HistoryFilter } from '../state/store.js';
import type { GlobalOptions } from '../app/prepare.js';
import { prepareReading } from '../app/prepare.js';
import { paragraph, writeDocument, type Block } from '../report/document.js';
import { compareText } from '../engine/order.js';
import type * as z from 'zod';
import { OUTPUT_SCHEMA_VERSION } from '../engine/output-version.js';
import type { runbookTodaySchema } from '../report/schemas.js';

export interface TodayFlags extends GlobalOptions {
  date?: string;
  format: 'human' | 'json';
  failOnOverdue?: boolean;
}

/** One run that counts for a scheduled command. */
interface Run {
  at: string;
  by: string;
  host: string;
  source: 'history' | 'audit';
  /** The check run's status (or the named check's), or the action's outcome. */
  result: string;
  message?: string;
  /** The parts of the runbook's task this run did not judge (a DR test without its failover drill). */
  missing?: string[];
}

type Status = 'done' | 'partial' | 'started' | 'not-run' | 'overdue';

interface Row {
  occurrence: Occurrence;
  command: ScheduledCommand;
  status: Status;
  /** The first run of the window came after the stated due time. */
  late: boolean;
  runs: Run[];
  /** An action whose `started` record has no `finished` one: running now, or cut short. */
  unfinished: Run[];
  /** Check runs in the window that judged nothing (every check skipped): they do not count as done. */
  empty: Run[];
  /** Action runs that judged only some of the task's parts: they do not count as done. */
  partial: Run[];
  /** For a task due once a week on no stated day and not run within it: its last run before. */
  lastBefore?: Run;
}

const RAN: readonly string[] = ['ok', 'failed', 'interrupted'];

const auditRun = (r: AuditRecord): Run => ({
  at: r.startedAt, by: r.by, host: r.host, source: 'audit', result: r.outcome ?? r.phase, ...(r.message !== undefined && { message: r.message }),
});

/** What the store holds for the day, read once: the audit trail, and the run history from the earliest window on. */
interface Records {
  store: Store;
  audit: Promise<AuditRecord[]>;
  historySince: Date;
  history: Promise<HistoryEntry[]>;
}

/** The parts an action's run judged: the drills its steps' data name (monthly dr-test's last step judges each drill it ran). */
function judgedParts(r: AuditRecord): string[] {
  const outcomes = (r.details?.outcomes ?? []) as { data?: { drills?: { name: string }[] } }[];
  return outcomes.flatMap((o) => o.data?.drills?.map((d) => d.name) ?? []);
}

/** The runs one kind of evidence shows in [from, to), oldest first, and actions begun there that never finished. */
async function evidenceIn(records: Records, ev: Evidence, environment: string | null, from: Date | undefined, to: Date): Promise<{ runs: Run[]; unfinished: Run[]; empty: Run[]; partial: Run[] }> {
  if ('history' in ev) {
    const filter: HistoryFilter = { command: ev.history, check: ev.check, since: from, until: to, environment };
    // Only a search back before the day's windows (a last run before) goes to the store again.
    const entries = from && from >= records.historySince ? (await records.history).filter((e) => matchesHistory(e, filter)) : await records.store.history.list(filter);
    const runs: Run[] = [];
    const empty: Run[] = [];
    for (const e of entries) {
      const check = ev.check ? e.report.items.flatMap((i) => i.results).find((r) => r.id === ev.check) : undefined;
      const run: Run = { at: e.at, by: e.by, host: e.host, source: 'history', result: check?.status ?? e.status, ...(check && { message: `${check.id}: ${check.message}` }) };
      // A run that judged nothing (every check skipped, or only lines for a person) did not do the task.
      (evaluated(e, check?.status) ? runs : empty).push(run);
    }
    return { runs, unfinished: [], empty, partial: [] };
  }
  // An action belongs to the day it started; the store's own time (`at`) is when each record was written.
  const trail = (await records.audit).filter((r) => matchesAudit(r, { action: ev.audit }) && r.environment === environment && (ev.args ?? []).every((a) => r.args.includes(a)));
  const inWindow = (r: AuditRecord) => (!from || r.startedAt >= from.toISOString()) && r.startedAt < to.toISOString();
  const closed = new Set(trail.filter((r) => r.phase !== 'started').map((r) => r.operation));
  const ran = trail.filter((r) => r.phase !== 'started' && RAN.includes(r.outcome ?? '') && inWindow(r)).map((r): Run => {
    const missing = (ev.parts ?? []).filter((part) => !judgedParts(r).includes(part));
    return { ...auditRun(r), ...(missing.length && { missing }) };
  });
  return {
    runs: ran.filter((r) => !r.missing),
    unfinished: trail.filter((r) => r.phase === 'started' && !closed.has(r.operation) && inWindow(r)).map(auditRun),
    empty: [],
    partial: ran.filter((r) => r.missing),
  };
}

/** Did a check run judge anything (the named check, when the evidence names one)? */
const evaluated = (e: HistoryEntry, checkStatus: string | undefined): boolean =>
  checkStatus === undefined ? judgedSomething(e) : isJudged(checkStatus);

async function evidence(records: Records, cmd: ScheduledCommand, environment: string | null, from: Date | undefined, to: Date) {
  const found = await Promise.all(evidenceOf(cmd).map((ev) => evidenceIn(records, ev, environment, from, to)));
  const byTime = (a: Run, b: Run) => compareText(a.at, b.at);
  const all = (kind: 'runs' | 'unfinished' | 'empty' | 'partial') => found.flatMap((f) => f[kind]).sort(byTime);
  return { runs: all('runs'), unfinished: all('unfinished'), empty: all('empty'), partial: all('partial') };
}

async function rowFor(records: Records, occurrence: Occurrence, command: ScheduledCommand, environment: string | null, now: Date, dayStart: Date): Promise<Row> {
  const { runs, unfinished, empty, partial } = await evidence(records, command, environment, occurrence.from, occurrence.to);
  const status: Status = runs.length ? 'done' : unfinished.length ? 'started' : partial.length ? 'partial' : now >= occurrence.dueAt ? 'overdue' : 'not-run';
  const late = occurrence.timed && runs.length > 0 && runs[0]!.at > occurrence.dueAt.toISOString();
  const row: Row = { occurrence, command, status, late, runs, unfinished, empty, partial };
  if (!runs.length && occurrence.from < dayStart) row.lastBefore = (await evidence(records, command, environment, undefined, occurrence.from)).runs.at(-1);
  return row;
}

/** One environment's day: its rows, their counts, and its exit code under --fail-on-overdue. */
interface Day {
  environment: string | null;
  rows: Row[];
  summary: { due: number; done: number; partial: number; started: number; notRun: number; overdue: number };
  exitCode: number;
}

const STATUS_TEXT: Record<Status, string> = { done: '✔ done', partial: '◐ partial', started: '… started, not finished', 'not-run': '☐ not yet run', overdue: '✖ OVERDUE' };

export async function runbookToday(flags: TodayFlags): Promise<number> {
  const now = clockFromEnv()();
  // --env a,b,c or all: every one of those environments' day, from the store they share.
  const { config, redactor, environments } = await prepareReading(flags);
  const tz = runbookTimeZone(config);
  const date = flags.date ?? dateIn(now, tz);
  const occurrences = dueOn(date, tz);
  const dayStart = dayWindow(date, tz).start;
  const store = await openStore(config);
  let days: Day[];
  try {
    const historySince = new Date(Math.min(dayStart.getTime(), ...occurrences.map((o) => o.from.getTime())));
    const records: Records = { store, audit: store.audit.list(), historySince, history: store.history.list({ since: historySince }) };
    days = await Promise.all((environments ?? [config.environment ?? null]).map(async (environment) => {
      const rows = await Promise.all(occurrences.flatMap((o) => o.entry.commands.map((c) => rowFor(records, o, c, environment, now, dayStart))));
      const count = (s: Status) => rows.filter((r) => r.status === s).length;
      const summary = { due: rows.length, done: count('done'), partial: count('partial'), started: count('started'), notRun: count('not-run'), overdue: count('overdue') };
      // A partial run past the due time leaves the task as undone as no run.
      const behind = summary.overdue > 0 || rows.some((r) => r.status === 'partial' && now >= r.occurrence.dueAt);
      return { environment, rows, summary, exitCode: flags.failOnOverdue && behind ? EXIT.fail : EXIT.ok };
    }));
  } finally {
    await store.close();
  }
  const exitCode = Math.max(...days.map((d) => d.exitCode));
  const local = (iso: string) => {
    const t = new Date(iso);
    const day = dateIn(t, tz);
    return `${day === date ? '' : `${day} `}${timeIn(t, tz)} ${zoneName(t, tz)}`;
  };
  const dueText = (o: Occurrence) => (o.timed ? local(o.dueAt.toISOString()) : 'by end of day');

  const runText = (run: Run) => `${local(run.at)} by ${run.by}: ${run.result}${run.message ? ` (${run.message})` : ''}`;
  const lastText = (r: Row) => {
    const last = r.runs.at(-1) ?? r.unfinished.at(-1);
    if (last) return `${runText(last)}${r.runs.length > 1 ? ` — ${r.runs.length} runs` : ''}`;
    const partial = r.partial.at(-1);
    if (partial) return `${runText(partial)}: ${partial.missing!.join(', ')} not judged; does not count`;
    if (r.empty.length) return `${runText(r.empty.at(-1)!)}: judged nothing (every check skipped); does not count`;
    if (r.lastBefore) return `last run ${runText(r.lastBefore)}`;
    return r.occurrence.from < dayStart ? 'no run in the last 7 days' : '';
  };
  const due = (rows: Row[]) => rows.map((r) => ({
    procedure: r.occurrence.entry.title, section: r.occurrence.entry.section, runbook: r.occurrence.entry.runbook,
    cadence: cadenceText(r.occurrence.entry.cadence, tz), command: `nvcops ${r.command.command}`, replaces: r.command.runbook,
    dueAt: r.occurrence.dueAt.toISOString(), due: dueText(r.occurrence), status: r.status, late: r.late,
    countsFrom: r.occurrence.from.toISOString(), runs: r.runs, partial: r.partial, unfinished: r.unfinished, judgedNothing: r.empty, ...(r.lastBefore && { lastBefore: r.lastBefore }),
  }));
  const [one] = days;
  const blocks = days.flatMap(({ environment, rows, summary }, n): Block[] => {
    const counts = [`${summary.done} done`, summary.partial && `${summary.partial} partial`, summary.started && `${summary.started} started`, `${summary.notRun} not yet run`, summary.overdue && `${summary.overdue} OVERDUE`].filter(Boolean);
    return [
      paragraph([...(n > 0 ? [''] : []), `Runbook, ${weekdayName(weekdayOf(date))} ${date} (${tz})${environment ? `, environment ${environment}` : ''}: ${summary.due} due — ${counts.join(', ')}`]),
      {
        kind: 'table', columns: ['due', 'procedure', 'command', 'status', 'ran'],
        rows: rows.map((r) => [dueText(r.occurrence), r.occurrence.entry.title, `nvcops ${r.command.command}`, `${STATUS_TEXT[r.status]}${r.late ? ' (late)' : ''}`, lastText(r)]),
      },
    ];
  });
  await writeDocument({
    blocks,
    json: environments
      ? { schemaVersion: OUTPUT_SCHEMA_VERSION, date, weekday: weekdayOf(date), timezone: tz, environments, now: now.toISOString(), store: store.location, exitCode, days: days.map((d) => ({ environment: d.environment, summary: d.summary, exitCode: d.exitCode, due: due(d.rows) })) }
      : { schemaVersion: OUTPUT_SCHEMA_VERSION, date, weekday: weekdayOf(date), timezone: tz, environment: one!.environment, now: now.toISOString(), store: store.location, summary: one!.summary, exitCode, due: due(one!.rows) } satisfies z.infer<typeof runbookTodaySchema>,
  }, flags.format, redactor);
  return exitCode;
}
