/**
 * The published JSON Schemas (`nvcops schema <name>`): the configuration file and every JSON output
 * people build on. Each comes from one zod schema; the TS type of the output is checked against it
 * (`Same` below), so the two cannot drift. Outputs that are objects carry `schemaVersion`; the history
 * list stays a top-level array (its shape predates versioning; each entry holds a versioned report).
 */
import * as z from 'zod';
import { fileSchema } from '../engine/config/schema.js';
import { runReportSchema } from '../engine/report.js';
import { SEVERITIES as INCIDENT_SEVERITIES } from '../runbook/severity.js';
import type { Incident } from '../probes/incidents.js';
import type { SecurityEvent } from '../probes/security-events.js';
import type { Review } from '../checks/security-reviews.js';
import type { AuditRecord, HistoryEntry } from '../state/store.js';
import { SCHEMA_NAMES, type SchemaName } from './schema-names.js';

/** The version of each JSON output below other than the check report (engine/report.ts has its own). Changelog: 1 — first published. */
export const OUTPUT_SCHEMA_VERSION = 1;

/** True only when A and B are each assignable to the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <T extends true>(_: T): void => undefined;

const notification = z.object({
  channel: z.enum(['webhook', 'pagerduty']), action: z.enum(['trigger', 'acknowledge', 'resolve']),
  ok: z.boolean(), attempts: z.number().int(), at: z.string(), error: z.string().optional(),
});
const failingCheck = z.object({ id: z.string(), status: z.string(), message: z.string() });
const incidentRecord = z.object({
  id: z.string(), title: z.string(), severity: z.enum(INCIDENT_SEVERITIES), status: z.enum(['open', 'acknowledged', 'resolved']),
  drill: z.boolean().optional(), environment: z.string().nullable(), startedAt: z.string(), openedAt: z.string(), openedBy: z.string(),
  acknowledgedAt: z.string().optional(), acknowledgedBy: z.string().optional(), respondedAt: z.string().optional(),
  resolvedAt: z.string().optional(), resolvedBy: z.string().optional(), resolution: z.string().optional(),
  checksFrom: z.string(), failingChecks: z.array(failingCheck), longStanding: z.array(failingCheck).optional(),
  verification: z.array(z.object({ id: z.string(), before: z.string(), after: z.string(), message: z.string() })).optional(),
  dedupKey: z.string(), notifications: z.array(notification),
  reports: z.array(z.object({ id: z.string(), at: z.string(), by: z.string(), summary: z.string() })),
  events: z.array(z.object({
    at: z.string(), by: z.string(), message: z.string(),
    type: z.enum(['opened', 'acknowledged', 'note', 'investigation', 'diagnosis', 'notification', 'verification', 'resolved', 'postmortem']),
  })),
});
same<Same<Incident, z.infer<typeof incidentRecord>>>(true);

const timers = z.object({
  ackDueAt: z.iso.datetime(), responseDueAt: z.iso.datetime(), ackOverdue: z.boolean(), responseOverdue: z.boolean(),
  ackMs: z.number().optional(), responseMs: z.number().optional(), resolveMs: z.number().optional(),
});
/** `incident open|show|ack|resolve --format json`: the record with its response timers. */
const incidentSchema = incidentRecord.extend({ schemaVersion: z.literal(OUTPUT_SCHEMA_VERSION), timers });

/** `incident list --format json`: a top-level array (unversioned, like the history list), one summary line per incident. */
const incidentListSchema = z.array(z.object({
  ...incidentRecord.pick({ id: true, severity: true, status: true, title: true, environment: true, openedAt: true }).shape,
  drill: z.boolean(), resolvedAt: z.string().nullable(), timers,
}));

const historyEntry = z.object({
  id: z.string(), at: z.string(), by: z.string(), host: z.string(), command: z.string(),
  environment: z.string().nullable(), status: runReportSchema.shape.status, exitCode: z.number().int(),
});
same<Same<HistoryEntry, z.infer<typeof historyEntry> & { report: z.infer<typeof runReportSchema> }>>(true);

/** `history list --format json`: an array of runs, each with its report, or with `--check` that check's result. */
const historySchema = z.array(z.union([
  historyEntry.extend({ report: runReportSchema }).strict(),
  historyEntry.extend({ check: runReportSchema.shape.items.element.shape.results.element }).strict(),
]));

const auditRecord = z.object({
  seq: z.number().int(), at: z.string(), prev: z.string(), hash: z.string(),
  operation: z.string(), phase: z.enum(['started', 'finished', 'event']), action: z.string(), by: z.string(), host: z.string(),
  environment: z.string().nullable(), args: z.array(z.string()), version: z.string(), startedAt: z.string(), endedAt: z.string().optional(),
  outcome: z.enum(['ok', 'failed', 'interrupted', 'dry-run', 'refused']).optional(), message: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
same<Same<AuditRecord, z.infer<typeof auditRecord>>>(true);
/** `audit show --format json`: a top-level array (unversioned, like the history list); each line of `audit export` is one of its elements. */
const auditSchema = z.array(auditRecord);

const run = z.object({
  at: z.string(), by: z.string(), host: z.string(), source: z.enum(['history', 'audit']), result: z.string(),
  message: z.string().optional(), missing: z.array(z.string()).optional(),
});
/** `runbook today --format json`. */
export const runbookTodaySchema = z.object({
  schemaVersion: z.literal(OUTPUT_SCHEMA_VERSION),
  date: z.iso.date(), weekday: z.string(), timezone: z.string(), environment: z.string().nullable(), now: z.iso.datetime(), store: z.string(),
  summary: z.object({ due: z.number().int(), done: z.number().int(), partial: z.number().int(), started: z.number().int(), notRun: z.number().int(), overdue: z.number().int() }),
  exitCode: z.number().int(),
  due: z.array(z.object({
    procedure: z.string(), section: z.string(), runbook: z.string(), cadence: z.string(), command: z.string(), replaces: z.string(),
    dueAt: z.iso.datetime(), due: z.string(), status: z.enum(['done', 'partial', 'started', 'not-run', 'overdue']), late: z.boolean(),
    countsFrom: z.iso.datetime(), runs: z.array(run), partial: z.array(run), unfinished: z.array(run), judgedNothing: z.array(run), lastBefore: run.optional(),
  })),
});

const eventSeverity = z.enum(['high', 'medium', 'low']);
const securityEvent = z.object({
  id: z.string(), time: z.string(), kind: z.enum(['brute-force', 'privilege-change', 'lockout', 'access-denied', 'auth-failure']),
  severity: eventSeverity, source: z.enum(['application log', 'postgres log', 'redis']), user: z.string().optional(), from: z.string().optional(),
  count: z.number().int(), message: z.string(), audit: z.object({ seq: z.number().int(), action: z.string(), by: z.string() }).optional(),
});
same<Same<SecurityEvent, z.infer<typeof securityEvent>>>(true);
const review = z.object({ by: z.string(), at: z.string(), note: z.string(), severity: eventSeverity, count: z.number().int().nullable() });
same<Same<Review, z.infer<typeof review>>>(true);

/** `health security --format json`: the events of the window, each with the review that covers it or the one it outgrew. */
const securityEventsSchema = z.object({
  schemaVersion: z.literal(OUTPUT_SCHEMA_VERSION),
  command: z.literal('health security'), environment: z.string().nullable(), since: z.string(), until: z.string(), exitCode: z.number().int(),
  sources: z.array(z.object({ name: securityEvent.shape.source, state: z.enum(['read', 'error', 'skipped']), note: z.string() })),
  events: z.array(securityEvent.extend({ reviewed: review.nullable(), outgrown: review.nullable() })),
});

const BASE = 'https://nvcops.dev/schema';

/** Each published schema by the name `nvcops schema` takes; `io: 'input'` for what a person writes, 'output' for what nvcops prints. */
export const SCHEMAS = {
  config: { schema: fileSchema, io: 'input', title: 'nvcops configuration (nvcops.yaml)' },
  report: { schema: runReportSchema, io: 'output', title: 'nvcops check run report (--format json)' },
  incident: { schema: incidentSchema, io: 'output', title: 'nvcops incident open|show|ack|resolve --format json' },
  'incident-list': { schema: incidentListSchema, io: 'output', title: 'nvcops incident list --format json' },
  audit: { schema: auditSchema, io: 'output', title: 'nvcops audit show --format json (each line of audit export: one element)' },
  history: { schema: historySchema, io: 'output', title: 'nvcops history list --format json' },
  'runbook-today': { schema: runbookTodaySchema, io: 'output', title: 'nvcops runbook today --format json' },
  'security-events': { schema: securityEventsSchema, io: 'output', title: 'nvcops health security --format json' },
} as const satisfies Record<SchemaName, { schema: z.ZodType; io: 'input' | 'output'; title: string }>;

export { SCHEMA_NAMES, type SchemaName };

/** A `${VAR}` or `${VAR:-default}` the config loader fills in from the environment (engine/config/load.ts). */
const INTERPOLATED = { type: 'string', pattern: '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}' };

/**
 * In the file a person writes, any string may be a `${VAR}` filled in before validation: a string
 * the config schema constrains (a URL's format, a duration's pattern) also accepts one.
 */
const interpolatable = ({ jsonSchema: s }: { jsonSchema: Record<string, unknown> }): void => {
  if (s.type !== 'string' || (s.format === undefined && s.pattern === undefined && s.enum === undefined)) return;
  const constrained = { ...s };
  for (const k of Object.keys(s)) delete s[k];
  s.anyOf = [constrained, INTERPOLATED];
};

/** The JSON Schema (draft 2020-12) of one name, with its `$id`. */
export function jsonSchema(name: SchemaName): Record<string, unknown> {
  const { schema, io, title } = SCHEMAS[name];
  const { $schema, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', ...(name === 'config' && { override: interpolatable }) }) as Record<string, unknown>;
  return { $schema, $id: `${BASE}/${name}.json`, title, ...rest };
}
