/**
 * Attestations and waivers of the monthly reviews' controls.
 *
 * - An attestation is one audit event (action `attest`, details {command, control, note}): a person
 *   (`--by`) says on record that a manual control was done. It counts for `validFor` (e.g. 31d).
 * - A waiver accepts a control's deviation until an expiry, with a reason: a versioned record
 *   (kind `waiver`, one per environment and control) plus an audit event (action `waive`). It is
 *   reported as `waived`, never as passed, and at most MAX_WAIVER_DAYS long.
 *
 * Both are read back from the audit trail, and only after the trail's hash chain has been verified:
 * a trail that fails verification makes every attestation and waiver untrusted (`fail`).
 */
import { Option, type Command } from 'commander';
import type { CheckContext } from '../engine/check.js';
import type { CheckOutput } from '../engine/verdict.js';
import { clockFromEnv } from '../engine/clock.js';
import { EXIT, UsageError } from '../engine/errors.js';
import { parseDuration } from '../engine/units.js';
// The state module is loaded when used: the CLI registers --attest/--waive at start-up for the monthly reviews.
import type { ActionContext } from '../state/index.js';
import type { AuditRecord, RecordVersion, Store, VerifyResult } from '../state/store.js';
import type { GlobalOptions } from '../app/prepare.js';

const ATTEST_ACTION = 'attest';
const WAIVE_ACTION = 'waive';
export const WAIVER_KIND = 'waiver';
/** The longest a waiver may run: 366 days (a year, leap day included), so every waiver is reviewed at least yearly. */
const MAX_WAIVER_DAYS = 366;

const DAY_MS = 86_400_000;

/** What an attestation puts on record. */
export interface Attestation {
  command: string;
  control: string;
  note: string;
}

/** A waiver's record data (who and when are the record version's own `by` and `at`). */
interface WaiverData extends Record<string, unknown> {
  command: string;
  control: string;
  environment: string | null;
  reason: string;
  /** The last day it covers, YYYY-MM-DD (through the end of that day, UTC). */
  until: string;
}

/** The record id of a waiver: one per environment and control. */
const waiverId = (environment: string | null, control: string): string => `${environment ?? 'unnamed'}/${control}`;

/** The end of a waiver's last day (UTC), from its `until` date. */
const waiverEnds = (until: string): Date => new Date(Date.parse(`${until}T00:00:00Z`) + DAY_MS);

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

function checkUntil(until: string, now: Date): void {
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

/** The verified audit trail's attestations and waivers, read once per store (one check run shares it). */
interface Trail {
  verify: VerifyResult;
  attestations: AuditRecord[];
  waivers: AuditRecord[];
  waiverRecords: Map<string, RecordVersion<WaiverData>>;
}

const trails = new WeakMap<Store, Promise<Trail>>();

function readTrail(store: Store): Promise<Trail> {
  let t = trails.get(store);
  if (!t) {
    t = (async () => {
      const verify = await store.audit.verify();
      const [attestations, waivers, records] = verify.ok
        ? await Promise.all([store.audit.list({ action: ATTEST_ACTION }), store.audit.list({ action: WAIVE_ACTION }), store.records.list<WaiverData>(WAIVER_KIND)])
        : [[], [], []];
      return { verify, attestations, waivers, waiverRecords: new Map(records.map((r) => [r.id, r])) };
    })();
    trails.set(store, t);
  }
  return t;
}

const control = (r: AuditRecord) => r.details?.control;
const day = (iso: string) => iso.replace(/\.\d+Z$/, 'Z');

/** How to attest a control, for the `manual` message. */
const attestCommand = (command: string, controlId: string): string => `nvcops ${command} --attest ${controlId} --by NAME --note "…"`;

type Untrusted = CheckOutput & { status: 'fail' };

function untrusted(v: VerifyResult): Untrusted {
  const p = v.problem!;
  return {
    status: 'fail',
    message: `the audit trail failed verification at seq ${p.seq} (${p.kind}): attestations and waivers are untrusted — run nvcops audit verify`,
    details: [p.message],
  };
}

/** The unexpired waiver of a control in this environment, from the verified trail; a record that disagrees with its audit event is untrusted. */
function activeWaiver(t: Trail, ctx: CheckContext, controlId: string): CheckOutput | undefined {
  const environment = ctx.config.environment ?? null;
  const now = ctx.now();
  const last = t.waivers.filter((r) => control(r) === controlId && r.environment === environment && r.at <= now.toISOString()).at(-1);
  if (!last) return undefined;
  const d = last.details as { reason: string; until: string; record: string; recordVersion: number };
  const record = t.waiverRecords.get(d.record);
  if (!record || record.version < d.recordVersion || (record.version === d.recordVersion && (record.data.reason !== d.reason || record.data.until !== d.until))) {
    return {
      status: 'fail',
      message: `the waiver record ${d.record} does not match its audit event (seq ${last.seq}, version ${d.recordVersion}): the waiver is untrusted`,
    };
  }
  if (waiverEnds(d.until) <= now) return undefined;
  return {
    status: 'waived',
    message: `waived by ${last.by} on ${day(last.at)} until ${d.until}: ${d.reason}`,
    details: [`waiver: audit seq ${last.seq}, record ${d.record} version ${d.recordVersion}`],
  };
}

/**
 * A manual control inside a check's run(): `fail` when the audit trail fails verification; `waived`
 * under an unexpired waiver; `pass` when attested within `validFor` (who, when, note); otherwise
 * `manual` with the command that attests it.
 */
export async function manualControl(ctx: CheckContext, controlId: string, opts: { validFor: string; command: string }): Promise<CheckOutput> {
  const validMs = parseDuration(opts.validFor);
  if (validMs === undefined) throw new Error(`manualControl ${controlId}: validFor "${opts.validFor}" is not a duration`);
  const t = await readTrail(await ctx.probes.state());
  if (!t.verify.ok) return untrusted(t.verify);
  const waiver = activeWaiver(t, ctx, controlId);
  if (waiver) return waiver;
  const now = ctx.now();
  const environment = ctx.config.environment ?? null;
  const last = t.attestations.filter((r) => control(r) === controlId && r.environment === environment && r.at <= now.toISOString()).at(-1);
  const how = attestCommand(opts.command, controlId);
  if (!last) return { status: 'manual', message: `not attested (valid for ${opts.validFor}); when done: ${how}` };
  const note = String(last.details?.note ?? '');
  const ageMs = now.getTime() - Date.parse(last.at);
  const evidence = [`attestation: audit seq ${last.seq}, hash ${last.hash}`];
  if (ageMs > validMs) {
    return { status: 'manual', message: `last attested by ${last.by} on ${day(last.at)}, older than ${opts.validFor}: attest again: ${how}`, details: evidence };
  }
  return { status: 'pass', message: `attested by ${last.by} on ${day(last.at)}: ${note}`, details: evidence };
}

/**
 * For an automated control: the check's own output, unless an unexpired waiver covers the control —
 * then `waived`, with what the check found kept in the message. A trail that fails verification
 * applies no waiver (and says so).
 */
export async function applyWaiver(ctx: CheckContext, controlId: string, output: CheckOutput): Promise<CheckOutput> {
  const t = await readTrail(await ctx.probes.state());
  if (!t.verify.ok) {
    return { ...output, details: [...(output.details ?? []), `waivers not applied: the audit trail failed verification at seq ${t.verify.problem!.seq}`] };
  }
  const waiver = activeWaiver(t, ctx, controlId);
  if (!waiver || waiver.status !== 'waived') return waiver ?? output;
  const found = output.status ?? 'measured';
  return { ...output, status: 'waived', message: `${waiver.message} (the check found: ${found} — ${output.message})`, details: [...(output.details ?? []), ...(waiver.details ?? [])] };
}

/** The audit trail's verification, for evidence reports (same read as the controls use). */
export async function trailVerification(store: Store): Promise<VerifyResult> {
  return (await readTrail(store)).verify;
}

/** What the trail holds for one control, for an evidence report: its latest attestation and waiver up to `now` (none when the trail fails verification). */
export interface ControlRecords {
  attestation?: { by: string; at: string; note: string; seq: number; hash: string; current: boolean };
  waiver?: { by: string; at: string; reason: string; until: string; seq: number; record: string; recordVersion: number; active: boolean };
}

export async function controlRecords(store: Store, environment: string | null, now: Date, controlId: string, validFor?: string): Promise<ControlRecords> {
  const t = await readTrail(store);
  if (!t.verify.ok) return {};
  const latest = (rs: AuditRecord[]) => rs.filter((r) => control(r) === controlId && r.environment === environment && r.at <= now.toISOString()).at(-1);
  const a = latest(t.attestations);
  const w = latest(t.waivers);
  const validMs = validFor ? parseDuration(validFor) : undefined;
  const d = w?.details as { reason: string; until: string; record: string; recordVersion: number } | undefined;
  return {
    ...(a && { attestation: { by: a.by, at: a.at, note: String(a.details?.note ?? ''), seq: a.seq, hash: a.hash, current: validMs !== undefined && now.getTime() - Date.parse(a.at) <= validMs } }),
    ...(w && d && { waiver: { by: w.by, at: w.at, reason: d.reason, until: d.until, seq: w.seq, record: d.record, recordVersion: d.recordVersion, active: waiverEnds(d.until) > now } }),
  };
}

// ── The --attest / --waive options of a review command ────────────────────────────────────────

export interface AttestationFlags extends GlobalOptions {
  attest?: string;
  note?: string;
  waive?: string;
  reason?: string;
  until?: string;
}

/** A control a review command knows: manual ones can be attested; any can be waived. */
export interface ControlRef {
  id: string;
  title: string;
  manual: boolean;
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
  spec: { command: string; controls: readonly ControlRef[] },
): Promise<number | undefined> {
  const p = spec.command;
  // Given but empty (an unset variable) is a control name to check, not no flag: the review must not run instead.
  if (flags.attest === undefined && flags.waive === undefined) {
    const stray = (['note', 'reason', 'until'] as const).find((k) => flags[k] !== undefined);
    if (stray) throw new UsageError(`${p}: --${stray} goes with ${stray === 'note' ? '--attest CONTROL' : '--waive CONTROL'}`);
    return undefined;
  }
  const manual = spec.controls.filter((c) => c.manual).map((c) => c.id);
  const all = spec.controls.map((c) => c.id);
  if (flags.attest !== undefined) {
    if (flags.reason !== undefined || flags.until !== undefined) throw new UsageError(`${p}: --reason and --until go with --waive, not --attest`);
    if (!manual.includes(flags.attest)) {
      const automated = all.includes(flags.attest) ? ` (${flags.attest} is checked automatically; it can be waived, not attested)` : '';
      throw new UsageError(`${p}: --attest: unknown manual control "${flags.attest}"${automated}; allowed: ${manual.join(', ')}`);
    }
    needs(flags.by, '--by', 'an attestation names the person who attests');
    needs(flags.note, '--note', 'say what was checked and where the evidence is (it goes on record)');
  } else {
    if (flags.note !== undefined) throw new UsageError(`${p}: --note goes with --attest; a waiver takes --reason`);
    if (!all.includes(flags.waive!)) throw new UsageError(`${p}: --waive: unknown control "${flags.waive}"; allowed: ${all.join(', ')}`);
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
    const ctx: ActionContext = { action: spec.command, config, redactor, by: flags.by };
    const title = spec.controls.find((c) => c.id === (flags.attest ?? flags.waive))!.title;
    if (flags.attest) {
      const rec = await recordAttestation(store, ctx, { control: flags.attest, note: flags.note! });
      await writeDocument({
        blocks: [paragraph([`Attested ${flags.attest} (${title}) in ${rec.environment ?? 'no environment named'} by ${rec.by} at ${rec.at}: ${flags.note}`, `Recorded in the audit trail of ${store.location} as seq ${rec.seq} (hash ${rec.hash}).`])],
        json: { attested: { control: rec.details?.control, title, note: rec.details?.note, by: rec.by, at: rec.at, environment: rec.environment, seq: rec.seq, hash: rec.hash } },
      }, documentFormatOf(flags.format), redactor);
    } else {
      const w = await recordWaiver(store, ctx, { control: flags.waive!, reason: flags.reason!, until: flags.until! }, clockFromEnv()());
      const r = w.record;
      await writeDocument({
        blocks: [paragraph(w.audit
          ? [`Waived ${r.data.control} (${title}) in ${r.data.environment ?? 'no environment named'} until ${r.data.until} (end of day UTC), by ${r.by}: ${r.data.reason}`, `Recorded in ${store.location}: waiver ${r.id} version ${r.version}, audit seq ${w.audit.seq}. It is reported as waived, never as passed.`]
          : [`Already recorded: ${r.data.control} waived until ${r.data.until} by ${r.by} (waiver ${r.id} version ${r.version}); nothing written.`])],
        json: { waived: { control: r.data.control, title, reason: r.data.reason, until: r.data.until, by: r.by, at: r.at, environment: r.data.environment, recordVersion: r.version, seq: w.audit?.seq ?? null, alreadyRecorded: !w.audit } },
      }, documentFormatOf(flags.format), redactor);
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
