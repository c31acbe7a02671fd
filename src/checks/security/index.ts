import accessAuditAge from './access-audit-age.js';
import accessAuditFindings from './access-audit-findings.js';
import alertsReviewed from './alerts-reviewed.js';
import incidentDrill from './incident-drill.js';
import npmAudit from './npm-audit.js';
import osUpdates from './os-updates.js';
import penetrationTest from './penetration-test.js';
import penetrationTestingReview from './penetration-testing-review.js';
import policyUpdates from './policy-updates.js';

export const securityChecks = [
  alertsReviewed, osUpdates, npmAudit,
  penetrationTest, penetrationTestingReview, accessAuditAge, accessAuditFindings, policyUpdates, incidentDrill,
];
