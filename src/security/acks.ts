import type { RecordVersion, Store } from '../state/store.js';
import { SEVERITIES, type SecurityEvent, type Severity } from './events.js';

/** The state-store record kind of a review: one record per event id, a new version per review. */
export const ACK_KIND = 'security-ack';

/** What a reviewer put on record about one event (who and when are the record's own `by` and `at`). */
export interface AckData extends Record<string, unknown> {
  note: string;
  /** The event as it was reviewed. `count` is missing from records written before counts were kept. */
  event: Pick<SecurityEvent, 'time' | 'kind' | 'severity' | 'source' | 'message'> & { count?: number };
}

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

/** Every acknowledgement, by event id (the latest review of each). */
export async function acknowledgements(store: Store): Promise<Map<string, RecordVersion<AckData>>> {
  return new Map((await store.records.list<AckData>(ACK_KIND)).map((r) => [r.id, r]));
}

/**
 * Records the review of each event, with the severity and count it was reviewed at. An event whose
 * review still covers it keeps that review and is left out; one that outgrew it gets a new version.
 */
export async function acknowledge(store: Store, events: SecurityEvent[], note: string, by: string): Promise<RecordVersion<AckData>[]> {
  const done = await acknowledgements(store);
  const written: RecordVersion<AckData>[] = [];
  for (const e of events) {
    const previous = done.get(e.id);
    if (reviewOf(previous, e).reviewed) continue;
    const { time, kind, severity, source, message, count } = e;
    written.push(await store.records.put<AckData>(ACK_KIND, e.id, { note, event: { time, kind, severity, source, message, count } }, { by, expectedVersion: previous?.version ?? 0 }));
  }
  return written;
}
