import alertsReviewed from './alerts-reviewed.js';
import npmAudit from './npm-audit.js';
import osUpdates from './os-updates.js';

export const securityChecks = [alertsReviewed, osUpdates, npmAudit];
