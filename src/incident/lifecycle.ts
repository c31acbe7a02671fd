import { checkSet, runPipeline } from '../app/run.js';
import { BUSINESS_ITEM, businessMetricChecks } from '../checks/business/index.js';
import { registry } from '../checks/index.js';
import type { CheckDefinition } from '../engine/check.js';
import { UsageError } from '../engine/errors.js';
import { interruptedBy, interruptedExitCode, interruptOnSignals, type Interrupt } from '../engine/interrupt.js';
import { printable } from '../engine/printable.js';
import type { RunReport } from '../engine/report.js';
import { SEVERITY_LEVELS, type Severity } from '../runbook/severity.js';
import type { Procedure } from '../engine/procedure.js';
import { procedures } from '../runbook/procedures.js';
import { actor, auditEvent, openStore, recordRun } from '../state/index.js';
import type { Store } from '../state/store.js';
import type { Section } from './document.js';
import type { IncidentWindow } from '../probes/deploys.js';
import { notificationsConfigured, notifyStakeholders } from './notify.js';
import { makeDocument, printDocument, show, type IncidentContext } from './output.js';
import { paragraph } from '../report/document.js';
import { isOpen, respondedAt, timers } from '../checks/incident-timers.js';
import {
  listIncidents, type FailingCheck, type Incident, type IncidentEvent, type NotifyAction, type NotifyResult, type Verification,
} from '../probes/incidents.js';
import { addEvent, chooseIncident, createIncident, shownTitle, updateIncident } from './records.js';
import { ago, formatAge } from './time.js';
import { compareText } from '../engine/order.js';
import { OUTPUT_SCHEMA_VERSION } from '../engine/output-version.js';
import type { OutputOf } from '../report/schemas.js';

/** Runs with the store open and closes it whatever happens. */
export async function withStore<T>(ctx: IncidentContext, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(ctx.config);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const who = (ctx: IncidentContext) => actor(ctx.flags.by);
const env = (ctx: IncidentContext) => ctx.config.environment ?? null;

/** The runbook's detection window: the hour before impact is where `git log --since="1 hour ago"` looks for the deploy that caused it. */
export const SUSPECT_LEAD_MS = 3_600_000;

/** Windows of this environment's incidents, for flagging deploys: from an hour before impact to resolution (or now). */
export async function incidentWindows(ctx: IncidentContext): Promise<IncidentWindow[]> {
  return withStore(ctx, async (store) =>
    (await listIncidents(store)).filter((i) => i.environment === env(ctx)).map((i) => ({
      incidentId: i.id, from: new Date(Date.parse(i.startedAt) - SUSPECT_LEAD_MS), to: i.resolvedAt ? new Date(i.resolvedAt) : ctx.now(),
    })));
}

/** Adds an investigation (incident db, logs, …) to every open incident of this environment; never fails the investigation itself. */
export async function recordInvestigation(ctx: IncidentContext, what: string, summary: string): Promise<void> {
  try {
    await withStore(ctx, async (store) => {
      for (const i of (await listIncidents(store)).filter((x) => isOpen(x) && x.environment === env(ctx))) {
        await updateIncident(store, i.id, who(ctx), (x) => addEvent(x, { at: ctx.now().toISOString(), by: who(ctx), type: 'investigation', message: `${what}: ${summary}` }));
      }
    });
  } catch (e) {
    ctx.print(`nvcops: not added to the incident timeline: ${(e as Error).message.split('\n')[0]}\n`, process.stderr);
  }
}

/** The procedure whose failing checks an incident starts from: the morning health check. */
const healthProcedure = (): Procedure => procedures['health daily'];

function failingOf(report: RunReport): FailingCheck[] {
  return report.items.flatMap((item) => item.results).filter((r) => r.status === 'fail' || r.status === 'error').map((r) => ({ id: r.id, status: r.status, message: r.message }));
}

/** Runs a procedure's checks through the one pipeline, on the incident's own state store (they read acknowledgements and history from it). */
async function runChecks(ctx: IncidentContext, store: Store, procedure: Procedure, signal: AbortSignal, extra: CheckDefinition[] = []): Promise<RunReport> {
  const { registered, thresholds } = checkSet(ctx.config, extra);
  return runPipeline(procedure, registered, { config: ctx.config, thresholds, failOn: 'warn', now: ctx.now, store: () => Promise.resolve(store), signal });
}

/** The morning health check with the configured business metrics, run now and kept in the run history. */
export async function healthRunNow(ctx: IncidentContext, store: Store, signal: AbortSignal): Promise<RunReport> {
  const business = businessMetricChecks(ctx.config);
  const base = healthProcedure();
  const procedure = business.length ? { ...base, items: [...base.items, { title: BUSINESS_ITEM, checks: business.map((c) => c.id) }] } : base;
  const report = await runChecks(ctx, store, procedure, signal, business);
  await recordRun(store, report, { redactor: ctx.redactor, by: ctx.flags.by });
  return report;
}

/** The checks failing now: from the newest run of each command in the last hour, else from a health run made here. */
export async function currentFailures(ctx: IncidentContext, store: Store, signal: AbortSignal): Promise<{ from: string; failing: FailingCheck[]; report?: RunReport }> {
  const runs = await store.history.list({ since: new Date(ctx.now().getTime() - 3_600_000), environment: env(ctx) });
  const newest = new Map(runs.map((r) => [r.command, r]));
  if (newest.size) {
    const failing = new Map<string, FailingCheck>();
    for (const run of [...newest.values()].sort((a, b) => compareText(a.at, b.at))) for (const f of failingOf(run.report)) failing.set(f.id, f);
    return { from: `run history: ${[...newest.values()].map((r) => `${r.command} at ${r.at}`).join(', ')}`, failing: [...failing.values()] };
  }
  const report = await healthRunNow(ctx, store, signal);
  const skipped = report.summary.skip === report.summary.total ? ': every check skipped, nothing is configured' : '';
  const cut = report.interrupted ? `, ${interruptedNote(signal)}` : '';
  return { from: `${report.command} run at open (${report.startedAt})${skipped}${cut}`, failing: failingOf(report), report };
}

/** What an interrupted check run left out, in the record's words. */
const interruptedNote = (signal: AbortSignal) => `interrupted by ${interruptedBy(signal)}: checks that had not finished are listed as error`;

/** Listens for Ctrl-C and SIGTERM while a command runs checks and writes its record, so the first one cuts the checks short and never the write. */
async function whileListening<T>(fn: (interrupt: Interrupt) => Promise<T>): Promise<T> {
  const interrupt = interruptOnSignals();
  try {
    return await fn(interrupt);
  } finally {
    interrupt.release();
  }
}

/** How far back a check's history is read to tell a long-standing failure from one that began with the incident. */
const LONG_STANDING_LOOKBACK_MS = 30 * 86_400_000;

/**
 * The incident's checks are those that began failing around it: their failing streak began within the runbook's
 * detection window (the hour before impact) or later, or nothing earlier is known; the others failed before and are context.
 */
export async function splitByOnset(store: Store, environment: string | null, failing: FailingCheck[], started: Date, now: Date): Promise<{ incident: FailingCheck[]; longStanding: FailingCheck[] }> {
  const runs = await store.history.list({ since: new Date(started.getTime() - LONG_STANDING_LOOKBACK_MS), until: new Date(now.getTime() + 1), environment });
  const onset = new Map<string, string>();
  for (const run of [...runs].sort((a, b) => compareText(a.at, b.at))) {
    for (const r of run.report.items.flatMap((item) => item.results)) {
      if (r.status === 'pass' || r.status === 'warn') onset.delete(r.id);
      else if ((r.status === 'fail' || r.status === 'error') && !onset.has(r.id)) onset.set(r.id, run.at);
    }
  }
  const before = started.getTime() - SUSPECT_LEAD_MS;
  const old = (f: FailingCheck) => onset.has(f.id) && Date.parse(onset.get(f.id)!) < before;
  return { incident: failing.filter((f) => !old(f)), longStanding: failing.filter(old) };
}

function notificationLine(n: NotifyResult): string {
  const name = n.channel === 'pagerduty' ? 'PagerDuty' : 'webhook';
  return n.ok ? `✔ ${name} ${n.action} sent${n.attempts > 1 ? ` after ${n.attempts} attempts` : ''}` : `▲ ${name} ${n.action} FAILED after ${n.attempts} attempt(s): ${n.error} — recorded; tell stakeholders another way`;
}

/** Notifies P0/P1 stakeholders after the record is safe, and records every outcome (a failure too) on the incident. */
async function notifyAndRecord(ctx: IncidentContext, store: Store, incident: Incident, action: NotifyAction): Promise<NotifyResult[]> {
  if (!SEVERITY_LEVELS[incident.severity].notifyStakeholders) return [];
  if (!notificationsConfigured(ctx.config)) {
    if (action === 'trigger') ctx.print(`▲ ${incident.severity}: stakeholders must be notified, but incident.notify has no webhook or PagerDuty routing key — notify them by hand\n`, process.stderr);
    return [];
  }
  const results = await notifyStakeholders(ctx.config, ctx.redactor, incident, action, who(ctx), ctx.now);
  await updateIncident(store, incident.id, who(ctx), (i) => {
    i.notifications.push(...results);
    for (const r of results) addEvent(i, { at: r.at, by: who(ctx), type: 'notification', message: notificationLine(r).replace(/^. /, '') });
  });
  // Failures always reach the terminal; successes are on the screen, and in the JSON when that is the format.
  for (const r of results) if (!r.ok) ctx.print(`${notificationLine(r)}\n`, process.stderr);
  await show(ctx, { blocks: [paragraph(results.filter((r) => r.ok).map(notificationLine))], json: undefined });
  return results;
}

const audit = (store: Store, ctx: IncidentContext, action: string, incident: Incident, message: string, outcome: 'ok' | 'interrupted' = 'ok') =>
  auditEvent(store, { action, config: ctx.config, redactor: ctx.redactor, by: ctx.flags.by, details: { incident: incident.id, severity: incident.severity } }, { outcome, message });

export interface OpenOptions {
  severity: Severity;
  title: string;
  started?: Date;
  checks: boolean;
  /** An incident response drill (Third Monday: Security Assessment). */
  drill: boolean;
}

export async function openIncident(ctx: IncidentContext, o: OpenOptions): Promise<number> {
  if (!o.title.trim()) throw new UsageError('--title: say what is wrong, e.g. --title "Payments API returning 503"');
  const now = ctx.now();
  if (o.started && o.started > now) throw new UsageError(`--started: ${o.started.toISOString()} is later than now (${now.toISOString()}); impact cannot begin in the future`);
  // Interrupted checks still open the incident, with what they saw: the record of an emergency is never dropped.
  return whileListening(({ signal }) => withStore(ctx, async (store) => {
    const { from, failing: all, report } = o.checks ? await currentFailures(ctx, store, signal) : { from: 'not looked at (--no-checks)', failing: [], report: undefined };
    const interrupted = report?.interrupted === true;
    const { incident: failing, longStanding } = await splitByOnset(store, env(ctx), all, o.started ?? now, now);
    const by = who(ctx);
    const draft: Omit<Incident, 'id' | 'dedupKey'> = {
      title: o.title.trim(), severity: o.severity, status: 'open', environment: env(ctx), ...(o.drill && { drill: true }),
      startedAt: (o.started ?? now).toISOString(), openedAt: now.toISOString(), openedBy: by,
      checksFrom: from, failingChecks: failing, ...(longStanding.length && { longStanding }), notifications: [], reports: [], events: [],
    };
    addEvent(draft as Incident, { at: now.toISOString(), by, type: 'opened', message: `${o.severity} opened: ${shownTitle(draft)}${failing.length ? ` — failing: ${failing.map((f) => f.id).join(', ')}` : ''}` });
    const incident = await createIncident(store, draft, by);
    await audit(store, ctx, 'incident open', incident, `${incident.id} ${incident.severity}: ${shownTitle(incident)}${interrupted ? `; checks ${interruptedNote(signal)}` : ''}`, interrupted ? 'interrupted' : 'ok');
    const t = timers(incident, now);
    const level = SEVERITY_LEVELS[incident.severity];
    const exitCode = interrupted ? interruptedExitCode(signal) : 0;
    // On the screen before the stakeholders are notified (that can take retries); the JSON, with the notifications, after.
    await show(ctx, { blocks: [paragraph([
      `${incident.id} opened: [${incident.severity} ${level.name}] ${printable(shownTitle(incident))}`,
      `  acknowledge by ${t.ackDueAt.toISOString()} (within 5 minutes); response target ${level.response} (by ${t.responseDueAt.toISOString()})`,
      `  failing checks (${from}): ${failing.length ? failing.map((f) => `${f.id} ${f.status}`).join(', ') : 'none'}`,
      ...(longStanding.length ? [`  failing before impact began (context, not verified at resolve): ${longStanding.map((f) => `${f.id} ${f.status}`).join(', ')}`] : []),
    ])], json: undefined });
    const notifications = await notifyAndRecord(ctx, store, incident, 'trigger');
    await show(ctx, { blocks: [], json: { schemaVersion: OUTPUT_SCHEMA_VERSION, ...incident, notifications, timers: t } });
    return exitCode;
  }));
}

// Judged on the record read and again on the one written: another engineer's ack or resolve in between is refused, never overwritten.
function refuseAck(i: Incident): void {
  if (i.status !== 'open') throw new UsageError(`${i.id} is already ${i.status}${i.acknowledgedBy ? ` (acknowledged by ${i.acknowledgedBy} at ${i.acknowledgedAt})` : ''}`);
}

function refuseResolved(i: Incident): void {
  if (!isOpen(i)) throw new UsageError(`${i.id} is already resolved (by ${i.resolvedBy} at ${i.resolvedAt})`);
}

export async function ackIncident(ctx: IncidentContext, id?: string): Promise<number> {
  return withStore(ctx, async (store) => {
    const chosen = await chooseIncident(store, env(ctx), id, 'incident ack');
    refuseAck(chosen);
    const now = ctx.now();
    const took = now.getTime() - Date.parse(chosen.openedAt);
    const late = took > 5 * 60_000;
    const message = `acknowledged after ${formatAge(took)}${late ? ' — the 5-minute target was missed' : ''}`;
    const incident = await updateIncident(store, chosen.id, who(ctx), (i) => {
      refuseAck(i);
      i.status = 'acknowledged';
      i.acknowledgedAt = now.toISOString();
      i.acknowledgedBy = who(ctx);
      addEvent(i, { at: now.toISOString(), by: who(ctx), type: 'acknowledged', message });
    });
    await audit(store, ctx, 'incident ack', incident, message);
    await show(ctx, { blocks: [paragraph([`${incident.id} ${message}`])], json: { schemaVersion: OUTPUT_SCHEMA_VERSION, ...incident, timers: timers(incident, now) } });
    await notifyAndRecord(ctx, store, incident, 'acknowledge');
    return 0;
  });
}

export async function noteIncident(ctx: IncidentContext, text: string, id?: string): Promise<number> {
  if (!text.trim()) throw new UsageError('note: write what you found or did');
  return withStore(ctx, async (store) => {
    const chosen = await chooseIncident(store, env(ctx), id, 'incident note --id');
    const now = ctx.now();
    const incident = await updateIncident(store, chosen.id, who(ctx), (i) => addEvent(i, { at: now.toISOString(), by: who(ctx), type: 'note', message: text.trim() }));
    await audit(store, ctx, 'incident note', incident, text.trim());
    await show(ctx, { blocks: [paragraph([`${incident.id}: note added`])], json: { schemaVersion: OUTPUT_SCHEMA_VERSION, incident: incident.id, ...incident.events.at(-1)! } satisfies OutputOf<'incident-note'> });
    return 0;
  });
}

export interface ResolveOptions {
  note: string;
  force: boolean;
}

/** The runbook's "Verify resolution": re-runs the checks failing at open; still failing means not resolved, unless --force (recorded). */
export async function resolveIncident(ctx: IncidentContext, id: string | undefined, o: ResolveOptions): Promise<number> {
  if (!o.note.trim()) throw new UsageError('--note: document the resolution (what fixed it)');
  // An interrupted verification never resolves, --force or not: what it saw is recorded and the incident stays open.
  return whileListening(({ signal }) => withStore(ctx, async (store) => {
    const chosen = await chooseIncident(store, env(ctx), id, 'incident resolve');
    refuseResolved(chosen);
    const ids = [...new Set(chosen.failingChecks.map((f) => f.id))];
    const business = businessMetricChecks(ctx.config);
    const exists = (c: string) => registry.has(c) || business.some((b) => b.id === c);
    const known = ids.filter(exists);
    let verification: Verification[] = ids.filter((c) => !exists(c)).map((c) => ({ id: c, before: chosen.failingChecks.find((f) => f.id === c)!.status, after: 'unknown', message: 'no such check in this nvcops version' }));
    let interrupted = false;
    if (known.length) {
      const report = await runChecks(ctx, store, {
        id: 'incident resolve', runbook: 'Incident Response › Resolution: Verify resolution',
        items: [{ title: 'Checks that were failing when the incident opened', checks: known }],
      }, signal, business.filter((b) => known.includes(b.id)));
      interrupted = report.interrupted === true;
      await recordRun(store, report, { redactor: ctx.redactor, by: ctx.flags.by });
      verification = [...report.items.flatMap((i) => i.results).map((r) => ({ id: r.id, before: chosen.failingChecks.find((f) => f.id === r.id)!.status, after: r.status, message: r.message })), ...verification];
    }
    const still = verification.filter((v) => v.after !== 'pass');
    const now = ctx.now();
    const summary = ids.length === 0 ? 'no checks were failing when it opened: nothing to re-run'
      : interrupted ? `${interruptedNote(signal)}${still.length ? `; not passing: ${still.map((v) => `${v.id} ${v.after}`).join(', ')}` : ''}`
      : still.length ? `still not passing: ${still.map((v) => `${v.id} ${v.after}`).join(', ')}` : `all ${verification.length} checks failing at open now pass`;
    const lines = verification.map((v) => `  ${v.after === 'pass' ? '✔' : '✖'} ${v.id}: ${v.before} → ${v.after} — ${printable(v.message)}`);
    if (interrupted || (still.length && !o.force)) {
      await updateIncident(store, chosen.id, who(ctx), (i) => {
        refuseResolved(i);
        i.verification = verification;
        addEvent(i, { at: now.toISOString(), by: who(ctx), type: 'verification', message: `resolution not verified: ${summary}` });
      });
      ctx.print(`${chosen.id} NOT resolved — ${summary}\n${lines.join('\n')}\n${interrupted ? 'Run it again to verify.' : 'Fix them, or resolve anyway with --force (recorded).'}\n`, process.stderr);
      return interrupted ? interruptedExitCode(signal) : 2;
    }
    const incident = await updateIncident(store, chosen.id, who(ctx), (i) => {
      refuseResolved(i);
      i.verification = verification;
      i.status = 'resolved';
      i.resolvedAt = now.toISOString();
      i.resolvedBy = who(ctx);
      i.resolution = o.note.trim();
      addEvent(i, { at: now.toISOString(), by: who(ctx), type: 'verification', message: `${still.length ? 'resolved with --force; ' : ''}${summary}` });
      // Allowed (the on-call engineer may fix first), but never hidden: the record says the alert was not acknowledged.
      if (!i.acknowledgedAt) addEvent(i, { at: now.toISOString(), by: who(ctx), type: 'resolved', message: 'resolved without acknowledgement: the 5-minute acknowledgement was never made' });
      addEvent(i, { at: now.toISOString(), by: who(ctx), type: 'resolved', message: o.note.trim() });
    });
    await audit(store, ctx, 'incident resolve', incident, `${summary}; ${o.note.trim()}`);
    await show(ctx, {
      blocks: [paragraph([
        `${incident.id} resolved after ${formatAge(now.getTime() - Date.parse(incident.openedAt))} — ${summary}`,
        ...lines,
        ...(SEVERITY_LEVELS[incident.severity].postmortem ? [`Post-Incident: a ${incident.severity} needs a post-mortem — nvcops incident postmortem ${incident.id}`] : []),
      ])],
      json: { schemaVersion: OUTPUT_SCHEMA_VERSION, ...incident, timers: timers(incident, now) },
    });
    await notifyAndRecord(ctx, store, incident, 'resolve');
    return 0;
  }));
}

function timerText(i: Incident, now: Date): { ack: string; response: string } {
  const t = timers(i, now);
  const responded = respondedAt(i);
  const ack = i.acknowledgedAt ? `${formatAge(t.ackMs!)}${t.ackMs! > 5 * 60_000 ? ' (late)' : ''}` : t.ackOverdue ? `OVERDUE by ${formatAge(now.getTime() - t.ackDueAt.getTime())}` : isOpen(i) ? `due ${ago(t.ackDueAt, now)}` : 'never (missed)';
  const response = responded ? `${formatAge(t.responseMs!)}${Date.parse(responded) > t.responseDueAt.getTime() ? ' (late)' : ''}`
    : t.responseOverdue ? `OVERDUE by ${formatAge(now.getTime() - t.responseDueAt.getTime())}` : isOpen(i) ? `due ${ago(t.responseDueAt, now)}` : 'never (missed)';
  return { ack, response };
}

/** How many of the open ones are drills, so the count of real incidents reads right. */
const drills = (open: Incident[]) => {
  const n = open.filter((i) => i.drill).length;
  return n ? ` (${n} ${n === 1 ? 'is a drill' : 'are drills'})` : '';
};

export async function listCommand(ctx: IncidentContext, all: boolean): Promise<number> {
  return withStore(ctx, async (store) => {
    const now = ctx.now();
    const dayAgo = now.getTime() - 86_400_000;
    const shown = (await listIncidents(store))
      .filter((i) => all || isOpen(i) || Date.parse(i.resolvedAt!) >= dayAgo)
      .sort((a, b) => Number(isOpen(b)) - Number(isOpen(a)) || compareText(b.openedAt, a.openedAt));
    const overdue = shown.filter((i) => timers(i, now).ackOverdue || timers(i, now).responseOverdue);
    const section: Section = {
      title: all ? 'Incidents' : 'Open incidents and those resolved in the last 24 hours',
      state: overdue.length ? 'attention' : 'ok',
      summary: `${shown.filter(isOpen).length} open${drills(shown.filter(isOpen))}${overdue.length ? `, ${overdue.length} OVERDUE: ${overdue.map((i) => i.id).join(', ')}` : ''}`,
      table: {
        head: ['id', 'sev', 'status', 'opened', 'ack (5 min)', 'response', 'env', 'title'],
        rows: shown.map((i) => {
          const t = timerText(i, now);
          return [i.id, i.severity, i.status, ago(new Date(i.openedAt), now), t.ack, `${t.response} (${SEVERITY_LEVELS[i.severity].response})`, i.environment ?? '—', shownTitle(i)];
        }),
      },
    };
    await printDocument(ctx, makeDocument(ctx, 'nvcops incident list', 'Incident Response › Severity Levels and Initial Response', [section]),
      shown.map((i) => ({ id: i.id, severity: i.severity, status: i.status, title: i.title, drill: i.drill === true, environment: i.environment, openedAt: i.openedAt, resolvedAt: i.resolvedAt ?? null, timers: timers(i, now) })));
    return 0;
  });
}

export async function showCommand(ctx: IncidentContext, id?: string): Promise<number> {
  return withStore(ctx, async (store) => {
    const i = await chooseIncident(store, env(ctx), id, 'incident show');
    const now = ctx.now();
    const t = timerText(i, now);
    const level = SEVERITY_LEVELS[i.severity];
    const sections: Section[] = [
      {
        title: `${i.id} [${i.severity} ${level.name}] ${shownTitle(i)}`, state: isOpen(i) ? 'attention' : 'ok',
        summary: `${i.status} · ${i.environment ?? 'no environment named'}`,
        lines: [
          `impact began ${i.startedAt}; opened ${i.openedAt} by ${i.openedBy}`,
          `acknowledged: ${i.acknowledgedAt ? `${i.acknowledgedAt} by ${i.acknowledgedBy} (${t.ack})` : t.ack}`,
          `response (${level.response}): ${respondedAt(i) ? `${respondedAt(i)} (${t.response})` : t.response}`,
          ...(i.resolvedAt ? [`resolved ${i.resolvedAt} by ${i.resolvedBy} after ${formatAge(Date.parse(i.resolvedAt) - Date.parse(i.openedAt))}: ${i.resolution}`] : []),
        ],
      },
      {
        title: 'Checks failing at open', state: i.failingChecks.length ? 'attention' : 'ok', summary: i.checksFrom,
        table: { head: ['check', 'at open', 'at resolve', 'message'], rows: i.failingChecks.map((f) => [f.id, f.status, i.verification?.find((v) => v.id === f.id)?.after ?? '—', f.message]) },
      },
      ...(i.longStanding?.length ? [{
        title: 'Failing before impact began (context)', state: 'ok' as const, summary: `${i.longStanding.length} long-standing, not verified at resolve`,
        lines: i.longStanding.map((f) => `${f.id} ${f.status}: ${f.message}`),
      }] : []),
      {
        title: 'Notifications', state: i.notifications.some((n) => !n.ok) ? 'attention' : 'ok',
        summary: i.notifications.length ? `${i.notifications.filter((n) => n.ok).length} sent, ${i.notifications.filter((n) => !n.ok).length} failed` : level.notifyStakeholders ? 'none sent' : `not needed for ${i.severity}`,
        lines: i.notifications.map((n) => `${n.at} ${notificationLine(n)}`),
      },
      { title: 'Diagnostic reports', state: 'ok', summary: `${i.reports.length} attached`, lines: i.reports.map((r) => `${r.id} at ${r.at} by ${r.by}: ${r.summary}`) },
    ];
    await printDocument(ctx, makeDocument(ctx, `nvcops incident show ${i.id}`, 'Incident Response', sections), { schemaVersion: OUTPUT_SCHEMA_VERSION, ...i, timers: timers(i, now) });
    return 0;
  });
}

export interface TimelineEntry {
  at: string;
  source: 'incident' | 'audit' | 'history';
  by: string;
  what: string;
}

/** The incident's own events, and every nvcops action and check run of its environment from when impact began (or opening, if earlier) to resolution. */
export async function timelineOf(store: Store, i: Incident): Promise<TimelineEntry[]> {
  const from = new Date(Math.min(Date.parse(i.startedAt), Date.parse(i.openedAt)));
  const until = i.resolvedAt ? new Date(Date.parse(i.resolvedAt) + 1) : undefined;
  const entries: TimelineEntry[] = i.events.map((e: IncidentEvent) => ({ at: e.at, source: 'incident', by: e.by, what: `${e.type}: ${e.message}` }));
  for (const a of await store.audit.list({ since: from, until })) {
    if (a.environment !== i.environment || a.details?.incident === i.id || a.phase === 'started') continue;
    entries.push({ at: a.endedAt ?? a.at, source: 'audit', by: a.by, what: `${a.action}: ${a.outcome ?? a.phase}${a.message ? ` — ${a.message}` : ''}` });
  }
  for (const h of await store.history.list({ since: from, until })) {
    if (h.environment !== i.environment || h.command === 'incident resolve') continue;
    const s = h.report.summary;
    entries.push({ at: h.at, source: 'history', by: h.by, what: `${h.command}: ${h.status} (${s.pass} pass, ${s.warn} warn, ${s.fail} fail, ${s.error} error)` });
  }
  return entries.sort((a, b) => compareText(a.at, b.at));
}

export async function timelineCommand(ctx: IncidentContext, id?: string): Promise<number> {
  return withStore(ctx, async (store) => {
    const i = await chooseIncident(store, env(ctx), id, 'incident timeline');
    const entries = await timelineOf(store, i);
    const section: Section = {
      title: `${i.id} [${i.severity}] ${shownTitle(i)}`, state: isOpen(i) ? 'attention' : 'ok', summary: `${entries.length} entries, ${i.status}`,
      table: { head: ['time (UTC)', 'source', 'by', 'what'], rows: entries.map((e) => [e.at, e.source, e.by, e.what]) },
    };
    await printDocument(ctx, makeDocument(ctx, `nvcops incident timeline ${i.id}`, 'Incident Response › Resolution: Document resolution', [section]), { schemaVersion: OUTPUT_SCHEMA_VERSION, incident: i.id, entries } satisfies OutputOf<'incident-timeline'>);
    return 0;
  });
}


/** incident classify: the status of every system and a health run now, against the runbook's severity categories. */
export async function classifyCommand(ctx: IncidentContext): Promise<number> {
  const { systemStatus } = await import('./status.js');
  const { classify, classificationExit, classificationText } = await import('./classify.js');
  return whileListening(({ signal }) => withStore(ctx, async (store) => {
    // Earlier runs are the baseline for "performance degradation"; read them before this run joins them.
    const history = await store.history.list({ since: new Date(ctx.now().getTime() - 7 * 86_400_000), environment: env(ctx) });
    const [states, report] = await Promise.all([systemStatus(ctx.config), healthRunNow(ctx, store, signal)]);
    const c = classify(states, report, history);
    const interrupted = report.interrupted === true;
    await show(ctx, {
      blocks: [paragraph([...classificationText(c).split('\n'), ...(interrupted ? [`Health run ${interruptedNote(signal)}.`] : [])])],
      json: { schemaVersion: OUTPUT_SCHEMA_VERSION, ...c, response: c.proposed ? SEVERITY_LEVELS[c.proposed].response : null, summary: report.summary, interrupted } satisfies OutputOf<'incident-classify'>,
    });
    return interrupted ? interruptedExitCode(signal) : classificationExit(c);
  }));
}
