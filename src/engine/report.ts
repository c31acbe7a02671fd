import { STATUSES, type Status } from './verdict.js';
import { EXIT } from './errors.js';
import type { Unit } from './units.js';

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

export interface CheckResult {
  id: string;
  title: string;
  status: Status;
  /** `counter`: the value is a count since the server started (the check's `counter`). */
  observed: { value: number; unit: Unit; counter?: true } | null;
  /** The levels judged against, as written (`> 200ms`), or null when the check has none. */
  threshold: { warn?: string; fail?: string } | null;
  message: string;
  details?: string[];
  /** On a warn, fail or error: the nvcops command to run next (the check's own `nextStep`). */
  nextStep?: string;
  /** What the check saw that its next run compares with (CheckOutput.facts). */
  facts?: Record<string, unknown>;
  durationMs: number;
}

export interface ItemResult {
  /** The runbook checklist line, in the runbook's words. */
  title: string;
  status: Status;
  results: CheckResult[];
}

export type Summary = Record<Status, number> & { total: number };

export interface RunReport {
  schemaVersion: typeof SCHEMA_VERSION;
  command: string;
  /** The runbook section the command automates. */
  runbook: string;
  environment: string | null;
  startedAt: string;
  durationMs: number;
  status: Status;
  exitCode: number;
  /** True when Ctrl-C or the deadline stopped the run before every check finished. */
  interrupted: boolean;
  summary: Summary;
  items: ItemResult[];
  /** What changed since the previous run of the same command (set by reviews that compare, e.g. weekly security). */
  changes?: RunChanges;
  /** The audit trail's head when the run ended, so every kept report (CI logs) witnesses it; head null with the reason when unreadable. */
  audit?: { head: { seq: number; hash: string; at?: string } | null; error?: string };
}

export interface RunChanges {
  /** When the run compared with started; null when there was none. */
  since: string | null;
  /** One line per change: a status that moved, a finding that appeared or went away. */
  lines: string[];
}

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
