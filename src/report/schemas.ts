/**
 * The published JSON Schemas (`nvcops schema <name>`): the configuration file and every JSON output
 * people build on. Each comes from one zod schema; the TS type of the output is checked against it
 * (`Same` below), so the two cannot drift. Outputs that are objects carry `schemaVersion`; the history
 * list stays a top-level array (its shape predates versioning; each entry holds a versioned report).
 */
import * as z from 'zod';
import { fileSchema } from '../engine/config/schema.js';
import { runReportSchema as reportSchema } from '../engine/report.js';
import { SEVERITIES as INCIDENT_SEVERITIES } from '../runbook/severity.js';
import type { Incident } from '../probes/incidents.js';
import type { SecurityEvent } from '../probes/security-events.js';
import type { Review } from '../checks/security-reviews.js';
import type { AuditRecord, HistoryEntry } from '../state/store.js';
import type { ActionResult } from '../engine/action.js';
import { manifestSchema, type Manifest } from '../backups/manifest.js';
import type { PgbackrestBackup } from '../probes/pgbackrest.js';
import type { FleetReport } from './fleet.js';
import type { VerifyResult } from '../state/store.js';
import type { SeverityLevel } from '../runbook/severity.js';
import type { Investigation, Section } from '../incident/document.js';
import { SCHEMA_NAMES, type SchemaName } from './schema-names.js';

import { OUTPUT_SCHEMA_VERSION } from '../engine/output-version.js';

export { OUTPUT_SCHEMA_VERSION };

const runReportSchema = reportSchema();

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
const todaySummary = z.object({ due: z.number().int(), done: z.number().int(), partial: z.number().int(), started: z.number().int(), notRun: z.number().int(), overdue: z.number().int() });
const todayDue = z.array(z.object({
  procedure: z.string(), section: z.string(), runbook: z.string(), cadence: z.string(), command: z.string(), replaces: z.string(),
  dueAt: z.iso.datetime(), due: z.string(), status: z.enum(['done', 'partial', 'started', 'not-run', 'overdue']), late: z.boolean(),
  countsFrom: z.iso.datetime(), runs: z.array(run), partial: z.array(run), unfinished: z.array(run), judgedNothing: z.array(run), lastBefore: run.optional(),
}));
const todayOf = { schemaVersion: z.literal(OUTPUT_SCHEMA_VERSION), date: z.iso.date(), weekday: z.string(), timezone: z.string(), now: z.iso.datetime(), store: z.string(), exitCode: z.number().int() };
/** `runbook today --format json`: one environment's day, or with `--env a,b|all` each environment's (`days`, in the order asked). */
export const runbookTodaySchema = z.union([
  z.strictObject({ ...todayOf, environment: z.string().nullable(), summary: todaySummary, due: todayDue }),
  z.strictObject({
    ...todayOf, environments: z.array(z.string()),
    days: z.array(z.strictObject({ environment: z.string().nullable(), summary: todaySummary, exitCode: z.number().int(), due: todayDue })),
  }),
]);

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

const version = z.literal(OUTPUT_SCHEMA_VERSION);

/** A check command run for several environments (`--env a,b,c`, `--env all`): the run's fields, and each environment's report, each result naming its environment. */
const fleetReportSchema = z.strictObject({
  ...runReportSchema.pick({ schemaVersion: true, command: true, runbook: true, startedAt: true, durationMs: true, status: true, exitCode: true, interrupted: true, summary: true }).shape,
  environments: z.array(z.string()),
  reports: z.array(runReportSchema.extend({
    environment: z.string(),
    /** The run could not be made (another run held its lock, the state store refused): no items then. */
    error: z.string().optional(),
    items: z.array(runReportSchema.shape.items.element.extend({ results: z.array(runReportSchema.shape.items.element.shape.results.element.extend({ environment: z.string() })) })),
  })),
});
same<Same<Omit<FleetReport, 'reports'>, Omit<z.infer<typeof fleetReportSchema>, 'reports'>>>(true);

const stepOutcome = z.strictObject({
  title: z.string(), status: z.enum(['done', 'failed', 'not run']), message: z.string(), durationMs: z.number(), data: z.record(z.string(), z.unknown()).optional(),
});
const actionResult = z.strictObject({
  action: z.string(), target: z.string(), environment: z.string().nullable(),
  status: z.enum(['planned', 'nothing to do', 'refused', 'done', 'failed', 'interrupted']), exitCode: z.number().int(),
  summary: z.array(z.string()), warnings: z.array(z.string()), plan: z.array(z.strictObject({ title: z.string(), details: z.array(z.string()) })),
  outcomes: z.array(stepOutcome), reason: z.string().optional(),
});
same<Same<ActionResult, z.infer<typeof actionResult>>>(true);
/** Every action (`maintain db|indexes|stats|logs|cache|tmp`, `backup restore-*`, `monthly dr-test`, `history prune`) `--format json`: its plan and how each step ended. */
const actionSchema = actionResult.extend({ schemaVersion: version });

/** One backup as `pgbackrest info --output=json` gives it: the fields nvcops reads; pgBackRest's others (its version, annotations…) pass through. */
const pgbackrestBackup = z.looseObject({
  label: z.string(), type: z.enum(['full', 'diff', 'incr']), prior: z.string().nullable(), error: z.boolean().optional(),
  archive: z.looseObject({ start: z.string().nullable(), stop: z.string().nullable() }),
  database: z.looseObject({ id: z.number().int(), 'repo-key': z.number().int() }),
  info: z.looseObject({ size: z.number(), delta: z.number(), repository: z.looseObject({ size: z.number(), delta: z.number() }) }),
  lsn: z.looseObject({ start: z.string(), stop: z.string() }).optional(),
  timestamp: z.looseObject({ start: z.number(), stop: z.number() }),
});
// Both ways apart from the index signature of a loose object (what pgBackRest adds).
same<z.infer<typeof pgbackrestBackup> extends PgbackrestBackup ? (PgbackrestBackup extends z.infer<typeof pgbackrestBackup> ? true : false) : false>(true);
same<Same<Manifest, z.infer<ReturnType<typeof manifestSchema>>>>(true);
/** `backup db|app|config|logs --format json`: the stored backup's manifest, or with backups.pgbackrest the backup pgBackRest took. */
const backupSchema = z.union([
  z.strictObject({ schemaVersion: version, manifest: manifestSchema(), path: z.string(), durationMs: z.number().int() }),
  z.strictObject({ schemaVersion: version, pgbackrest: z.strictObject({ stanza: z.string(), backup: pgbackrestBackup }), durationMs: z.number().int() }),
]);

const pgbackrestListing = z.strictObject({
  stanza: z.string(), status: z.string(),
  recoverable: z.strictObject({ from: z.iso.datetime(), to: z.iso.datetime(), lastWal: z.string() }).nullable(),
  backups: z.array(pgbackrestBackup),
});
/** `backup list --format json`: the dump repository's backups (oldest first), and pgBackRest's when configured; pgBackRest's alone without backups.directory. */
const backupListSchema = z.union([
  z.strictObject({
    schemaVersion: version, directory: z.string(), backups: z.array(manifestSchema()), broken: z.array(z.string()), partial: z.array(z.string()),
    pgbackrest: pgbackrestListing.optional(),
  }),
  z.strictObject({ schemaVersion: version, pgbackrest: pgbackrestListing }),
]);

const verifyResult = z.object({
  ok: z.boolean(), count: z.number().int(), head: z.string(),
  problem: z.strictObject({ seq: z.number().int(), kind: z.enum(['edited', 'removed', 'reordered']), message: z.string() }).optional(),
  tornTail: z.boolean().optional(), warnings: z.array(z.string()).optional(),
});
same<Same<VerifyResult, z.infer<typeof verifyResult>>>(true);
/** `audit verify --format json`: the verdict on the trail, and the anchors it was checked against. */
const auditVerifySchema = verifyResult.extend({ schemaVersion: version, location: z.string(), anchors: z.array(z.string()) }).strict();
/** `audit anchor --format json`: the verdict, and how many heads each anchor took (none when the trail is broken). */
const auditAnchorSchema = verifyResult.extend({ schemaVersion: version, location: z.string(), written: z.array(z.strictObject({ name: z.string(), count: z.number().int() })) }).strict();

/** `monthly compliance|security|capacity --attest|--waive` and `weekly security --accept-settings`, `--format json`: what was recorded. */
const attestationSchema = z.union([
  z.strictObject({
    schemaVersion: version,
    attested: z.strictObject({ control: z.string(), title: z.string(), note: z.string(), by: z.string(), at: z.string(), environment: z.string().nullable(), seq: z.number().int(), hash: z.string() }),
  }),
  z.strictObject({
    schemaVersion: version,
    waived: z.strictObject({
      control: z.string(), title: z.string(), reason: z.string(), until: z.iso.date(), by: z.string(), at: z.string(), environment: z.string().nullable(),
      recordVersion: z.number().int(), seq: z.number().int().nullable(), alreadyRecorded: z.boolean(),
    }),
  }),
  z.strictObject({
    schemaVersion: version,
    accepted: z.strictObject({ server: z.string(), fingerprint: z.string(), items: z.number().int(), by: z.string(), at: z.string(), environment: z.string().nullable(), seq: z.number().int(), hash: z.string() }),
  }),
]);

/** `health security ack --format json`: the events acknowledged (or, with --dry-run, those that would be). */
const securityAckSchema = z.union([
  z.strictObject({ schemaVersion: version, dryRun: z.literal(true), acknowledged: z.array(z.never()), wouldAcknowledge: z.array(z.string()), alreadyReviewed: z.array(z.string()) }),
  z.strictObject({ schemaVersion: version, dryRun: z.literal(false), acknowledged: z.array(z.strictObject({ id: z.string(), by: z.string(), at: z.string() })), alreadyReviewed: z.array(z.string()) }),
]);

const cadence = z.string();
/** `runbook show --format json`: a top-level array (unversioned, like the history list), one element per runbook section. */
const runbookShowSchema = z.array(z.strictObject({
  id: z.string(), title: z.string(),
  headings: z.array(z.strictObject({
    title: z.string(), cadence: cadence.optional(), checklist: z.array(z.string()).optional(),
    commands: z.array(z.strictObject({
      command: z.string(), replaces: z.string(), cadence: cadence.optional(),
      checklist: z.array(z.strictObject({ title: z.string(), checks: z.array(z.string()) })).optional(),
    })),
  })),
}));

const severityLevel = z.strictObject({
  id: z.enum(INCIDENT_SEVERITIES), name: z.enum(['Critical', 'High', 'Medium', 'Low']), response: z.string(), responseMs: z.number().int(),
  examples: z.array(z.string()), notifyStakeholders: z.boolean(), postmortem: z.boolean(),
});
same<Same<Omit<SeverityLevel, 'pagerDutySeverity' | 'examples'>, Omit<z.infer<typeof severityLevel>, 'examples'>>>(true);
/** `runbook severity --format json`: the runbook's severity levels and the acknowledgement window. */
const runbookSeveritySchema = z.strictObject({ schemaVersion: version, acknowledgeWithinMinutes: z.number(), levels: z.array(severityLevel) });

const turn = z.strictObject({ name: z.string(), phone: z.string().optional(), email: z.string().optional(), from: z.iso.datetime().optional(), to: z.iso.datetime().optional() });
/** `runbook oncall --format json`: who fills each role now (`at`) or on a day (`date`), and the emergency contacts. */
const runbookOncallSchema = z.strictObject({
  schemaVersion: version, at: z.iso.datetime().optional(), date: z.iso.date().optional(), timezone: z.string(), configured: z.boolean(),
  rotation: z.strictObject({ start: z.iso.date(), day: z.string(), time: z.string() }).optional(),
  roles: z.array(z.strictObject({ role: z.string(), runbook: z.string(), turns: z.array(turn), next: turn.optional() })),
  emergency: z.array(z.strictObject({ role: z.string(), name: z.string().optional(), phone: z.string().optional(), email: z.string().optional() })),
});

const section = z.strictObject({
  title: z.string(), state: z.enum(['ok', 'attention', 'error', 'skipped']), summary: z.string(),
  table: z.strictObject({ head: z.array(z.string()), rows: z.array(z.array(z.string())) }).optional(),
  lines: z.array(z.string()).optional(),
  /** What the part found, as data: its shape is the part's own. */
  data: z.unknown().optional(),
});
same<Same<Section, z.infer<typeof section>>>(true);
const investigation = z.strictObject({ title: z.string(), runbook: z.string(), environment: z.string().nullable(), generatedAt: z.iso.datetime(), sections: z.array(section) });
same<Same<Investigation, z.infer<typeof investigation>>>(true);
/** `incident status|deploys|logs|db --format json`: the investigation, one section per part. */
const investigationSchema = investigation.extend({ schemaVersion: version });

/** `incident note --format json`: the event the note added, and its incident. */
const incidentNoteSchema = incidentRecord.shape.events.element.extend({ schemaVersion: version, incident: z.string() }).strict();

/** `incident timeline --format json`: the incident's events, and every action and check run of its environment while it lasted. */
const incidentTimelineSchema = z.strictObject({
  schemaVersion: version, incident: z.string(),
  entries: z.array(z.strictObject({ at: z.string(), source: z.enum(['incident', 'audit', 'history']), by: z.string(), what: z.string() })),
});

const classification = z.object({
  proposed: z.enum(INCIDENT_SEVERITIES).nullable(),
  reasons: z.array(z.strictObject({ severity: z.enum(INCIDENT_SEVERITIES), kind: z.string(), evidence: z.string() })),
  unseen: z.array(z.string()),
});
/** `incident classify --format json`: the proposed severity with its reasons, the runbook's response target, and the health run's summary. */
const incidentClassifySchema = classification.extend({
  schemaVersion: version, response: z.string().nullable(), summary: runReportSchema.shape.summary, interrupted: z.boolean(),
}).strict();

/** `incident diagnose --format json`: every part of the diagnosis by heading, the report attached to the incident (if one is open). */
const incidentDiagnoseSchema = z.strictObject({
  schemaVersion: version, incident: z.string().nullable(), report: z.string().nullable(), summary: z.string(),
  sections: z.record(z.string(), z.array(section)),
});

/** `incident metrics --format json`: one CloudWatch series with its summary (null: no datapoints). */
const incidentMetricsSchema = z.strictObject({
  schemaVersion: version,
  /** null: a preset computed by metric math (error-rate). */
  metric: z.strictObject({ namespace: z.string(), name: z.string(), dimensions: z.record(z.string(), z.string()) }).nullable(), description: z.string(), stat: z.string(), periodSeconds: z.number().int(), unit: z.string().nullable(),
  datapoints: z.array(z.strictObject({ timestamp: z.iso.datetime(), value: z.number() })),
  summary: z.strictObject({ min: z.number(), max: z.number(), average: z.number(), last: z.number() }).nullable(),
});

/** `incident logs --follow --format json`: one object a line, each new log line as it is written. */
const incidentLogLineSchema = z.strictObject({
  schemaVersion: version, time: z.iso.datetime().nullable(), level: z.string().optional(), fingerprint: z.string(), line: z.string(),
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
  'fleet-report': { schema: fleetReportSchema, io: 'output', title: 'nvcops <check command> --env a,b|all --format json' },
  action: { schema: actionSchema, io: 'output', title: 'nvcops <action> --format json (maintain, backup restore-*, monthly dr-test, history prune)' },
  backup: { schema: backupSchema, io: 'output', title: 'nvcops backup db|app|config|logs --format json' },
  'backup-list': { schema: backupListSchema, io: 'output', title: 'nvcops backup list --format json' },
  'audit-verify': { schema: auditVerifySchema, io: 'output', title: 'nvcops audit verify --format json' },
  'audit-anchor': { schema: auditAnchorSchema, io: 'output', title: 'nvcops audit anchor --format json' },
  attestation: { schema: attestationSchema, io: 'output', title: 'nvcops monthly <review> --attest|--waive, weekly security --accept-settings, --format json' },
  'security-ack': { schema: securityAckSchema, io: 'output', title: 'nvcops health security ack --format json' },
  'runbook-show': { schema: runbookShowSchema, io: 'output', title: 'nvcops runbook show --format json' },
  'runbook-severity': { schema: runbookSeveritySchema, io: 'output', title: 'nvcops runbook severity --format json' },
  'runbook-oncall': { schema: runbookOncallSchema, io: 'output', title: 'nvcops runbook oncall --format json' },
  investigation: { schema: investigationSchema, io: 'output', title: 'nvcops incident status|deploys|logs|db --format json' },
  'incident-note': { schema: incidentNoteSchema, io: 'output', title: 'nvcops incident note --format json' },
  'incident-timeline': { schema: incidentTimelineSchema, io: 'output', title: 'nvcops incident timeline --format json' },
  'incident-classify': { schema: incidentClassifySchema, io: 'output', title: 'nvcops incident classify --format json' },
  'incident-diagnose': { schema: incidentDiagnoseSchema, io: 'output', title: 'nvcops incident diagnose --format json' },
  'incident-metrics': { schema: incidentMetricsSchema, io: 'output', title: 'nvcops incident metrics --format json' },
  'incident-log-line': { schema: incidentLogLineSchema, io: 'output', title: 'nvcops incident logs --follow --format json (each line after the investigation)' },
} as const satisfies Record<SchemaName, { schema: z.ZodType; io: 'input' | 'output'; title: string }>;

export { SCHEMA_NAMES, type SchemaName };

/** What an output of that name holds, as its schema says: the code that prints it `satisfies` this, so the two cannot drift. */
export type OutputOf<N extends SchemaName> = z.infer<(typeof SCHEMAS)[N]['schema']>;

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
