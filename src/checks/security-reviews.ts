/** Whether a review of a security event on record still covers the event as it is now. */
import { SEVERITIES, type SecurityEvent, type Severity } from '../probes/security-events.js';
import type { AckData } from '../probes/security-acks.js';
import type { RecordVersion } from '../state/store.js';

/** A review on record: who, when, why, and the severity and count the event had then (null: not recorded). */
export interface Review {
  by: string;
  at: string;
  note: string;
  severity: Severity;
  count: number | null;
}

/**
 * Whether the review on record still covers the event: not once its severity has risen or its count
 * gone past the reviewed one (a burst of failed logins that kept going, an ACL LOG entry Redis kept
 * merging repeats into). A review without a count covers an event of one occurrence only.
 */
export function reviewOf(ack: RecordVersion<AckData> | undefined, e: SecurityEvent): { reviewed: Review | null; outgrown: Review | null } {
  // nvcops' own audited action: the audit trail already says who did it and why.
  if (!ack && e.audit) return { reviewed: { by: `nvcops, audit #${e.audit.seq}`, at: e.time, note: `${e.audit.action} by ${e.audit.by}`, severity: e.severity, count: e.count }, outgrown: null };
  if (!ack) return { reviewed: null, outgrown: null };
  const review: Review = { by: ack.by, at: ack.at, note: ack.data.note, severity: ack.data.event.severity, count: ack.data.event.count ?? null };
  const rose = SEVERITIES.indexOf(e.severity) < SEVERITIES.indexOf(review.severity);
  const grew = e.count > (review.count ?? 1);
  return rose || grew ? { reviewed: null, outgrown: review } : { reviewed: review, outgrown: null };
}

/** An event with the review that covers it now, or the one it outgrew. */
export type Reviewed = SecurityEvent & ReturnType<typeof reviewOf>;

/** Each event beside its review on record. */
export const withReviews = (events: readonly SecurityEvent[], acks: ReadonlyMap<string, RecordVersion<AckData>>): Reviewed[] =>
  events.map((e) => ({ ...e, ...reviewOf(acks.get(e.id), e) }));

/** Why an event is back for review, for a person: "reviewed at ×2 low by root; now ×302 high". */
export const outgrownText = (r: Review, e: SecurityEvent): string =>
  `reviewed at ×${r.count ?? '? (count not recorded)'} ${r.severity} by ${r.by}; now ×${e.count} ${e.severity}`;
