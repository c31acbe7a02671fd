/** `nvcops monthly compliance`: the First Monday Compliance Review, its attestations and waivers, and the evidence report. */
import { resolve } from 'node:path';
import { asControls } from '../reviews/controls.js';
import { clockFromEnv } from '../engine/clock.js';
import { UsageError } from '../engine/errors.js';
import { makeDirectories } from '../report/output.js';
import type { RunFlags } from '../app/run.js';
import { runChecksCommand } from '../app/run.js';
import { write, writeReportFile } from '../report/output.js';
import { handleAttestation, type AttestationFlags } from './attestations.js';
import { COMPLIANCE_COMMAND, CONTROLS, mappingText } from './controls.js';
import { writeEvidence } from './evidence.js';

interface ComplianceFlags extends RunFlags, AttestationFlags {
  evidence?: string;
}

/**
 * Each check of the review carries its control and mappings as its first detail line; an automated
 * control's result becomes `waived` under an unexpired waiver (a manual control's check reads its own).
 */
const asControl = asControls(CONTROLS, (c) => `control ${c.id} · ${mappingText(c)}`);

export async function complianceReview(flags: ComplianceFlags): Promise<number> {
  const controls = CONTROLS.map((c) => ({ id: c.id, title: c.title, manual: c.manual !== undefined }));
  // Refused before anything is recorded: nothing half-done.
  if (flags.evidence && (flags.attest !== undefined || flags.waive !== undefined)) {
    throw new UsageError(`${COMPLIANCE_COMMAND}: --evidence goes with a review run, not with --attest or --waive`);
  }
  const recorded = await handleAttestation(flags, { command: COMPLIANCE_COMMAND, controls });
  if (recorded !== undefined) return recorded;
  const clock = clockFromEnv();
  const dir = flags.evidence ? resolve(flags.evidence) : undefined;
  // One level at a time: Node's recursive mkdir never returns under a parent that refuses children (/proc/1/nope).
  if (dir) makeDirectories(dir, '--evidence: cannot create the directory %s');
  return runChecksCommand(COMPLIANCE_COMMAND, flags, undefined, {
    wrap: asControl,
    onReport: dir
      ? async (report, ctx) => {
        const files = await writeEvidence(dir, report, ctx, await ctx.store(), clock(), flags.by, writeReportFile);
        write(`nvcops: evidence written to ${files.join(' and ')}\n`, ctx.redactor, process.stderr);
      }
      : undefined,
  });
}
