import { COMPLIANCE_COMMAND, controlsOf, FRAMEWORKS } from '../controls/catalogue.js';
import type { Procedure } from '../engine/procedure.js';

/** The checklist: one line per framework, each control under its first framework. */
const items = FRAMEWORKS.map((f) => ({
  title: f.item,
  checks: controlsOf(COMPLIANCE_COMMAND).filter((c) => c.requirements[0]!.framework === f.id).flatMap((c) => c.checks),
}));

/** Monthly Operations › First Monday: Compliance Review — the runbook's four lines, built from the control catalogue. */
export const complianceProcedures = {
  'monthly compliance': {
    id: 'monthly compliance',
    runbook: 'Monthly Operations › First Monday: Compliance Review (SOX, PCI DSS, GDPR, AML/KYC)',
    items,
    attestedReview: true,
  },
} as const satisfies Record<string, Procedure>;
