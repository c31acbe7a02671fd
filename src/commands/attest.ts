/** The --attest / --waive options of a review command: parsed and checked here, recorded by src/controls/attestations.ts. */
import { Option, type Command } from 'commander';
import type { GlobalOptions } from '../app/prepare.js';
import { clockFromEnv } from '../engine/clock.js';
import { EXIT, UsageError } from '../engine/errors.js';
import { checkUntil, MAX_WAIVER_DAYS, recordAttestation, recordWaiver } from '../controls/attestations.js';
import { controlsOf, type Review } from '../controls/catalogue.js';
import type { ActionContext } from '../state/index.js';
import { OUTPUT_SCHEMA_VERSION } from '../engine/output-version.js';
import type { OutputOf } from '../report/schemas.js';

export interface AttestationFlags extends GlobalOptions {
  attest?: string;
  note?: string;
  waive?: string;
  reason?: string;
  until?: string;
}

/** `--attest CONTROL --note TEXT`, `--waive CONTROL --reason TEXT --until YYYY-MM-DD` (with the global `--by`). */
export function addAttestationOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--attest <control>', 'record that a manual control was done (with --by NAME and --note), then exit').conflicts('waive'))
    .option('--note <text>', 'with --attest: what was checked and where the evidence is')
    .option('--waive <control>', 'accept a control\'s deviation until --until, for --reason (with --by NAME), then exit')
    .option('--reason <text>', 'with --waive: why the deviation is accepted')
    .option('--until <date>', `with --waive: the last day the waiver covers, YYYY-MM-DD (at most ${MAX_WAIVER_DAYS} days ahead)`);
}

const needs = (value: string | undefined, flag: string, why: string): string => {
  if (value === undefined || !value.trim()) throw new UsageError(`${flag} is required: ${why}`);
  return value;
};

/**
 * Handles --attest/--waive for a review command: records and prints what was recorded and returns
 * exit 0 (the review itself does not run); returns undefined when neither flag was given. Every flag
 * is checked before anything is written: a bad one is exit 64 and nothing is recorded.
 */
export async function handleAttestation(
  /** `format: 'json'` prints the record as JSON. */
  flags: AttestationFlags & { format?: string },
  review: Review,
): Promise<number | undefined> {
  // Given but empty (an unset variable) is a control name to check, not no flag: the review must not run instead.
  if (flags.attest === undefined && flags.waive === undefined) {
    const stray = (['note', 'reason', 'until'] as const).find((k) => flags[k] !== undefined);
    if (stray) throw new UsageError(`${review}: --${stray} goes with ${stray === 'note' ? '--attest CONTROL' : '--waive CONTROL'}`);
    return undefined;
  }
  const controls = controlsOf(review);
  const manual = controls.filter((c) => c.manual).map((c) => c.id);
  const all = controls.map((c) => c.id);
  if (flags.attest !== undefined) {
    if (flags.reason !== undefined || flags.until !== undefined) throw new UsageError(`${review}: --reason and --until go with --waive, not --attest`);
    if (!manual.includes(flags.attest)) {
      const automated = all.includes(flags.attest) ? ` (${flags.attest} is checked automatically; it can be waived, not attested)` : '';
      throw new UsageError(`${review}: --attest: unknown manual control "${flags.attest}"${automated}; allowed: ${manual.join(', ')}`);
    }
    needs(flags.by, '--by', 'an attestation names the person who attests');
    needs(flags.note, '--note', 'say what was checked and where the evidence is (it goes on record)');
  } else {
    if (flags.note !== undefined) throw new UsageError(`${review}: --note goes with --attest; a waiver takes --reason`);
    if (!all.includes(flags.waive!)) throw new UsageError(`${review}: --waive: unknown control "${flags.waive}"; allowed: ${all.join(', ')}`);
    needs(flags.by, '--by', 'a waiver names the person who accepts the deviation');
    needs(flags.reason, '--reason', 'say why the deviation is accepted (it goes on record)');
    needs(flags.until, '--until', `give the waiver's expiry, YYYY-MM-DD, at most ${MAX_WAIVER_DAYS} days ahead`);
    checkUntil(flags.until!, clockFromEnv()());
  }
  // Loaded here, not at the top: the CLI registers --attest/--waive at start-up, and the config loader is heavy.
  const [{ prepare }, { documentFormatOf, paragraph, writeDocument }, { openStore }] = await Promise.all([import('../app/prepare.js'), import('../report/document.js'), import('../state/index.js')]);
  const { config, redactor } = await prepare(flags);
  const store = await openStore(config);
  try {
    const ctx: ActionContext = { action: review, config, redactor, by: flags.by };
    const title = controls.find((c) => c.id === (flags.attest ?? flags.waive))!.title;
    if (flags.attest) {
      const rec = await recordAttestation(store, ctx, { control: flags.attest, note: flags.note! });
      await writeDocument({
        blocks: [paragraph([`Attested ${flags.attest} (${title}) in ${rec.environment ?? 'no environment named'} by ${rec.by} at ${rec.at}: ${flags.note}`, `Recorded in the audit trail of ${store.location} as seq ${rec.seq} (hash ${rec.hash}).`])],
        json: { schemaVersion: OUTPUT_SCHEMA_VERSION, attested: { control: flags.attest, title, note: flags.note!, by: rec.by, at: rec.at, environment: rec.environment, seq: rec.seq, hash: rec.hash } } satisfies OutputOf<'attestation'>,
      }, documentFormatOf(flags.format), redactor);
    } else {
      const w = await recordWaiver(store, ctx, { control: flags.waive!, reason: flags.reason!, until: flags.until! }, clockFromEnv()());
      const r = w.record;
      await writeDocument({
        blocks: [paragraph(w.audit
          ? [`Waived ${r.data.control} (${title}) in ${r.data.environment ?? 'no environment named'} until ${r.data.until} (end of day UTC), by ${r.by}: ${r.data.reason}`, `Recorded in ${store.location}: waiver ${r.id} version ${r.version}, audit seq ${w.audit.seq}. It is reported as waived, never as passed.`]
          : [`Already recorded: ${r.data.control} waived until ${r.data.until} by ${r.by} (waiver ${r.id} version ${r.version}); nothing written.`])],
        json: { schemaVersion: OUTPUT_SCHEMA_VERSION, waived: { control: r.data.control, title, reason: r.data.reason, until: r.data.until, by: r.by, at: r.at, environment: r.data.environment, recordVersion: r.version, seq: w.audit?.seq ?? null, alreadyRecorded: !w.audit } } satisfies OutputOf<'attestation'>,
      }, documentFormatOf(flags.format), redactor);
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
