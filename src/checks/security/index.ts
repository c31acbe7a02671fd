import npmAudit from './npm-audit.js';
import osUpdates from './os-updates.js';

export const securityChecks = [osUpdates, npmAudit];
