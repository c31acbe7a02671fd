/**
 * Writing the controls' attestations and waivers to the state store (Probes.attestations() reads them back).
 *
 * - An attestation is one audit event (action `attest`, details {command, control, note}): a person
 *   (`--by`) says on record that a manual control was done. It counts for the control's `validFor`.
 * - A waiver accepts a control's deviation until an expiry, with a reason: a versioned record
 *   (kind `waiver`, one per environment and control) plus an audit event (action `waive`). It is
 *   reported as `waived`, never as passed, and at most MAX_WAIVER_DAYS long.
 */
import { UsageError } from '../engine/errors.js';
import { ATTEST_ACTION, WAIVE_ACTION, WAIVER_KIND, type WaiverData } from '../probes/attestations.js';
import type { ActionContext } from '../state/index.js';
import type { AuditRecord, RecordVersion, Store } from '../state/store.js';

/** The longest a waiver may run: 366 days (a year, leap day included), so every waiver is reviewed at least yearly. */
export const MAX_WAIVER_DAYS = 366;

const DAY_MS = 86_400_000;

/** What an attestation puts on record. */
interface Attestation {
  command: string;
  control: string;
  note: string;
}

/** The record id of a waiver: one per environment and control. */
const waiverId = (environment: string | null, control: string): string => `${environment ?? 'unnamed'}/${control}`;

/** The end of a waiver's last day (UTC), from its `until` date. */
export const waiverEnds = (until: string): Date => new Date(Date.parse(`${until}T00:00:00Z`) + DAY_MS);

/** Records an attestation of a manual control by `actionCtx.by`; `actionCtx.action` is the review command (`monthly compliance`). */
export async function recordAttestation(store: Store, actionCtx: ActionContext, a: { control: string; note: string }): Promise<AuditRecord> {
  const { auditEvent } = await import('../state/index.js');
  const details: Attestation = { command: actionCtx.action, control: a.control, note: a.note };
  return auditEvent(store, { ...actionCtx, action: ATTEST_ACTION }, { outcome: 'ok', message: `attested ${a.control}`, details: { ...details } });
}

interface WaiverResult {
  record: RecordVersion<WaiverData>;
  /** The audit event written; undefined when the same waiver was already on record (nothing written). */
  audit?: AuditRecord;
}

/**
 * Records a waiver of a control (a new version of its record, then an audit event). The same
 * control, reason, expiry and person again writes nothing, so re-running the command is safe.
 * `until` must be YYYY-MM-DD, not before today and at most MAX_WAIVER_DAYS ahead of `now`.
 */
export async function recordWaiver(
  store: Store,
  actionCtx: ActionContext,
  w: { control: string; reason: string; until: string },
  now: Date = new Date(),
): Promise<WaiverResult> {
  checkUntil(w.until, now);
  if (!w.reason.trim()) throw new UsageError('--reason must say why the control is waived (it goes on record)');
  const { actor, auditEvent } = await import('../state/index.js');
  const environment = actionCtx.config.environment ?? null;
  const id = waiverId(environment, w.control);
  const by = actor(actionCtx.by);
  const current = await store.records.get<WaiverData>(WAIVER_KIND, id);
  const same = current && current.by === by && current.data.reason === w.reason && current.data.until === w.until && current.data.command === actionCtx.action;
  // Unchanged only when the audit trail already holds this version too (a crash between the two writes is repaired by a re-run).
  const audited = same && (await store.audit.list({ action: WAIVE_ACTION, environment: environment ?? undefined }))
    .some((r) => r.environment === environment && r.details?.record === id && r.details?.recordVersion === current.version);
  if (same && audited) return { record: current };
  const data: WaiverData = { command: actionCtx.action, control: w.control, environment, reason: w.reason, until: w.until };
  const record = await store.records.put<WaiverData>(WAIVER_KIND, id, data, { by, expectedVersion: current?.version ?? 0 });
  const audit = await auditEvent(store, { ...actionCtx, action: WAIVE_ACTION }, {
    outcome: 'ok',
    message: `waived ${w.control} until ${w.until}`,
    details: { command: actionCtx.action, control: w.control, reason: w.reason, until: w.until, record: id, recordVersion: record.version },
  });
  return { record, audit };
}

/** A waiver's `until`: a real YYYY-MM-DD date, not before today and at most MAX_WAIVER_DAYS ahead of `now`. */
export function checkUntil(until: string, now: Date): void {
  const t = Date.parse(`${until}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(until) || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== until) {
    throw new UsageError(`--until: "${until}" is not a date; use YYYY-MM-DD (the waiver covers that day, UTC)`);
  }
  const today = now.toISOString().slice(0, 10);
  if (until < today) throw new UsageError(`--until: ${until} is in the past (today is ${today}); a waiver needs an expiry ahead`);
  if (t - Date.parse(`${today}T00:00:00Z`) > MAX_WAIVER_DAYS * DAY_MS) {
    throw new UsageError(`--until: ${until} is more than ${MAX_WAIVER_DAYS} days ahead; a waiver runs at most a year, then it is reviewed again`);
  }
}
