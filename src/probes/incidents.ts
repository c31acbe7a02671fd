/** The incident records of the state store (`nvcops incident open`, ack, note, resolve write them). */
import type { Store } from '../state/store.js';
import type { Severity } from '../runbook/severity.js';

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

export type Stored = Incident & Record<string, unknown>;

export async function listIncidents(store: Store): Promise<Incident[]> {
  return (await store.records.list<Stored>(INCIDENT_KIND)).map((v) => v.data);
}
