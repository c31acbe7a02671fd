/** The names `nvcops schema` takes, apart from the schemas themselves, so that the command line is built without them. */
export const SCHEMA_NAMES = [
  'config', 'report', 'fleet-report', 'incident', 'incident-list', 'audit', 'history', 'runbook-today', 'security-events',
  'action', 'backup', 'backup-list', 'audit-verify', 'audit-anchor', 'attestation', 'security-ack',
  'runbook-show', 'runbook-severity', 'runbook-oncall',
  'investigation', 'incident-note', 'incident-timeline', 'incident-classify', 'incident-diagnose', 'incident-metrics', 'incident-log-line',
] as const;
export type SchemaName = (typeof SCHEMA_NAMES)[number];

/** The check commands (--format json prints a report); with --env a,b|all the fleet's report. */
const CHECK_RUN = ['report', 'fleet-report'] as const;
/** The monthly reviews also record an attestation or a waiver (--attest, --waive). */
const REVIEW = [...CHECK_RUN, 'attestation'] as const;

/**
 * Each command that prints JSON (`--format json`, or `jsonl`) and the schemas its output follows.
 * test/schemas.test.ts holds it against the command tree, so that a new JSON output without a schema fails.
 */
export const JSON_OUTPUTS: Record<string, readonly SchemaName[]> = {
  'health daily': CHECK_RUN,
  'health db': CHECK_RUN,
  'health security': ['security-events'],
  'health security ack': ['security-ack'],
  'weekly capacity': CHECK_RUN,
  'weekly security': [...CHECK_RUN, 'attestation'],
  'weekly performance': CHECK_RUN,
  'maintain db': ['action'],
  'maintain indexes': ['action'],
  'maintain stats': ['action'],
  'maintain logs': ['action'],
  'maintain cache': ['action'],
  'maintain tmp': ['action'],
  'maintain certs': CHECK_RUN,
  'maintain security-updates': CHECK_RUN,
  'maintain access': CHECK_RUN,
  'backup db': ['backup'],
  'backup app': ['backup'],
  'backup config': ['backup'],
  'backup logs': ['backup'],
  'backup list': ['backup-list'],
  'backup verify': CHECK_RUN,
  'backup restore-db': ['action'],
  'backup restore-app': ['action'],
  'backup restore-config': ['action'],
  'monthly dr-test': ['action'],
  'monthly compliance': REVIEW,
  'monthly security': REVIEW,
  'monthly capacity': REVIEW,
  'audit verify': ['audit-verify'],
  'audit anchor': ['audit-anchor'],
  'audit show': ['audit'],
  'audit export': ['audit'],
  history: ['history'],
  'history show': ['report'],
  'history prune': ['action'],
  'incident status': ['investigation'],
  'incident deploys': ['investigation'],
  'incident logs': ['investigation', 'incident-log-line'],
  'incident db': ['investigation'],
  'incident metrics': ['incident-metrics'],
  'incident open': ['incident'],
  'incident ack': ['incident'],
  'incident note': ['incident-note'],
  'incident resolve': ['incident'],
  'incident list': ['incident-list'],
  'incident show': ['incident'],
  'incident timeline': ['incident-timeline'],
  'incident classify': ['incident-classify'],
  'incident diagnose': ['incident-diagnose'],
  'runbook today': ['runbook-today'],
  'runbook show': ['runbook-show'],
  'runbook severity': ['runbook-severity'],
  'runbook oncall': ['runbook-oncall'],
};
