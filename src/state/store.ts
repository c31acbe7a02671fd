/**
 * The state store: a hash-chained audit trail, the run history, and versioned records (incidents,
 * attestations, waivers). Two backends implement it — local files (default) and PostgreSQL (a team
 * sharing one trail) — and one test suite runs against both.
 */
import { StateConflictError } from '../engine/errors.js';
import { judgedAny, type RunReport } from '../engine/report.js';

export interface ChainHead {
  seq: number;
  hash: string;
  /** When the head record was written (absent for the empty trail and in heads kept before it was recorded). */
  at?: string;
}

/** A head written down somewhere (the store's own head, an anchor, a report): the trail must still hold that record with that hash. */
export interface Witness extends ChainHead {
  /** Where it was written down, in a sentence's words: `the trail's head`, `anchor /mnt/worm/nvcops.anchor`. */
  source: string;
}

/** Where an audit record sits in an action's life: `started` before acting, `finished` after; `event` for one-shot facts (an attestation, an acknowledgement). */
export type AuditPhase = 'started' | 'finished' | 'event';

/** How an action ended; `started` records carry none. */
export type AuditOutcome = 'ok' | 'failed' | 'interrupted' | 'dry-run' | 'refused';

/** What a caller hands to `audit.append`; the store adds the chain fields. */
export interface AuditEntry {
  /** Links a `started` record to its `finished` record. */
  operation: string;
  phase: AuditPhase;
  /** The action in the command's words: `maintain vacuum`, `incident ack`, `compliance attest`. */
  action: string;
  /** OS user, or `--by`. */
  by: string;
  host: string;
  environment: string | null;
  /** The command line after `nvcops`, secrets redacted. */
  args: string[];
  version: string;
  startedAt: string;
  endedAt?: string;
  outcome?: AuditOutcome;
  message?: string;
  /** Anything else the action wants on record (the plan, the incident id, evidence hashes). */
  details?: Record<string, unknown>;
}

/** An audit record as stored: `seq` counts from 1; `prev` is the previous record's `hash` (GENESIS for the first). */
export interface AuditRecord extends AuditEntry {
  seq: number;
  /** When the store wrote it. */
  at: string;
  prev: string;
  /** sha256 of the record's canonical JSON without `hash`. */
  hash: string;
}

export interface AuditFilter {
  since?: Date;
  until?: Date;
  /** Exact action, or a prefix ending in a space (`maintain ` matches every maintenance action). */
  action?: string;
  environment?: string;
}

export type TamperKind = 'edited' | 'removed' | 'reordered';

export interface VerifyResult {
  ok: boolean;
  /** Records read and checked. */
  count: number;
  /** The hash of the last good record (the value to anchor elsewhere). */
  head: string;
  /** The first bad record; absent when ok. */
  problem?: { seq: number; kind: TamperKind; message: string };
  /** A last line cut short by a crash mid-write: never acknowledged, so not part of the trail; dropped on the next write. */
  tornTail?: boolean;
  /** Said beside the verdict, not part of it: e.g. the store's role could rewrite the trail. */
  warnings?: string[];
}

/** One check run, as kept in the run history. */
export interface HistoryEntry {
  id: string;
  /** The run's start (report.startedAt). */
  at: string;
  by: string;
  host: string;
  command: string;
  environment: string | null;
  status: RunReport['status'];
  exitCode: number;
  /** The whole report, secrets redacted. */
  report: RunReport;
}

export interface HistoryFilter {
  command?: string;
  /** Runs that include this check id. */
  check?: string;
  /** One environment's runs; null: the runs made without an environment. */
  environment?: string | null;
  since?: Date;
  until?: Date;
  /** The newest N (after the other filters). */
  limit?: number;
}

/**
 * A record (incident, attestation, waiver) is a series of versions: every update appends version
 * n+1 and nothing is rewritten, so an incident's states over time stay readable as its timeline.
 */
export interface RecordVersion<T = Record<string, unknown>> {
  kind: string;
  id: string;
  /** 1 for the first put, then +1 per update. */
  version: number;
  at: string;
  by: string;
  data: T;
}

export interface PutOptions {
  by: string;
  /** Optimistic concurrency: the version the caller read; a different current version is a StateConflictError. 0 = must not exist yet. */
  expectedVersion?: number;
}

/** Who holds a run lock, as its holder wrote it. */
export type RunHolder = string;

export interface Store {
  /** Where the data lives, without credentials (a directory, or host:port/db). */
  readonly location: string;
  /**
   * Takes the lock of one run (`key`: command and environment) for as long as the run lasts, so that two
   * runs never write the same history at once; while another process has it, who that is. A holder that dies gives the lock up (its session ends, or its pid is gone).
   */
  tryRunLock(key: string): Promise<{ release(): Promise<void> } | { heldBy: RunHolder }>;
  readonly audit: {
    append(entry: AuditEntry): Promise<AuditRecord>;
    /** Oldest first. */
    list(filter?: AuditFilter): Promise<AuditRecord[]>;
    /** Checks every record and link, and that each witness (the store's own head, heads in kept reports, and `anchors`) still holds. */
    verify(anchors?: Witness[]): Promise<VerifyResult>;
    /** The head as the store keeps it (not verified); undefined when it is missing. */
    head(): Promise<ChainHead | undefined>;
  };
  readonly history: {
    append(entry: Omit<HistoryEntry, 'id'>): Promise<HistoryEntry>;
    /** Oldest first. */
    list(filter?: HistoryFilter): Promise<HistoryEntry[]>;
    /**
     * Removes one environment's runs (null: the runs made without one) that started before `before`;
     * returns how many. Other environments' runs in a shared store are theirs to prune, under their own
     * protection. The audit trail is never pruned.
     */
    prune(before: Date, environment: string | null): Promise<number>;
  };
  readonly records: {
    put<T extends Record<string, unknown>>(kind: string, id: string, data: T, opts: PutOptions): Promise<RecordVersion<T>>;
    /** The latest version, or undefined. */
    get<T extends Record<string, unknown>>(kind: string, id: string): Promise<RecordVersion<T> | undefined>;
    /** Every version, oldest first. */
    versions<T extends Record<string, unknown>>(kind: string, id: string): Promise<RecordVersion<T>[]>;
    /** The latest version of each record of a kind, oldest first by first creation. */
    list<T extends Record<string, unknown>>(kind: string): Promise<RecordVersion<T>[]>;
  };
  close(): Promise<void>;
}

/** Filters shared by both backends so they answer alike. */
export function matchesAudit(r: AuditRecord, f: AuditFilter): boolean {
  if (f.since && r.at < f.since.toISOString()) return false;
  if (f.until && r.at >= f.until.toISOString()) return false;
  if (f.environment !== undefined && r.environment !== f.environment) return false;
  if (f.action !== undefined && !(f.action.endsWith(' ') ? r.action.startsWith(f.action) : r.action === f.action)) return false;
  return true;
}

/** How many of the newest kept runs lend their reported head (`report.audit.head`) to verify as witnesses. */
export const REPORTED_HEADS = 50;

/** The heads kept runs reported: what the trail held when each ran. */
export function reportedHeads(entries: HistoryEntry[]): Witness[] {
  return entries.flatMap((e) => {
    const h = e.report?.audit?.head;
    // A kept report is data: only a well-formed head is a witness.
    return h && Number.isInteger(h.seq) && typeof h.hash === 'string' ? [{ seq: h.seq, hash: h.hash, source: `the report of \`${e.command}\` at ${e.at}` }] : [];
  });
}

/** Did a kept run judge anything? (Every check of a run with no target configured skips.) */
export const judgedSomething = (e: HistoryEntry): boolean => judgedAny(e.report.summary);

/** What a history filter looks at in a kept run: src/state/local.ts keeps these beside each line, so that it parses again only the lines asked for. */
export interface HistoryKeys {
  at: string;
  command: string;
  environment: string | null;
  /** Does the run include this check? */
  hasCheck(id: string): boolean;
}

export const historyKeys = (e: HistoryEntry): HistoryKeys => ({
  at: e.at, command: e.command, environment: e.environment, hasCheck: (id) => e.report.items.some((i) => i.results.some((r) => r.id === id)),
});

export function matchesHistoryKeys(e: HistoryKeys, f: HistoryFilter): boolean {
  if (f.command !== undefined && e.command !== f.command) return false;
  if (f.environment !== undefined && e.environment !== f.environment) return false;
  if (f.since && e.at < f.since.toISOString()) return false;
  if (f.until && e.at >= f.until.toISOString()) return false;
  if (f.check !== undefined && !e.hasCheck(f.check)) return false;
  return true;
}

export const matchesHistory = (e: HistoryEntry, f: HistoryFilter): boolean => matchesHistoryKeys(historyKeys(e), f);

export const newest = <T>(items: T[], limit?: number): T[] => (limit !== undefined ? items.slice(Math.max(0, items.length - limit)) : items);

/** Optimistic concurrency for record updates, the same for both backends. */
export function checkExpected(kind: string, id: string, current: number, expected?: number): void {
  if (expected === undefined || expected === current) return;
  throw new StateConflictError(
    current === 0
      ? `state: ${kind} ${id} does not exist (expected version ${expected})`
      : expected === 0
        ? `state: ${kind} ${id} already exists (version ${current})`
        : `state: ${kind} ${id} was changed by someone else (now version ${current}, you read version ${expected}); read it again and retry`,
  );
}
