import { StateConflictError, UsageError } from '../engine/errors.js';
import type { Store } from '../state/store.js';
import { ACKNOWLEDGE_WITHIN_MS, SEVERITY_LEVELS, type Severity } from '../runbook/severity.js';

/** What an incident record keeps of each notification (src/incident/notify.ts sends them). */
export type NotifyAction = 'trigger' | 'acknowledge' | 'resolve';

export interface NotifyResult {
  channel: 'webhook' | 'pagerduty';
  action: NotifyAction;
  ok: boolean;
  attempts: number;
  at: string;
  /** Why it failed, secrets removed. */
  error?: string;
}

export const INCIDENT_KIND = 'incident';
export const REPORT_KIND = 'incident-report';

export type IncidentStatus = 'open' | 'acknowledged' | 'resolved';

/** What happened to an incident, in order: each command that touches it adds one. */
export interface IncidentEvent {
  at: string;
  by: string;
  type: 'opened' | 'acknowledged' | 'note' | 'investigation' | 'diagnosis' | 'notification' | 'verification' | 'resolved' | 'postmortem';
  message: string;
}

/** A check that was failing when the incident opened, and what it said. */
export interface FailingCheck {
  id: string;
  status: string;
  message: string;
}

export interface Verification {
  id: string;
  before: string;
  after: string;
  message: string;
}

export interface Incident {
  id: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  /** An incident response drill (`incident open --drill`): exercised like a real one, marked DRILL wherever it is shown or sent. */
  drill?: boolean;
  environment: string | null;
  /** When impact began (--started), else when it was opened. */
  startedAt: string;
  openedAt: string;
  openedBy: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  /** The first note, investigation or diagnosis: the runbook's "Begin investigation". */
  respondedAt?: string;
  resolvedAt?: string;
  resolvedBy?: string;
  resolution?: string;
  /** Where failingChecks came from: a run from the history, or a run made at open. */
  checksFrom: string;
  failingChecks: FailingCheck[];
  /** Failing at open but already failing before impact began (the hour before it included): context, not what resolve verifies. */
  longStanding?: FailingCheck[];
  verification?: Verification[];
  /** Stable per incident, so PagerDuty folds trigger, acknowledge and resolve into one alert. */
  dedupKey: string;
  notifications: NotifyResult[];
  /** Ids of incident-report records (diagnose bundles). */
  reports: { id: string; at: string; by: string; summary: string }[];
  events: IncidentEvent[];
}

type Stored = Incident & Record<string, unknown>;

export async function listIncidents(store: Store): Promise<Incident[]> {
  return (await store.records.list<Stored>(INCIDENT_KIND)).map((v) => v.data);
}

export async function getIncident(store: Store, id: string): Promise<Incident> {
  const found = await store.records.get<Stored>(INCIDENT_KIND, id);
  if (!found) throw new UsageError(`no incident ${id}; \`nvcops incident list --all\` shows them`);
  return found.data;
}

/** Creates the record under the next free INC-n; two engineers opening at once get two numbers. */
export async function createIncident(store: Store, draft: Omit<Incident, 'id' | 'dedupKey'>, by: string): Promise<Incident> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const taken = (await store.records.list(INCIDENT_KIND)).map((v) => Number(v.id.replace(/^INC-/, ''))).filter(Number.isFinite);
    const id = `INC-${Math.max(0, ...taken) + 1}`;
    const incident: Incident = { ...draft, id, dedupKey: `nvcops/${draft.environment ?? 'default'}/${id}` };
    try {
      await store.records.put<Stored>(INCIDENT_KIND, id, incident as Stored, { by, expectedVersion: 0 });
      return incident;
    } catch (e) {
      if (!(e instanceof StateConflictError)) throw e;
    }
  }
  throw new StateConflictError('state: could not take a new incident number after 20 attempts');
}

/** Read, change, write with optimistic concurrency: another engineer's update in between is re-read, never overwritten. */
export async function updateIncident(store: Store, id: string, by: string, change: (i: Incident) => void): Promise<Incident> {
  for (let attempt = 0; ; attempt++) {
    const current = await store.records.get<Stored>(INCIDENT_KIND, id);
    if (!current) throw new UsageError(`no incident ${id}; \`nvcops incident list --all\` shows them`);
    const next = structuredClone(current.data) as Incident;
    change(next);
    try {
      await store.records.put<Stored>(INCIDENT_KIND, id, next as Stored, { by, expectedVersion: current.version });
      return next;
    } catch (e) {
      if (!(e instanceof StateConflictError) || attempt >= 10) throw e;
    }
  }
}

export const isOpen = (i: Incident): boolean => i.status !== 'resolved';

/** The title as shown and sent: a drill says so first, so no one takes it for a real incident. */
export const shownTitle = (i: Pick<Incident, 'title' | 'drill'>): string => (i.drill ? `DRILL: ${i.title}` : i.title);

/** The incident a command means: the id given, else the only open one in this environment. */
export async function chooseIncident(store: Store, environment: string | null, id?: string, what = 'incident'): Promise<Incident> {
  // Given but empty (an unset variable): never the only open incident instead.
  if (id === '') throw new UsageError(`${what}: the incident id is empty; name one such as INC-3 (\`nvcops incident list --all\` shows them)`);
  if (id) return getIncident(store, id);
  const open = (await listIncidents(store)).filter((i) => isOpen(i) && i.environment === environment);
  if (open.length === 1) return open[0]!;
  if (!open.length) throw new UsageError(`no open incident${environment ? ` in ${environment}` : ''}; name one (${what} <id>) or open one with \`nvcops incident open\``);
  throw new UsageError(`${open.length} incidents are open (${open.map((i) => i.id).join(', ')}); name the one you mean`);
}

export interface Timers {
  ackDueAt: Date;
  responseDueAt: Date;
  /** Not acknowledged and the 5 minutes are up. */
  ackOverdue: boolean;
  /** No investigation begun and the severity's response target is up. */
  responseOverdue: boolean;
  ackMs?: number;
  responseMs?: number;
  resolveMs?: number;
}

/** When the investigation began, if it began before resolution (records written before that rule may say otherwise). */
export const respondedAt = (i: Incident): string | undefined =>
  i.respondedAt && !(i.resolvedAt && Date.parse(i.respondedAt) > Date.parse(i.resolvedAt)) ? i.respondedAt : undefined;

/** The runbook's response targets measured against an incident at `now`. */
export function timers(i: Incident, now: Date): Timers {
  const opened = Date.parse(i.openedAt);
  const ackDueAt = new Date(opened + ACKNOWLEDGE_WITHIN_MS);
  const responseDueAt = new Date(opened + SEVERITY_LEVELS[i.severity].responseMs);
  const open = isOpen(i);
  const since = (t?: string) => (t ? Date.parse(t) - opened : undefined);
  return {
    ackDueAt,
    responseDueAt,
    ackOverdue: open && !i.acknowledgedAt && now > ackDueAt,
    responseOverdue: open && !respondedAt(i) && now > responseDueAt,
    ackMs: since(i.acknowledgedAt),
    responseMs: since(respondedAt(i)),
    resolveMs: since(i.resolvedAt),
  };
}

export function addEvent(i: Incident, event: IncidentEvent): void {
  i.events.push(event);
  // Only while it is open: a note written after resolution is not the response, and must not pass for one.
  if (!i.respondedAt && isOpen(i) && (event.type === 'note' || event.type === 'investigation' || event.type === 'diagnosis')) i.respondedAt = event.at;
}
