/** The controls of the monthly security and capacity reviews: manual ones a person attests, automated ones that can be waived (src/compliance/attestations.ts). */
import { applyWaiver, manualControl, type ControlRef } from '../compliance/attestations.js';
import { defineCheck, type CheckContext, type CheckDefinition, type CheckOutput } from '../engine/check.js';

/**
 * A monthly control's attestation counts for 35 days: the runbook puts these lines on a monthly
 * review, and the third (or fourth) Mondays of consecutive months are 28 or 35 days apart.
 */
const MONTHLY_VALIDITY = '35d';

export const SECURITY_COMMAND = 'monthly security';
export const CAPACITY_COMMAND = 'monthly capacity';

/** The monthly security assessment's controls: the manual lines, and the automated ones (which can be waived, not attested). */
export const SECURITY = {
  penetrationTestReport: { id: 'penetration-test-report', title: 'Penetration test report within 12 months', manual: false },
  penetrationTestingReview: { id: 'penetration-testing-review', title: 'Penetration testing review', manual: true },
  accessControlAudit: { id: 'access-control-audit', title: 'Access control audit', manual: false },
  securityPolicyUpdates: { id: 'security-policy-updates', title: 'Security policy updates', manual: true },
  incidentResponseDrill: { id: 'incident-response-drill', title: 'Incident response drill', manual: false },
} as const satisfies Record<string, ControlRef>;

/** The monthly capacity review's controls. */
export const CAPACITY = {
  infrastructureScalingReview: { id: 'infrastructure-scaling-review', title: 'Infrastructure scaling review', manual: false },
  costBudgets: { id: 'cost-budgets', title: 'Cost items within budget', manual: false },
  costOptimizationAnalysis: { id: 'cost-optimization-analysis', title: 'Cost optimization analysis', manual: true },
  performanceTrendAnalysis: { id: 'performance-trend-analysis', title: 'Performance trend analysis', manual: false },
  technologyRoadmapUpdate: { id: 'technology-roadmap-update', title: 'Technology roadmap update', manual: true },
} as const satisfies Record<string, ControlRef>;

export const securityControls: readonly ControlRef[] = Object.values(SECURITY);
export const capacityControls: readonly ControlRef[] = Object.values(CAPACITY);

/** An automated check whose control can be waived: its own verdict, or `waived` (with what it found) under an unexpired waiver. */
export function waivable(control: ControlRef, check: CheckDefinition): CheckDefinition {
  return { ...check, run: async (ctx) => applyWaiver(ctx, control.id, await outputOf(check, ctx)) };
}

/** A check's output, a throw read as `error` as the runner reads it: a wrapper's waiver or detail line still applies. */
export function outputOf(check: CheckDefinition, ctx: CheckContext): Promise<CheckOutput> {
  return check.run(ctx).catch((e: unknown): CheckOutput => ({ status: 'error', message: e instanceof Error ? e.message : String(e) }));
}

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
