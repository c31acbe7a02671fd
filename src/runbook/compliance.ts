import { complianceItems } from '../compliance/controls.js';
import type { Procedure } from '../engine/procedure.js';

/** Monthly Operations › First Monday: Compliance Review — the runbook's four lines, built from the control catalogue. */
export const complianceProcedures = {
  'monthly compliance': {
    id: 'monthly compliance',
    runbook: 'Monthly Operations › First Monday: Compliance Review (SOX, PCI DSS, GDPR, AML/KYC)',
    items: complianceItems,
    attestedReview: true,
  },
} as const satisfies Record<string, Procedure>;
