import type { RecordVersion, Store } from '../state/store.js';
import type { SecurityEvent } from './events.js';

/** The state-store record kind of a review: one record per event id. */
export const ACK_KIND = 'security-ack';

/** What a reviewer put on record about one event (who and when are the record's own `by` and `at`). */
export interface AckData extends Record<string, unknown> {
  note: string;
  event: Pick<SecurityEvent, 'time' | 'kind' | 'severity' | 'source' | 'message'>;
}

/** Every acknowledgement, by event id. */
export async function acknowledgements(store: Store): Promise<Map<string, RecordVersion<AckData>>> {
  return new Map((await store.records.list<AckData>(ACK_KIND)).map((r) => [r.id, r]));
}

/** Records the review of each event; an event already acknowledged keeps its first review and is left out. */
export async function acknowledge(store: Store, events: SecurityEvent[], note: string, by: string): Promise<RecordVersion<AckData>[]> {
  const done = await acknowledgements(store);
  const written: RecordVersion<AckData>[] = [];
  for (const e of events.filter((x) => !done.has(x.id))) {
    const { time, kind, severity, source, message } = e;
    written.push(await store.records.put<AckData>(ACK_KIND, e.id, { note, event: { time, kind, severity, source, message } }, { by, expectedVersion: 0 }));
  }
  return written;
}
