/**
 * The one control catalogue, as data: every control of the monthly compliance, security and capacity
 * reviews, with a stable id, the frameworks and requirements it serves (one control may serve several),
 * the checks that verify it, or `manual` (a person attests it, valid for a period) with the one check
 * that reads its attestation. Prowler's compliance files are the model: requirements mapped to checks.
 *
 * Mappings are to PCI DSS v4.0 requirement ids, SOX IT general control (ITGC) areas, GDPR articles, the
 * AML/KYC programme elements (FATF Recommendations, US BSA rules) and ISO/IEC 27001:2022 Annex A. No
 * open-source tool ships a SOX or AML/KYC framework (they are process controls), so those are mostly attested.
 */

/** The compliance review's four lines, in the runbook's own words, and the framework each reviews. */
export const FRAMEWORKS = [
  { id: 'SOX', item: 'SOX controls verification' },
  { id: 'PCI DSS', item: 'PCI DSS compliance check' },
  { id: 'GDPR', item: 'GDPR data processing review' },
  { id: 'AML/KYC', item: 'AML/KYC process audit' },
] as const;

type Framework = (typeof FRAMEWORKS)[number]['id'] | 'ISO/IEC 27001';

export interface Requirement {
  framework: Framework;
  /** The requirement id or area: `4.2.1`, `ITGC: access to programs and data`, `Art. 30`. */
  ref: string;
  /** What it asks, in a few words. */
  text: string;
}

export const COMPLIANCE_COMMAND = 'monthly compliance';
const SECURITY_COMMAND = 'monthly security';
const CAPACITY_COMMAND = 'monthly capacity';

/** The review commands that take --attest and --waive, one per control. */
export type Review = typeof COMPLIANCE_COMMAND | typeof SECURITY_COMMAND | typeof CAPACITY_COMMAND;

export interface Control {
  /** Stable id: used by --attest/--waive and kept in the audit trail; never renamed. */
  id: string;
  title: string;
  /** The review that checks it, attests it and waives it. */
  review: Review;
  /** What the control makes sure of, for the auditor. */
  objective: string;
  /** In the compliance review, the first requirement's framework is the checklist line the control is listed under. */
  requirements: readonly Requirement[];
  /** The checks that verify it (an automated control), or the one check that reads its attestation (a manual control). */
  checks: readonly string[];
  /** A manual control: who attests it (named in its check's title), and how long an attestation counts. */
  manual?: { owner?: string; validFor: string };
}

const ITGC_ACCESS = { framework: 'SOX', ref: 'ITGC: access to programs and data', text: 'logical access is restricted and monitored' } as const;
const ITGC_CHANGE = { framework: 'SOX', ref: 'ITGC: program change', text: 'changes to production are authorised, tested and recorded' } as const;
const ITGC_OPERATIONS = { framework: 'SOX', ref: 'ITGC: computer operations', text: 'backups, job monitoring and problem management' } as const;
const ISO_CAPACITY = { framework: 'ISO/IEC 27001', ref: 'A.8.6', text: 'capacity management: use of resources monitored and adjusted to current and expected needs' } as const;

/**
 * A security or capacity control's attestation counts for 35 days: the runbook puts these lines on a
 * monthly review, and the third (or fourth) Mondays of consecutive months are 28 or 35 days apart.
 */
const MONTHLY = { validFor: '35d' };

const compliance = (c: Omit<Control, 'review'>): Control => ({ review: COMPLIANCE_COMMAND, ...c });
const security = (c: Omit<Control, 'review'>): Control => ({ review: SECURITY_COMMAND, ...c });
const capacity = (c: Omit<Control, 'review'>): Control => ({ review: CAPACITY_COMMAND, ...c });

export const CONTROLS: readonly Control[] = [
  // Monthly compliance › SOX controls verification
  compliance({
    id: 'access-review',
    title: 'Access review done within 90 days',
    objective: 'Database and cache accounts and privileges are reviewed at least every 90 days (nvcops maintain access).',
    requirements: [
      ITGC_ACCESS,
      { framework: 'PCI DSS', ref: '7.2.4', text: 'user accounts and access privileges are reviewed periodically' },
      { framework: 'PCI DSS', ref: '8.2.6', text: 'inactive user accounts are removed or disabled within 90 days' },
    ],
    checks: ['compliance.access-review'],
  }),
  compliance({
    id: 'change-records',
    title: 'Deploys of the period carry a change record',
    objective: 'Every production deploy of the period names its change ticket, so it can be traced to an approved change.',
    requirements: [ITGC_CHANGE, { framework: 'PCI DSS', ref: '6.5.1', text: 'changes to system components follow change control procedures' }],
    checks: ['compliance.change-records'],
  }),
  compliance({
    id: 'segregation-of-duties',
    title: 'Segregation of duties sign-off',
    objective: 'No one both develops and deploys a change to production unreviewed; production access is separate from development.',
    requirements: [ITGC_CHANGE, ITGC_ACCESS, { framework: 'PCI DSS', ref: '6.5.4', text: 'roles and functions are separated between production and pre-production' }],
    checks: ['compliance.segregation-of-duties'],
    manual: { owner: 'the head of engineering', validFor: '31d' },
  }),
  compliance({
    id: 'backups-verified',
    title: 'Backups verified in the period',
    objective: 'The database backups were verified (checksums, restorable) during the period, and the latest verification passed.',
    requirements: [
      ITGC_OPERATIONS,
      { framework: 'GDPR', ref: 'Art. 32(1)(c)', text: 'the ability to restore availability of and access to personal data in a timely manner' },
    ],
    checks: ['compliance.backups-verified'],
  }),
  compliance({
    id: 'audit-trail-integrity',
    title: 'Audit trail integrity',
    objective: "nvcops' own audit trail (who acted, attested, waived) verifies end to end: no record edited, removed or reordered.",
    requirements: [
      ITGC_OPERATIONS,
      { framework: 'PCI DSS', ref: '10.3.2', text: 'audit log files are protected to prevent modifications' },
      { framework: 'PCI DSS', ref: '10.3.4', text: 'changes to audit logs are detected' },
    ],
    checks: ['compliance.audit-trail'],
  }),
  // Monthly compliance › PCI DSS compliance check
  compliance({
    id: 'tls-in-transit',
    title: 'TLS required for database connections',
    objective: 'PostgreSQL accepts TLS and pg_hba.conf lets no network client in without it.',
    requirements: [
      { framework: 'PCI DSS', ref: '4.2.1', text: 'strong cryptography protects cardholder data in transmission' },
      { framework: 'PCI DSS', ref: '8.3.2', text: 'authentication factors are unreadable in transmission' },
      ITGC_ACCESS,
      { framework: 'GDPR', ref: 'Art. 32(1)(a)', text: 'encryption of personal data' },
    ],
    checks: ['postgres.ssl', 'postgres.hba-ssl'],
  }),
  compliance({
    id: 'password-storage',
    title: 'Passwords stored as scram-sha-256',
    objective: 'Database passwords are hashed with SCRAM-SHA-256, never MD5.',
    requirements: [
      { framework: 'PCI DSS', ref: '8.3.2', text: 'strong cryptography renders authentication factors unreadable in storage' },
      ITGC_ACCESS,
    ],
    checks: ['postgres.password-encryption'],
  }),
  compliance({
    id: 'audit-logging',
    title: 'Audit logging enabled',
    objective: 'The database logs every connection and audits statements (pgAudit), so who did what can be answered.',
    requirements: [
      { framework: 'PCI DSS', ref: '10.2.1', text: 'audit logs are enabled and active for all system components' },
      { framework: 'PCI DSS', ref: '10.2.1.2', text: 'all actions by administrative accounts are logged' },
      ITGC_ACCESS,
    ],
    checks: ['postgres.pgaudit', 'postgres.connection-logging'],
  }),
  compliance({
    id: 'card-data-in-logs',
    title: 'No card numbers in application logs',
    objective: 'No primary account number (13–19 digits passing Luhn) was written to the application or database log in the period.',
    requirements: [
      { framework: 'PCI DSS', ref: '3.5.1', text: 'PAN is rendered unreadable anywhere it is stored' },
      { framework: 'PCI DSS', ref: '3.3.1', text: 'sensitive authentication data is not retained' },
      { framework: 'GDPR', ref: 'Art. 5(1)(c)', text: 'data minimisation' },
    ],
    checks: ['compliance.card-numbers-in-logs'],
  }),
  // Monthly compliance › GDPR data processing review
  compliance({
    id: 'data-retention',
    title: 'Data retention',
    objective: 'Tables with a retention rule hold no row older than it (compliance.retention).',
    requirements: [
      { framework: 'GDPR', ref: 'Art. 5(1)(e)', text: 'storage limitation' },
      { framework: 'PCI DSS', ref: '3.2.1', text: 'account data storage is kept to a minimum by retention and disposal' },
    ],
    checks: ['compliance.data-retention'],
  }),
  compliance({
    id: 'records-of-processing',
    title: 'Records of processing activities reviewed',
    objective: 'The register of processing activities (purposes, categories, recipients, retention, safeguards) is up to date.',
    requirements: [{ framework: 'GDPR', ref: 'Art. 30', text: 'records of processing activities' }],
    checks: ['compliance.records-of-processing'],
    manual: { owner: 'the data protection officer', validFor: '31d' },
  }),
  compliance({
    id: 'data-subject-requests',
    title: 'Data subject requests answered in time',
    objective: 'Access, rectification and erasure requests of the period were answered within one month.',
    requirements: [{ framework: 'GDPR', ref: 'Art. 12(3), 15–17', text: 'requests answered without undue delay, within one month' }],
    checks: ['compliance.data-subject-requests'],
    manual: { owner: 'the data protection officer', validFor: '31d' },
  }),
  // Monthly compliance › AML/KYC process audit
  compliance({
    id: 'kyc-screening',
    title: 'Customer due diligence and sanctions screening audited',
    objective: 'New customers were identified and verified, and customers screened against sanctions and PEP lists, with exceptions resolved.',
    requirements: [
      { framework: 'AML/KYC', ref: 'FATF R.10, 31 CFR 1020.220', text: 'customer due diligence, customer identification programme' },
      { framework: 'AML/KYC', ref: 'FATF R.6, OFAC', text: 'sanctions screening' },
    ],
    checks: ['compliance.kyc-screening'],
    manual: { owner: 'the compliance officer', validFor: '31d' },
  }),
  compliance({
    id: 'transaction-monitoring',
    title: 'Transaction monitoring and suspicious activity reporting audited',
    objective: 'Monitoring alerts of the period were worked, rule or threshold changes approved, and suspicious activity reported on time.',
    requirements: [
      { framework: 'AML/KYC', ref: 'FATF R.20, 31 CFR 1020.320', text: 'suspicious transaction reporting' },
      { framework: 'AML/KYC', ref: 'FATF R.11', text: 'record keeping' },
    ],
    checks: ['compliance.transaction-monitoring'],
    manual: { owner: 'the compliance officer', validFor: '31d' },
  }),
  // Monthly security (Third Monday: Security Assessment): automated controls can be waived, manual ones attested
  security({
    id: 'penetration-test-report',
    title: 'Penetration test report within 12 months',
    objective: 'A penetration test was carried out within the last 12 months (security.lastPenetrationTest).',
    requirements: [
      { framework: 'PCI DSS', ref: '11.4.2', text: 'internal penetration testing at least once every 12 months' },
      { framework: 'PCI DSS', ref: '11.4.3', text: 'external penetration testing at least once every 12 months' },
    ],
    checks: ['security.penetration-test'],
  }),
  security({
    id: 'penetration-testing-review',
    title: 'Penetration testing review',
    objective: 'The findings of the latest penetration test and their remediation were reviewed this month.',
    requirements: [{ framework: 'PCI DSS', ref: '11.4.4', text: 'exploitable vulnerabilities found by penetration testing are corrected' }],
    checks: ['security.penetration-testing-review'],
    manual: MONTHLY,
  }),
  security({
    id: 'access-control-audit',
    title: 'Access control audit',
    objective: 'nvcops maintain access ran within the month and found no high-risk account or privilege.',
    requirements: [ITGC_ACCESS, { framework: 'PCI DSS', ref: '7.2.4', text: 'user accounts and access privileges are reviewed periodically' }],
    checks: ['security.access-audit-age', 'security.access-audit-findings'],
  }),
  security({
    id: 'security-policy-updates',
    title: 'Security policy updates',
    objective: 'The security policies were reviewed this month and updated where needed.',
    requirements: [{ framework: 'PCI DSS', ref: '12.1.2', text: 'the information security policy is reviewed at least once every 12 months and updated' }],
    checks: ['security.policy-updates'],
    manual: MONTHLY,
  }),
  security({
    id: 'incident-response-drill',
    title: 'Incident response drill',
    objective: 'An incident response drill was held within the month, acknowledged and resolved.',
    requirements: [{ framework: 'PCI DSS', ref: '12.10.2', text: 'the incident response plan is reviewed and tested at least once every 12 months' }],
    checks: ['security.incident-drill'],
  }),
  // Monthly capacity (Fourth Monday: Capacity Planning)
  capacity({
    id: 'infrastructure-scaling-review',
    title: 'Infrastructure scaling review',
    objective: 'Every week of the month had a weekly capacity run, and their recurring warnings and failures were looked at.',
    requirements: [ISO_CAPACITY],
    checks: ['capacity.weekly-runs', 'capacity.scaling-findings'],
  }),
  capacity({
    id: 'cost-budgets',
    title: 'Cost items within budget',
    objective: 'Every cost item of capacity.costs is within its monthly budget.',
    requirements: [],
    checks: ['capacity.costs'],
  }),
  capacity({
    id: 'cost-optimization-analysis',
    title: 'Cost optimization analysis',
    objective: "The month's costs were analysed for savings.",
    requirements: [],
    checks: ['capacity.cost-optimization'],
    manual: MONTHLY,
  }),
  capacity({
    id: 'performance-trend-analysis',
    title: 'Performance trend analysis',
    objective: 'No measured health check trends to its fail level before the next review, or got much worse over the month.',
    requirements: [ISO_CAPACITY],
    checks: ['capacity.performance-forecast', 'capacity.performance-change'],
  }),
  capacity({
    id: 'technology-roadmap-update',
    title: 'Technology roadmap update',
    objective: 'The technology roadmap was updated this month: components near end of life and the upgrades planned.',
    requirements: [{ framework: 'PCI DSS', ref: '12.3.4', text: 'hardware and software technologies in use are reviewed at least once every 12 months' }],
    checks: ['capacity.technology-roadmap'],
    manual: MONTHLY,
  }),
];

/** The catalogue entry of a control id (the catalogue is fixed data, so an unknown id is a programming error). */
export function control(id: string): Control {
  const c = CONTROLS.find((x) => x.id === id);
  if (!c) throw new Error(`no control ${id} in the catalogue`);
  return c;
}

/** The controls of one review, in catalogue order. */
export const controlsOf = (review: Review): Control[] => CONTROLS.filter((c) => c.review === review);

/** `PCI DSS 4.2.1; 8.3.2 · SOX ITGC: access to programs and data · GDPR Art. 32(1)(a)`: the mappings on one line. */
export function mappingText(c: Control): string {
  const by = new Map<Framework, string[]>();
  for (const r of c.requirements) by.set(r.framework, [...(by.get(r.framework) ?? []), r.ref]);
  return [...by].map(([f, refs]) => `${f} ${refs.join('; ')}`).join(' · ');
}
