import alertsReviewed from './alerts-reviewed.js';

export const securityChecks = [alertsReviewed];
