import type { Procedure } from '../engine/procedure.js';

/** Monthly Operations: the Third Monday Security Assessment and the Fourth Monday Capacity Planning. */
export const monthlyProcedures = {
  'monthly security': {
    id: 'monthly security',
    runbook: 'Monthly Operations › Third Monday: Security Assessment',
    attestedReview: true,
    items: [
      { title: 'Penetration testing review', checks: ['security.penetration-test', 'security.penetration-testing-review'] },
      { title: 'Access control audit', checks: ['security.access-audit-age', 'security.access-audit-findings'] },
      { title: 'Security policy updates', checks: ['security.policy-updates'] },
      { title: 'Incident response drill', checks: ['security.incident-drill'] },
    ],
  },
  'monthly capacity': {
    id: 'monthly capacity',
    runbook: 'Monthly Operations › Fourth Monday: Capacity Planning',
    attestedReview: true,
    items: [
      { title: 'Infrastructure scaling review', checks: ['capacity.weekly-runs', 'capacity.scaling-findings'] },
      { title: 'Cost optimization analysis', checks: ['capacity.costs', 'capacity.cost-optimization'] },
      { title: 'Performance trend analysis', checks: ['capacity.performance-forecast', 'capacity.performance-change'] },
      { title: 'Technology roadmap update', checks: ['capacity.technology-roadmap'] },
    ],
  },
} as const satisfies Record<string, Procedure>;
