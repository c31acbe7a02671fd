/**
 * The evidence report of a compliance review, for an auditor: every control with the frameworks and
 * requirements it serves, its status, what was observed, who attested it when with what note, its
 * waiver (reason, expiry), the audit trail's verification and head hash, and the run's time and place.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../engine/config/index.js';
import { markdownCell as cell, printableDeep } from '../engine/printable.js';
import type { Redactor } from '../engine/redact.js';
import { worst, type CheckResult, type RunReport } from '../engine/report.js';
import { actor, VERSION } from '../state/index.js';
import type { Store, VerifyResult } from '../state/store.js';
import { COMPLIANCE_COMMAND, controlsOf, FRAMEWORKS, type Control, type Requirement } from '../controls/catalogue.js';
import { controlRecords, type ControlRecords } from '../controls/check.js';
import { readAttestations } from '../probes/attestations.js';
import { reviewPeriod } from './checks.js';

const EVIDENCE_VERSION = 1;

interface ControlEvidence extends ControlRecords {
  id: string;
  title: string;
  objective: string;
  type: 'automated' | 'manual';
  /** Manual controls: who attests, and how long an attestation counts. */
  owner?: string;
  validFor?: string;
  requirements: readonly Requirement[];
  /** The worst status of its checks; waived is never reported as passed. */
  status: CheckResult['status'];
  checks: CheckResult[];
}

export interface Evidence {
  evidenceVersion: typeof EVIDENCE_VERSION;
  review: string;
  runbook: string;
  environment: string | null;
  startedAt: string;
  period: { from: string; to: string };
  by: string;
  host: string;
  nvcopsVersion: string;
  configFile: string | null;
  status: RunReport['status'];
  exitCode: number;
  summary: RunReport['summary'];
  auditTrail: { location: string; verified: boolean; records: number; headHash: string; problem: VerifyResult['problem'] | null };
  frameworks: { framework: string; line: string; requirements: { ref: string; text: string; controls: { id: string; status: CheckResult['status'] }[] }[] }[];
  controls: ControlEvidence[];
}

/** Builds the evidence of one run from its report and the state store it read attestations from. */
async function buildEvidence(report: RunReport, store: Store, config: Config, now: Date, by?: string): Promise<Evidence> {
  const results = new Map(report.items.flatMap((i) => i.results).map((r) => [r.id, r]));
  // Read again from the run's store (its probes are closed by now): only the run history was written since, and the audit trail is append-only.
  const trail = await readAttestations(store);
  const verify = trail.verify;
  const environment = config.environment ?? null;
  const catalogue = controlsOf(COMPLIANCE_COMMAND);
  const controls: ControlEvidence[] = catalogue.map((c: Control) => {
    const checks = c.checks.map((id) => results.get(id)).filter((r): r is CheckResult => r !== undefined);
    const records = controlRecords(trail, environment, now, c);
    return {
      id: c.id, title: c.title, objective: c.objective, type: c.manual ? 'manual' : 'automated',
      ...(c.manual && { owner: c.manual.owner, validFor: c.manual.validFor }),
      requirements: c.requirements, status: worst(checks.map((r) => r.status)), checks, ...records,
    };
  });
  const statusOf = new Map(controls.map((c) => [c.id, c.status]));
  const period = reviewPeriod(now);
  return {
    evidenceVersion: EVIDENCE_VERSION,
    review: report.command, runbook: report.runbook, environment, startedAt: report.startedAt,
    period: { from: period.from.toISOString(), to: period.to.toISOString() },
    by: actor(by), host: hostname(), nvcopsVersion: VERSION, configFile: config.source ?? null,
    status: report.status, exitCode: report.exitCode, summary: report.summary,
    auditTrail: { location: store.location, verified: verify.ok, records: verify.count, headHash: verify.head, problem: verify.problem ?? null },
    frameworks: FRAMEWORKS.map((f) => {
      const refs = new Map<string, { ref: string; text: string; controls: { id: string; status: CheckResult['status'] }[] }>();
      for (const c of catalogue) {
        for (const r of c.requirements.filter((x) => x.framework === f.id)) {
          const entry = refs.get(r.ref) ?? { ref: r.ref, text: r.text, controls: [] };
          entry.controls.push({ id: c.id, status: statusOf.get(c.id)! });
          refs.set(r.ref, entry);
        }
      }
      return { framework: f.id, line: f.item, requirements: [...refs.values()] };
    }),
    controls,
  };
}

const STATUS_WORD: Record<CheckResult['status'], string> = {
  pass: 'PASS', warn: 'WARN', fail: 'FAIL', error: 'ERROR: not evaluated', skip: 'SKIPPED: not configured', manual: 'NOT ATTESTED', waived: 'WAIVED',
};

/** The same evidence as markdown, in the order an auditor reads it: the run, the trail, each framework's requirements, then each control. */
function evidenceMarkdown(shown: Evidence): string {
  // Attestation notes, waiver reasons and check messages are anyone's text: shown, never acted on by a viewer.
  const e = printableDeep(shown);
  const out = [
    `# Compliance review evidence — ${e.environment ?? 'no environment named'}`,
    '',
    `- Review: \`nvcops ${e.review}\` — ${e.runbook}`,
    `- Run: ${e.startedAt} by ${e.by} on ${e.host}, nvcops ${e.nvcopsVersion}${e.configFile ? `, configuration ${e.configFile}` : ''}`,
    `- Period reviewed: ${e.period.from} → ${e.period.to}`,
    `- Result: ${STATUS_WORD[e.status]} (exit code ${e.exitCode}) — ${e.summary.pass} pass, ${e.summary.fail} fail, ${e.summary.error} error, ${e.summary.warn} warn, ${e.summary.manual} not attested, ${e.summary.waived} waived, ${e.summary.skip} skipped of ${e.summary.total} checks`,
    '',
    '## Audit trail',
    '',
    `- Store: ${e.auditTrail.location}`,
    e.auditTrail.verified
      ? `- Verified: yes, ${e.auditTrail.records} records; head hash \`${e.auditTrail.headHash}\``
      : `- Verified: **NO** — failed at seq ${e.auditTrail.problem!.seq} (${e.auditTrail.problem!.kind}): ${e.auditTrail.problem!.message}. Attestations and waivers below are untrusted and were not applied.`,
  ];
  for (const f of e.frameworks) {
    out.push('', `## ${f.framework} — ${f.line}`, '', '| Requirement | What it asks | Controls |', '|---|---|---|');
    for (const r of f.requirements) out.push(`| ${cell(r.ref)} | ${cell(r.text)} | ${r.controls.map((c) => `${c.id} (${STATUS_WORD[c.status]})`).join(', ')} |`);
  }
  out.push('', '## Controls');
  for (const c of e.controls) {
    out.push('', `### ${c.id} — ${c.title}: ${STATUS_WORD[c.status]}`, '', c.objective, '');
    out.push(`- Type: ${c.type}${c.owner ? `, attested by ${c.owner}, an attestation counts for ${c.validFor}` : ''}`);
    out.push(`- Serves: ${c.requirements.map((r) => `${r.framework} ${r.ref}`).join('; ')}`);
    if (c.attestation) {
      out.push(`- Attestation: by ${c.attestation.by} at ${c.attestation.at}: "${c.attestation.note}" (audit seq ${c.attestation.seq}, hash \`${c.attestation.hash}\`)${c.attestation.current ? '' : ` — older than ${c.validFor}, no longer counts`}`);
    } else if (c.type === 'manual') out.push('- Attestation: none on record');
    if (c.waiver) {
      out.push(`- Waiver: by ${c.waiver.by} at ${c.waiver.at} until ${c.waiver.until}: "${c.waiver.reason}" (record ${c.waiver.record} version ${c.waiver.recordVersion}, audit seq ${c.waiver.seq})${c.waiver.active ? '' : ' — expired'}`);
    }
    for (const r of c.checks) {
      const observed = r.observed ? ` — observed ${r.observed.value} ${r.observed.unit}` : '';
      out.push(`- Check \`${r.id}\` (${r.title}): ${STATUS_WORD[r.status]}${observed} — ${r.message}`);
      for (const d of r.details ?? []) out.push(`    - ${d}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** Writes DIR/evidence.json and DIR/evidence.md, secrets redacted. */
export async function writeEvidence(
  dir: string, report: RunReport, ctx: { config: Config; redactor: Redactor }, store: Store, now: Date, by: string | undefined,
  writeFile: (path: string, text: string) => void,
): Promise<string[]> {
  const e = await buildEvidence(report, store, ctx.config, now, by);
  const json = join(dir, 'evidence.json');
  const md = join(dir, 'evidence.md');
  writeFile(json, ctx.redactor.apply(`${JSON.stringify(e, null, 2)}\n`));
  writeFile(md, ctx.redactor.apply(evidenceMarkdown(e)));
  return [md, json];
}
