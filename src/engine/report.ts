import * as z from 'zod';
import { STATUSES, type Status } from './verdict.js';
import { EXIT } from './errors.js';
import { UNITS } from './units.js';

/**
 * The JSON report schema. Changelog:
 * 1 — first version: command, environment, startedAt, durationMs, status, exitCode, summary, items[].results[].
 *     Optional `changes` (weekly security): what changed since the previous run of the command.
 * 2 — the status `waived` (a control whose deviation is accepted until an expiry, with a reason on record),
 *     in results, items, the run's status and `summary.waived`. Later, additive: optional `nextStep` on a result;
 *     optional `facts` on a result (what a check compares with its next run: a server's start time, its role);
 *     optional `observed.counter`.
 */
export const SCHEMA_VERSION = 2;

/**
 * The check run report (--format json, the history's records): the one definition its type and its published JSON Schema
 * come from. Built on first use (`nvcops schema`): a check run only writes reports.
 */
function buildRunReportSchema() {
  const status = z.enum(STATUSES);

  const checkResultSchema = z.object({
    id: z.string(),
    title: z.string(),
    status,
    /** `counter`: the value is a count since the server started (the check's `counter`). */
    observed: z.object({ value: z.number(), unit: z.enum(UNITS), counter: z.literal(true).optional() }).nullable(),
    /** The levels judged against, as written (`> 200ms`), or null when the check has none. */
    threshold: z.object({ warn: z.string().optional(), fail: z.string().optional() }).nullable(),
    message: z.string(),
    details: z.array(z.string()).optional(),
    /** On a warn, fail or error: the nvcops command to run next (the check's own `nextStep`). */
    nextStep: z.string().optional(),
    /** What the check saw that its next run compares with (CheckOutput.facts). */
    facts: z.record(z.string(), z.unknown()).optional(),
    durationMs: z.number(),
  });

  const itemResultSchema = z.object({
    /** The runbook checklist line, in the runbook's words. */
    title: z.string(),
    status,
    results: z.array(checkResultSchema),
  });

  const summarySchema = z.object({ ...Object.fromEntries(STATUSES.map((s) => [s, z.number().int()])) as Record<Status, z.ZodNumber>, total: z.number().int() });

  const runChangesSchema = z.object({
    /** When the run compared with started; null when there was none. */
    since: z.string().nullable(),
    /** One line per change: a status that moved, a finding that appeared or went away. */
    lines: z.array(z.string()),
  });

  return z.object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    command: z.string(),
    /** The runbook section the command automates. */
    runbook: z.string(),
    environment: z.string().nullable(),
    startedAt: z.string(),
    durationMs: z.number(),
    status,
    exitCode: z.number().int(),
    /** True when Ctrl-C or the deadline stopped the run before every check finished. */
    interrupted: z.boolean(),
    summary: summarySchema,
    items: z.array(itemResultSchema),
    /** What changed since the previous run of the same command (set by reviews that compare, e.g. weekly security). */
    changes: runChangesSchema.optional(),
    /** The audit trail's head when the run ended, so every kept report (CI logs) witnesses it; head null with the reason when unreadable. */
    audit: z.object({
      head: z.object({ seq: z.number().int(), hash: z.string(), at: z.string().optional() }).nullable(),
      error: z.string().optional(),
    }).optional(),
  });
}

let builtSchema: ReturnType<typeof buildRunReportSchema> | undefined;
export const runReportSchema = () => (builtSchema ??= buildRunReportSchema());

export type RunReport = z.infer<ReturnType<typeof runReportSchema>>;
export type ItemResult = RunReport['items'][number];
export type CheckResult = ItemResult['results'][number];
export type Summary = RunReport['summary'];
export type RunChanges = NonNullable<RunReport['changes']>;

/** Severity order for rolling results up: the worst status wins (a line with a waived control is never shown as passed). */
const RANK: Record<Status, number> = { skip: 0, pass: 1, waived: 2, manual: 3, warn: 4, error: 5, fail: 6 };

export function worst(statuses: Status[]): Status {
  return statuses.reduce<Status>((w, s) => (RANK[s] > RANK[w] ? s : w), 'skip');
}

export function summarize(items: ItemResult[]): Summary {
  const s = { ...Object.fromEntries(STATUSES.map((k) => [k, 0])), total: 0 } as Summary;
  for (const item of items) for (const r of item.results) { s[r.status]++; s.total++; }
  return s;
}

export type FailOn = 'warn' | 'fail';

/** A status that is a judgement of the target (skip: not configured; manual: a person's to settle). */
export const isJudged = (status: string): boolean => status !== 'skip' && status !== 'manual';

/** Did a run judge anything: a verdict other than skip and manual on one of its checks? */
export const judgedAny = (s: Summary): boolean => s.pass + s.warn + s.fail + s.error + s.waived > 0;

/**
 * The one exit-code policy: 2 any failure, 3 something could not be evaluated (or nothing at all
 * was, because no target is configured: a gate must not pass on nothing, nor on lines that only a
 * person can settle), 1 warnings, 0 otherwise. `waived` never changes it (a waived check was
 * evaluated). `manual` does not either, except in a review whose manual lines are controls to attest
 * (`attestedReview`): one not attested leaves the review incomplete, exit 3.
 */
export function exitCodeFor(summary: Summary, failOn: FailOn = 'warn', attestedReview = false): number {
  if (summary.fail > 0) return EXIT.fail;
  if (summary.error > 0 || (summary.total > 0 && !judgedAny(summary))) return EXIT.error;
  if (attestedReview && summary.manual > 0) return EXIT.error;
  if (summary.warn > 0 && failOn === 'warn') return EXIT.warn;
  return EXIT.ok;
}
