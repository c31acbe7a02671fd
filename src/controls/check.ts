/**
 * Controls at check time, judged on the verified audit trail the run's probes read once
 * (Probes.attestations()): the one factory of a manual control's check, the waiver of an automated
 * control's checks, and what the trail holds for a control (the evidence report).
 * A trail that fails verification makes every attestation and waiver untrusted (`fail`).
 */
import { defineCheck, type CheckContext, type CheckDefinition } from '../engine/check.js';
import { parseDuration } from '../engine/units.js';
import type { CheckOutput } from '../engine/verdict.js';
import type { AttestationTrail } from '../probes/attestations.js';
import type { AuditRecord, VerifyResult } from '../state/store.js';
import { waiverEnds } from './attestations.js';
import { control as catalogued, type Control } from './catalogue.js';

const control = (r: AuditRecord) => r.details?.control;
const day = (iso: string) => iso.replace(/\.\d+Z$/, 'Z');

/** The latest record of a control in an environment, up to `now`. */
const latest = (records: AuditRecord[], controlId: string, environment: string | null, now: Date): AuditRecord | undefined =>
  records.filter((r) => control(r) === controlId && r.environment === environment && r.at <= now.toISOString()).at(-1);

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
function activeWaiver(t: AttestationTrail, ctx: CheckContext, controlId: string): CheckOutput | undefined {
  const now = ctx.now();
  const last = latest(t.waivers, controlId, ctx.config.environment ?? null, now);
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
 * The check of a manual control (the one check its catalogue entry names): `fail` when the audit trail
 * fails verification; `waived` under an unexpired waiver; `pass` when attested within `validFor` (who,
 * when, note); otherwise `manual` with the command that attests it.
 */
export function controlCheck(controlId: string): CheckDefinition {
  const c = catalogued(controlId);
  const [id, ...more] = c.checks;
  if (!c.manual || !id || more.length) throw new Error(`control ${controlId} is not a manual control with one check`);
  const { owner, validFor } = c.manual;
  const validMs = parseDuration(validFor);
  if (validMs === undefined) throw new Error(`control ${controlId}: validFor "${validFor}" is not a duration`);
  return defineCheck({
    id,
    title: owner ? `${c.title} (attested by ${owner})` : c.title,
    requires: [],
    unit: 'count',
    async run(ctx) {
      const t = await ctx.probes.attestations();
      if (!t.verify.ok) return untrusted(t.verify);
      const waiver = activeWaiver(t, ctx, c.id);
      if (waiver) return waiver;
      const now = ctx.now();
      const last = latest(t.attestations, c.id, ctx.config.environment ?? null, now);
      const how = attestCommand(c.review, c.id);
      if (!last) return { status: 'manual', message: `not attested (valid for ${validFor}); when done: ${how}` };
      const note = String(last.details?.note ?? '');
      const evidence = [`attestation: audit seq ${last.seq}, hash ${last.hash}`];
      if (now.getTime() - Date.parse(last.at) > validMs) {
        return { status: 'manual', message: `last attested by ${last.by} on ${day(last.at)}, older than ${validFor}: attest again: ${how}`, details: evidence };
      }
      return { status: 'pass', message: `attested by ${last.by} on ${day(last.at)}: ${note}`, details: evidence };
    },
  });
}

/**
 * For an automated control: the check's own output, unless an unexpired waiver covers the control —
 * then `waived`, with what the check found kept in the message. A trail that fails verification
 * applies no waiver (and says so).
 */
export async function applyWaiver(ctx: CheckContext, controlId: string, output: CheckOutput): Promise<CheckOutput> {
  const t = await ctx.probes.attestations();
  if (!t.verify.ok) {
    return { ...output, details: [...(output.details ?? []), `waivers not applied: the audit trail failed verification at seq ${t.verify.problem!.seq}`] };
  }
  const waiver = activeWaiver(t, ctx, controlId);
  if (!waiver || waiver.status !== 'waived') return waiver ?? output;
  const found = output.status ?? 'measured';
  return { ...output, status: 'waived', message: `${waiver.message} (the check found: ${found} — ${output.message})`, details: [...(output.details ?? []), ...(waiver.details ?? [])] };
}

/**
 * Adapts a review's checks to its controls (the `wrap` of its run): the verdict of an automated
 * control's check becomes `waived`, with what it found, under an unexpired waiver (a manual control's
 * check reads its own attestations and waivers); `detail` puts a first detail line on every control's
 * check (the compliance review's mappings).
 */
export function asControls(controls: readonly Control[], detail?: (control: Control) => string): (check: CheckDefinition) => CheckDefinition {
  return (check) => {
    const c = controls.find((x) => x.checks.includes(check.id));
    if (!c || (c.manual && !detail)) return check;
    return {
      ...check,
      async run(ctx) {
        const own = await outputOf(check, ctx);
        const out = c.manual ? own : await applyWaiver(ctx, c.id, own);
        return detail ? { ...out, details: [detail(c), ...(out.details ?? [])] } : out;
      },
    };
  };
}

/** A check's output, a throw read as `error` as the runner reads it: a wrapper's waiver or detail line still applies. */
function outputOf(check: CheckDefinition, ctx: CheckContext): Promise<CheckOutput> {
  return check.run(ctx).catch((e: unknown): CheckOutput => ({ status: 'error', message: e instanceof Error ? e.message : String(e) }));
}

/** What the trail holds for one control, for an evidence report: its latest attestation and waiver up to `now` (none when the trail fails verification). */
export interface ControlRecords {
  attestation?: { by: string; at: string; note: string; seq: number; hash: string; current: boolean };
  waiver?: { by: string; at: string; reason: string; until: string; seq: number; record: string; recordVersion: number; active: boolean };
}

export function controlRecords(t: AttestationTrail, environment: string | null, now: Date, c: Control): ControlRecords {
  if (!t.verify.ok) return {};
  const a = latest(t.attestations, c.id, environment, now);
  const w = latest(t.waivers, c.id, environment, now);
  const validMs = c.manual ? parseDuration(c.manual.validFor) : undefined;
  const d = w?.details as { reason: string; until: string; record: string; recordVersion: number } | undefined;
  return {
    ...(a && { attestation: { by: a.by, at: a.at, note: String(a.details?.note ?? ''), seq: a.seq, hash: a.hash, current: validMs !== undefined && now.getTime() - Date.parse(a.at) <= validMs } }),
    ...(w && d && { waiver: { by: w.by, at: w.at, reason: d.reason, until: d.until, seq: w.seq, record: d.record, recordVersion: d.recordVersion, active: waiverEnds(d.until) > now } }),
  };
}
