/**
 * Alerts per check for scheduled runs (`--notify`, or `alerts.onFail: true`): a PagerDuty Events v2
 * `trigger` when a check turns fail (or error, or warn when asked), a `resolve` when it passes again,
 * nothing while it stays the same; and one Slack-compatible webhook message per run listing what changed.
 * What a check was comes from the run history: its status in the newest earlier run of this environment
 * that judged it (any command: the dedup key names the environment and the check, not the command).
 */
import { hostname } from 'node:os';
import type { CheckDefinition } from '../engine/check.js';
import type { AlertSeverity, AlertsConfig as Alerts } from '../engine/config/alerts.js';
import type { Config } from '../engine/config/index.js';
import { ConfigError } from '../engine/errors.js';
import type { Redactor } from '../engine/redact.js';
import type { CheckResult, RunReport } from '../engine/report.js';
import type { Status, Target } from '../engine/verdict.js';
import { DEFAULT_NOTIFY, PAGERDUTY_EVENTS_URL, postJson, type PostOutcome } from '../probes/post-json.js';
import { write } from '../report/output.js';
import type { Store } from '../state/store.js';

/** How many earlier runs of the environment are read to find each check's last judged status. */
const LOOK_BACK = 50;

/** Statuses an alert can be raised for; pass and waived clear it; skip and manual say nothing about the target. */
const RAISED = ['fail', 'error', 'warn'] as const;
type Raised = (typeof RAISED)[number];

/**
 * Default severities. `error` pages: a check that cannot see (a revoked grant, an unreachable API) leaves
 * its fault unwatched, and a blind monitor that stays quiet is indistinguishable from a healthy system;
 * it pages below a failure (PagerDuty `error`), and `severity: { default: { error: none } }` turns it off.
 */
const DEFAULT_SEVERITY = (a: Alerts): Record<Raised, AlertSeverity> => ({ fail: 'critical', error: 'error', warn: a.warn ? 'warning' : 'none' });

/** What a run alerts with: the configuration, and each check's targets (to fold the errors a failed target explains). */
export interface AlertPlan {
  config: Alerts;
  requires: ReadonlyMap<string, readonly Target[]>;
}

/**
 * The alerts this run sends, or undefined when it sends none; checked before anything runs: `--notify`
 * without a channel, or a severity for a check id that does not exist, is a config error.
 */
export function alertsFor(notify: boolean | undefined, config: Config, registered: ReadonlyMap<string, CheckDefinition>): AlertPlan | undefined {
  const a = config.alerts;
  if (!notify && !a?.onFail) return undefined;
  if (!a?.pagerduty && !a?.webhook) {
    throw new ConfigError(`${notify ? '--notify' : 'alerts.onFail'}: no alert channel configured; set alerts.pagerduty.routingKey or alerts.webhook`);
  }
  const unknown = Object.keys(a.severity ?? {}).find((id) => id !== 'default' && !registered.has(id));
  if (unknown) throw new ConfigError(`alerts.severity.${unknown}: no such check; use a check id (nvcops runbook list) or default`);
  return { config: a, requires: new Map([...registered].map(([id, c]) => [id, c.requires] as const)) };
}

/**
 * A check's status as alerts see it: `folded` for an error whose targets a failing check of the same run
 * also needs (Redis down: redis.ping fails, and the ten Redis checks that cannot connect are not ten more
 * pages). A folded check says nothing of its own, like skip: its alert neither opens nor resolves.
 */
function alertStatuses(report: RunReport, requires: AlertPlan['requires']): Map<string, Status | 'folded'> {
  const results = report.items.flatMap((i) => i.results);
  const failed = results.filter((r) => r.status === 'fail').map((r) => requires.get(r.id) ?? []).filter((t) => t.length);
  return new Map(results.map((r) => {
    const needs = requires.get(r.id) ?? [];
    const folded = r.status === 'error' && needs.length > 0 && failed.some((f) => needs.every((t) => f.includes(t)));
    return [r.id, folded ? 'folded' : r.status];
  }));
}

/** One check whose alert changes in this run. */
interface AlertChange {
  check: string;
  action: 'trigger' | 'resolve';
  /** Its status in the earlier run that judged it, or null when none did. */
  from: Status | null;
  to: Status;
  /** The PagerDuty severity of a trigger. */
  severity?: Exclude<AlertSeverity, 'none'>;
  result: CheckResult;
}

const severityOf = (a: Alerts, check: string, status: Status): AlertSeverity =>
  (RAISED as readonly string[]).includes(status)
    ? a.severity?.[check]?.[status as Raised] ?? a.severity?.default?.[status as Raised] ?? DEFAULT_SEVERITY(a)[status as Raised]
    : 'none';

const judged = (s: Status | 'folded'): s is Status => s !== 'skip' && s !== 'manual' && s !== 'folded';

/** The alerts a run changes, given each check's last judged status before it: a raised status that differs triggers, a cleared one resolves. */
function alertChanges(report: RunReport, before: ReadonlyMap<string, Status>, plan: AlertPlan): AlertChange[] {
  const a = plan.config;
  const now = alertStatuses(report, plan.requires);
  const changes: AlertChange[] = [];
  for (const result of report.items.flatMap((i) => i.results)) {
    if (!judged(now.get(result.id)!)) continue;
    const from = before.get(result.id) ?? null;
    const severity = severityOf(a, result.id, result.status);
    const wasRaised = from !== null && severityOf(a, result.id, from) !== 'none';
    if (severity !== 'none' && from !== result.status) changes.push({ check: result.id, action: 'trigger', from, to: result.status, severity, result });
    else if (severity === 'none' && wasRaised) changes.push({ check: result.id, action: 'resolve', from, to: result.status, result });
  }
  return changes;
}

/** Each check's status in the newest earlier run of this environment that judged it (interrupted runs left out). */
async function lastStatuses(report: RunReport, store: Store, requires: AlertPlan['requires']): Promise<Map<string, Status>> {
  const runs = await store.history.list({ environment: report.environment, limit: LOOK_BACK + 1 });
  const last = new Map<string, Status>();
  for (const run of runs) {
    if (run.report.startedAt === report.startedAt || run.report.interrupted) continue;
    // Oldest first: a later run overwrites.
    for (const [id, status] of alertStatuses(run.report, requires)) if (judged(status)) last.set(id, status);
  }
  return last;
}

const dedupKey = (environment: string | null, check: string): string => `nvcops/${environment ?? 'default'}/${check}`;

/** The PagerDuty Events API v2 event of one change, its text redacted (the routing key is added after: the redactor masks it). */
function pagerDutyEvent(report: RunReport, c: AlertChange, redactor: Redactor): Record<string, unknown> {
  const base = { event_action: c.action, dedup_key: dedupKey(report.environment, c.check) };
  if (c.action === 'resolve') return base;
  const r = c.result;
  return {
    ...base,
    client: 'nvcops',
    payload: redactor.applyDeep({
      summary: `${c.check} ${r.status}${report.environment ? ` in ${report.environment}` : ''}: ${r.message}`.slice(0, 1024),
      source: report.environment ?? hostname(),
      severity: c.severity,
      timestamp: report.startedAt,
      component: c.check.split('.')[0],
      group: report.environment ?? 'default',
      class: 'check',
      custom_details: {
        check: c.check, title: r.title, status: r.status, was: c.from, message: r.message, command: report.command,
        ...(r.observed && { observed: `${r.observed.value} ${r.observed.unit}` }), ...(r.threshold && { threshold: r.threshold }),
        ...(r.details?.length && { details: r.details.slice(0, 20) }), ...(r.nextStep && { next_step: r.nextStep }),
      },
    }),
  };
}

/** The Slack-compatible message of one run: `text` is what Slack, Mattermost and Teams incoming webhooks all show. */
function webhookMessage(report: RunReport, changes: AlertChange[], redactor: Redactor): Record<string, unknown> {
  const where = report.environment ? ` in ${report.environment}` : '';
  const line = (c: AlertChange) =>
    `${c.action === 'trigger' ? '▲' : '✔'} ${c.check} ${c.from ?? 'new'} → ${c.to}${c.severity ? ` (${c.severity})` : ''}: ${c.result.message}`;
  return redactor.applyDeep({
    text: [`nvcops ${report.command}${where}: ${changes.length} check${changes.length === 1 ? '' : 's'} changed`, ...changes.map(line)].join('\n'),
    nvcops: {
      command: report.command, environment: report.environment, startedAt: report.startedAt, status: report.status,
      changes: changes.map((c) => ({ check: c.check, action: c.action, from: c.from, to: c.to, ...(c.severity && { severity: c.severity }), message: c.result.message })),
    },
  });
}

/** Records of what PagerDuty was last told of a check (`status`: the status it alerted or resolved for; null: nothing yet). */
const TOLD_KIND = 'alert';

/** What PagerDuty was last told of each check of an environment: it outranks the history, which holds changes that were never delivered. */
async function toldPagerDuty(store: Store, environment: string | null): Promise<Map<string, Status | null>> {
  const prefix = dedupKey(environment, '');
  const records = await store.records.list<{ status: Status | null }>(TOLD_KIND);
  return new Map(records.filter((r) => r.id.startsWith(prefix)).map((r) => [r.id.slice(prefix.length), r.data.status] as const));
}

/**
 * Keeps what PagerDuty now believes: the new status of a delivered event; for one not delivered, the old
 * status (the history has the new one now), so the next run sends it again.
 */
async function remember(store: Store, environment: string | null, changes: AlertChange[], outcomes: PostOutcome[], told: Map<string, Status | null>): Promise<void> {
  for (const [i, c] of changes.entries()) {
    const delivered = !outcomes[i]?.error;
    if (!delivered && told.has(c.check)) continue;
    await store.records.put(TOLD_KIND, dedupKey(environment, c.check), { status: delivered ? c.to : c.from }, { by: 'nvcops' });
  }
}

/** What did not reach one channel, one clause: how many of its events (and which checks), and each distinct error once. */
function unsent(channel: string, changes: AlertChange[], outcomes: PostOutcome[]): string | undefined {
  const bad = outcomes.flatMap((o, i) => (o.error ? [{ error: `${o.error} after ${o.attempts} attempt(s)`, check: changes[i]!.check }] : []));
  if (!bad.length) return undefined;
  const what = channel === 'PagerDuty' ? `${bad.length} of ${outcomes.length} events (${bad.map((b) => b.check).join(', ')})` : 'the message';
  return `${channel}: ${what}: ${[...new Set(bad.map((b) => b.error))].join(' / ')}`;
}

/**
 * Sends the run's alert changes, after the run is in the history. Never changes the exit code: what was
 * sent is one line on stderr, and so is what could not be (a receiver that is down, a history unread).
 */
export async function sendAlerts(report: RunReport, plan: AlertPlan, store: () => Promise<Store>, redactor: Redactor, opts = DEFAULT_NOTIFY): Promise<void> {
  const say = (text: string) => write(`nvcops: ${text.replace(/\s+/g, ' ')}\n`, redactor, process.stderr);
  if (report.interrupted) return say('alerts not sent: the run was interrupted, so its verdicts are incomplete');
  const a = plan.config;
  let before: Map<string, Status>;
  let told: Map<string, Status | null>;
  try {
    before = await lastStatuses(report, await store(), plan.requires);
    told = a.pagerduty ? await toldPagerDuty(await store(), report.environment) : new Map();
  } catch (e) {
    return say(`alerts not sent: run history not read: ${(e as Error).message.split('\n')[0]}`);
  }
  for (const [id, status] of told) {
    if (status === null) before.delete(id);
    else before.set(id, status);
  }
  const changes = alertChanges(report, before, plan);
  if (!changes.length) return;
  const pagerDuty = a.pagerduty
    ? Promise.all(changes.map((c) => postJson(a.pagerduty!.url ?? PAGERDUTY_EVENTS_URL, { routing_key: a.pagerduty!.routingKey, ...pagerDutyEvent(report, c, redactor) }, opts)))
    : Promise.resolve([]);
  const webhook = a.webhook ? postJson(a.webhook, webhookMessage(report, changes, redactor), opts) : undefined;
  const outcomes = await pagerDuty;
  const failed = [unsent('PagerDuty', changes, outcomes), webhook && unsent('webhook', changes, [await webhook])].filter(Boolean);
  if (a.pagerduty) {
    try {
      await remember(await store(), report.environment, changes, outcomes, told);
    } catch (e) {
      failed.push(`what PagerDuty was told not recorded: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const counts = (['trigger', 'resolve'] as const).map((x) => `${changes.filter((c) => c.action === x).length} ${x}`).join(', ');
  if (failed.length) say(`alerts (${counts}) NOT all delivered, the exit code is the run's: ${failed.join('; ')}`);
  else say(`alerts sent: ${counts}${a.pagerduty ? ' to PagerDuty' : ''}${a.webhook ? `${a.pagerduty ? ' and' : ''} one webhook message` : ''}`);
}
