import accessReview from './access-review.js';
import auditTrail from './audit-trail.js';
import backupsVerified from './backups-verified.js';
import cardNumbersInLogs from './card-numbers-in-logs.js';
import changeRecords from './change-records.js';
import dataRetention from './data-retention.js';
import dataSubjectRequests from './data-subject-requests.js';
import kycScreening from './kyc-screening.js';
import recordsOfProcessing from './records-of-processing.js';
import segregationOfDuties from './segregation-of-duties.js';
import transactionMonitoring from './transaction-monitoring.js';

/** The compliance review's own checks (the others it uses are the postgres.* settings checks); the control catalogue is src/controls/catalogue.ts. */
export const complianceChecks = [
  accessReview, changeRecords, segregationOfDuties, backupsVerified, auditTrail,
  cardNumbersInLogs,
  dataRetention, recordsOfProcessing, dataSubjectRequests,
  kycScreening, transactionMonitoring,
];
