/** The names \`nvcops schema\` takes, apart from the schemas themselves, so that the command line is built without them. */
export const SCHEMA_NAMES = ['config', 'report', 'incident', 'incident-list', 'audit', 'history', 'runbook-today', 'security-events'] as const;
export type SchemaName = (typeof SCHEMA_NAMES)[number];
