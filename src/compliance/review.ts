/** `nvcops monthly compliance`: the First Monday Compliance Review and its evidence report (--attest/--waive: src/commands/attest.ts). */
import { join, resolve } from 'node:path';
import { COMPLIANCE_COMMAND, controlsOf, mappingText } from '../controls/catalogue.js';
import { asControls } from '../controls/check.js';
import { clockFromEnv } from '../engine/clock.js';
import { makeDirectories } from '../report/output.js';
import type { RunFlags } from '../app/run.js';
import { runChecksCommand } from '../app/run.js';
import { namesSeveral } from '../app/prepare.js';
import { write, writeReportFile } from '../report/output.js';
import { writeEvidence } from './evidence.js';

interface ComplianceFlags extends RunFlags {
  evidence?: string;
}

/**
 * Each check of the review carries its control and mappings as its first detail line; an automated
 * control's result becomes `waived` under an unexpired waiver (a manual control's check reads its own).
 */
const asControl = asControls(controlsOf(COMPLIANCE_COMMAND), (c) => `control ${c.id} · ${mappingText(c)}`);

export async function complianceReview(flags: ComplianceFlags): Promise<number> {
  const clock = clockFromEnv();
  const dir = flags.evidence ? resolve(flags.evidence) : undefined;
  // One level at a time: Node's recursive mkdir never returns under a parent that refuses children (/proc/1/nope).
  if (dir) makeDirectories(dir, '--evidence: cannot create the directory %s');
  return runChecksCommand(COMPLIANCE_COMMAND, flags, undefined, {
    wrap: asControl,
    onReport: dir
      ? async (report, ctx) => {
        // --env a,b,c or all: each environment's evidence in a directory of its own under DIR.
        const into = namesSeveral(flags.env) ? join(dir, report.environment!) : dir;
        if (into !== dir) makeDirectories(into, '--evidence: cannot create the directory %s');
        const files = await writeEvidence(into, report, ctx, await ctx.store(), clock(), flags.by, writeReportFile);
        write(`nvcops: evidence written to ${files.join(' and ')}\n`, ctx.redactor, process.stderr);
      }
      : undefined,
  });
}
