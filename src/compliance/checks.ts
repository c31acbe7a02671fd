/** Shared by the compliance checks: the review period and the manual-control check factory. */
import { defineCheck, type CheckDefinition } from '../engine/check.js';
import { manualControl } from './attestations.js';
import { COMPLIANCE_COMMAND, control } from './controls.js';

/** The period a review covers: from the first day of the previous calendar month (UTC) until the run. */
export function reviewPeriod(now: Date): { from: Date; to: Date } {
  return { from: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)), to: now };
}

export const isoDay = (d: Date | string): string => (typeof d === 'string' ? d : d.toISOString()).slice(0, 10);

/** The check of a manual control: its attestation (or waiver) read from the verified audit trail. */
export function manualComplianceCheck(controlId: string): CheckDefinition {
  const c = control(controlId);
  if (!c.manual) throw new Error(`compliance control ${controlId} is not manual`);
  const manual = c.manual;
  return defineCheck({
    id: `compliance.${c.id}`,
    title: `${c.title} (attested by ${manual.owner})`,
    requires: [],
    unit: 'count',
    run: (ctx) => manualControl(ctx, c.id, { validFor: manual.validFor, command: COMPLIANCE_COMMAND }),
  });
}
