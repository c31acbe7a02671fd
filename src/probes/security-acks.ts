/** The reviews of security events on record in the state store (`nvcops health security ack`). */
import type { RecordVersion, Store } from '../state/store.js';
import type { SecurityEvent } from './security-events.js';

/** The state-store record kind of a review: one record per event id, a new version per review. */
export const ACK_KIND = 'security-ack';

/** What a reviewer put on record about one event (who and when are the record's own `by` and `at`). */
export interface AckData extends Record<string, unknown> {
  note: string;
  /** The event as it was reviewed. `count` is missing from records written before counts were kept. */
  event: Pick<SecurityEvent, 'time' | 'kind' | 'severity' | 'source' | 'message'> & { count?: number };
}

/** Every acknowledgement, by event id (the latest review of each). */
export async function acknowledgements(store: Store): Promise<Map<string, RecordVersion<AckData>>> {
  return new Map((await store.records.list<AckData>(ACK_KIND)).map((r) => [r.id, r]));
}
