/**
 * The `schemaVersion` every JSON output other than the check report carries (engine/report.ts has
 * the report's own). Kept apart from the zod schemas (report/schemas.ts) so that a command prints it
 * without loading them. Changelog: 1 — first published.
 */
export const OUTPUT_SCHEMA_VERSION = 1;
