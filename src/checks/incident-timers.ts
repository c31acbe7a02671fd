/** The runbook's incident response targets (acknowledge in 5 minutes, respond within the severity's time) measured against a record. */
import { ACKNOWLEDGE_WITHIN_MS, SEVERITY_LEVELS } from '../runbook/severity.js';
import type { Incident } from '../probes/incidents.js';

export const isOpen = (i: Incident): boolean => i.status !== 'resolved';

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
