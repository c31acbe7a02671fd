/** The controls of the monthly security and capacity reviews: manual ones a person attests, automated ones that can be waived (src/compliance/attestations.ts). */
import { applyWaiver, manualControl, type ControlRef } from '../compliance/attestations.js';
import { defineCheck, type CheckContext, type CheckDefinition } from '../engine/check.js';
import type { CheckOutput } from '../engine/verdict.js';

/**
 * A monthly control's attestation counts for 35 days: the runbook puts these lines on a monthly
 * review, and the third (or fourth) Mondays of consecutive months are 28 or 35 days apart.
 */
const MONTHLY_VALIDITY = '35d';

export const SECURITY_COMMAND = 'monthly security';
export const CAPACITY_COMMAND = 'monthly capacity';

/** A review's control; an automated one names the checks whose verdicts it is judged on (and a waiver covers). */
export interface ReviewControl extends ControlRef {
  checks?: readonly string[];
}

/** The monthly security assessment's controls: the manual lines, and the automated ones (which can be waived, not attested). */
export const SECURITY = {
  penetrationTestReport: { id: 'penetration-test-report', title: 'Penetration test report within 12 months', manual: false, checks: ['security.penetration-test'] },
  penetrationTestingReview: { id: 'penetration-testing-review', title: 'Penetration testing review', manual: true },
  accessControlAudit: { id: 'access-control-audit', title: 'Access control audit', manual: false, checks: ['security.access-audit-age', 'security.access-audit-findings'] },
  securityPolicyUpdates: { id: 'security-policy-updates', title: 'Security policy updates', manual: true },
  incidentResponseDrill: { id: 'incident-response-drill', title: 'Incident response drill', manual: false, checks: ['security.incident-drill'] },
} as const satisfies Record<string, ReviewControl>;

/** The monthly capacity review's controls. */
export const CAPACITY = {
  infrastructureScalingReview: { id: 'infrastructure-scaling-review', title: 'Infrastructure scaling review', manual: false, checks: ['capacity.weekly-runs', 'capacity.scaling-findings'] },
  costBudgets: { id: 'cost-budgets', title: 'Cost items within budget', manual: false, checks: ['capacity.costs'] },
  costOptimizationAnalysis: { id: 'cost-optimization-analysis', title: 'Cost optimization analysis', manual: true },
  performanceTrendAnalysis: { id: 'performance-trend-analysis', title: 'Performance trend analysis', manual: false, checks: ['capacity.performance-forecast', 'capacity.performance-change'] },
  technologyRoadmapUpdate: { id: 'technology-roadmap-update', title: 'Technology roadmap update', manual: true },
} as const satisfies Record<string, ReviewControl>;

export const securityControls: readonly ReviewControl[] = Object.values(SECURITY);
export const capacityControls: readonly ReviewControl[] = Object.values(CAPACITY);

/**
 * Adapts a review's checks to its controls (the `wrap` of its run): the verdict of an automated
 * control's check becomes `waived`, with what it found, under an unexpired waiver (a manual control's
 * check reads its own attestations and waivers); `detail` puts a first detail line on every control's
 * check (the compliance review's mappings).
 */
export function asControls<C extends { id: string; manual?: unknown; checks?: readonly string[] }>(
  controls: readonly C[],
  detail?: (control: C) => string,
): (check: CheckDefinition) => CheckDefinition {
  return (check) => {
    const c = controls.find((x) => x.checks?.includes(check.id));
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

/** The check of a manual control: `manual` with the command that attests it, `pass` while an attestation is valid, `waived` under a waiver. */
export function attestedCheck(id: string, control: ControlRef, command: string): CheckDefinition {
  return defineCheck({
    id,
    title: control.title,
    requires: [],
    unit: 'count',
    run: (ctx) => manualControl(ctx, control.id, { validFor: MONTHLY_VALIDITY, command }),
  });
}
