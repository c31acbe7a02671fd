/**
 * The read of the controls' attestations and waivers from the state store: only after the audit
 * trail's hash chain has been verified (a trail that fails verification yields none of them).
 * Probes.attestations() reads it once per run; src/controls/attestations.ts writes what it reads.
 */
import type { AuditRecord, RecordVersion, Store, VerifyResult } from '../state/store.js';

export const ATTEST_ACTION = 'attest';
export const WAIVE_ACTION = 'waive';
export const WAIVER_KIND = 'waiver';

/** A waiver's record data (who and when are the record version's own `by` and `at`). */
export interface WaiverData extends Record<string, unknown> {
  command: string;
  control: string;
  environment: string | null;
  reason: string;
  /** The last day it covers, YYYY-MM-DD (through the end of that day, UTC). */
  until: string;
}

/** The verified audit trail's attestations and waivers (empty when it fails verification). */
export interface AttestationTrail {
  verify: VerifyResult;
  attestations: AuditRecord[];
  waivers: AuditRecord[];
  waiverRecords: Map<string, RecordVersion<WaiverData>>;
}

export async function readAttestations(store: Store): Promise<AttestationTrail> {
  const verify = await store.audit.verify();
  const [attestations, waivers, records] = verify.ok
    ? await Promise.all([store.audit.list({ action: ATTEST_ACTION }), store.audit.list({ action: WAIVE_ACTION }), store.records.list<WaiverData>(WAIVER_KIND)])
    : [[], [], []];
  return { verify, attestations, waivers, waiverRecords: new Map(records.map((r) => [r.id, r])) };
}
