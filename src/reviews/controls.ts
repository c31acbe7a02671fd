/** The manual lines of the monthly security and capacity reviews: controls a person attests (src/compliance/attestations.ts). */
import { manualControl, type ControlRef } from '../compliance/attestations.js';
import { defineCheck, type CheckDefinition } from '../engine/check.js';

/**
 * A monthly control's attestation counts for 35 days: the runbook puts these lines on a monthly
 * review, and the third (or fourth) Mondays of consecutive months are 28 or 35 days apart.
 */
export const MONTHLY_VALIDITY = '35d';

export const SECURITY_COMMAND = 'monthly security';
export const CAPACITY_COMMAND = 'monthly capacity';

export const securityControls = [
  { id: 'penetration-testing-review', title: 'Penetration testing review', manual: true },
  { id: 'security-policy-updates', title: 'Security policy updates', manual: true },
] as const satisfies readonly ControlRef[];

export const capacityControls = [
  { id: 'cost-optimization-analysis', title: 'Cost optimization analysis', manual: true },
  { id: 'technology-roadmap-update', title: 'Technology roadmap update', manual: true },
] as const satisfies readonly ControlRef[];

/** The check of a manual control: `manual` with the command that attests it, `pass` while an attestation is valid, `waived` under a waiver. */
export function attestedCheck(id: string, control: ControlRef, command: string): CheckDefinition {
  return defineCheck({
    id,
    title: control.title,
    item: control.title,
    requires: [],
    unit: 'count',
    run: (ctx) => manualControl(ctx, control.id, { validFor: MONTHLY_VALIDITY, command }),
  });
}
