import { StateError } from '../engine/errors.js';
import type { Store } from '../state/store.js';

/** The audit action that records a server's settings as the accepted baseline (`--accept-settings`). */
export const ACCEPT_SETTINGS_ACTION = 'accept settings';

export interface AcceptedSettings {
  by: string;
  at: string;
  seq: number;
  fingerprint: string;
  items: Record<string, string>;
}

/**
 * The newest baseline accepted for this server in this environment, read from the audit trail once
 * its hash chain verifies (an edited record must not pass as the accepted configuration).
 */
export async function acceptedSettings(store: Store, environment: string | null, server: string): Promise<AcceptedSettings | undefined> {
  const verify = await store.audit.verify();
  if (!verify.ok) {
    throw new StateError(`the audit trail fails verification at record ${verify.problem!.seq} (${verify.problem!.kind}): its accepted settings cannot be trusted; run nvcops audit verify`);
  }
  const records = (await store.audit.list({ action: ACCEPT_SETTINGS_ACTION }))
    .filter((r) => r.environment === environment && r.details?.server === server && typeof r.details.fingerprint === 'string');
  const last = records.at(-1);
  if (!last) return undefined;
  return { by: last.by, at: last.at, seq: last.seq, fingerprint: last.details!.fingerprint as string, items: (last.details!.items ?? {}) as Record<string, string> };
}
