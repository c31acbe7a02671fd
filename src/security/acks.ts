import type { RecordVersion, Store } from '../state/store.js';
import { reviewOf } from '../checks/security-reviews.js';
import { ACK_KIND, acknowledgements, type AckData } from '../probes/security-acks.js';
import type { SecurityEvent } from '../probes/security-events.js';

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
