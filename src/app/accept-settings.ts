/** `--accept-settings`: records the primary's settings and pg_hba.conf as the baseline postgres.settings-drift compares with. */
import { ConfigError, EXIT } from '../engine/errors.js';
import { missingTarget } from '../engine/targets.js';
import { Probes } from '../probes/index.js';
import { readSettings } from '../probes/postgres-settings.js';
import { ACCEPT_SETTINGS_ACTION, acceptedSettings } from '../probes/settings-baseline.js';
import { documentFormatOf, paragraph, writeDocument } from '../report/document.js';
import { prepare, type GlobalOptions } from './prepare.js';
import { OUTPUT_SCHEMA_VERSION } from '../engine/output-version.js';
import type { OutputOf } from '../report/schemas.js';

export async function acceptSettings(flags: GlobalOptions & { format?: string }, command: string): Promise<number> {
  const { config, redactor } = await prepare(flags);
  const missing = missingTarget('postgres', config);
  if (missing) throw new ConfigError(`--accept-settings: ${missing}`);
  const { auditEvent, openStore } = await import('../state/index.js');
  const probes = new Probes(config);
  const store = await openStore(config);
  try {
    const server = probes.postgres.primary;
    const environment = config.environment ?? null;
    const [snapshot, previous] = await Promise.all([readSettings(server), acceptedSettings(store, environment, server.address)]);
    const rec = await auditEvent(store, { action: ACCEPT_SETTINGS_ACTION, config, redactor, by: flags.by }, {
      outcome: 'ok',
      message: `accepted the settings and pg_hba.conf of ${server.address} as the baseline (fingerprint ${snapshot.fingerprint.slice(0, 12)})`,
      details: { command, server: server.address, fingerprint: snapshot.fingerprint, items: snapshot.items, previous: previous?.fingerprint ?? null },
    });
    const same = previous?.fingerprint === snapshot.fingerprint ? ' (unchanged since the last baseline)' : '';
    await writeDocument({
      blocks: [paragraph([
        `Accepted the settings and pg_hba.conf of ${server.address} (${Object.keys(snapshot.items).length} items, fingerprint ${snapshot.fingerprint.slice(0, 12)})${same} in ${environment ?? 'no environment named'} by ${rec.by} at ${rec.at}.`,
        `Recorded in the audit trail of ${store.location} as seq ${rec.seq} (hash ${rec.hash}).`,
      ])],
      json: { schemaVersion: OUTPUT_SCHEMA_VERSION, accepted: { server: server.address, fingerprint: snapshot.fingerprint, items: Object.keys(snapshot.items).length, by: rec.by, at: rec.at, environment, seq: rec.seq, hash: rec.hash } } satisfies OutputOf<'attestation'>,
    }, documentFormatOf(flags.format), redactor);
    return EXIT.ok;
  } finally {
    await Promise.all([probes.close(), store.close()]);
  }
}
