/**
 * The local store: append-only JSON Lines files in one directory (see docs/state-and-audit.md).
 *
 *   audit.jsonl           the hash-chained audit trail, one record a line, never rewritten
 *   audit.head            {seq, hash, at} of the last record, written when the store is created, so records cut off the end are noticed
 *   history/YYYY-MM.jsonl run reports by the month they started (prune drops or rewrites whole months)
 *   records.jsonl         record versions (incidents, attestations, waivers), one version a line
 *   lock                  the single-writer lock (O_EXCL create), held for one append
 *
 * Every write is one write(2) of whole lines on an O_APPEND descriptor, under the lock, then fsync
 * (a history line's after the lock, one fsync shared by the lines written while another ran: syncFile);
 * a write's promise resolves once it is on disk.
 * A crash mid-write can leave only a last line without its newline: readers ignore it, and the next
 * writer cuts it off before appending, so no torn record ever becomes part of the trail.
 */
import { randomUUID } from 'node:crypto';
import {
  closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, readSync,
  renameSync, unlinkSync, writeSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { StateError } from '../engine/errors.js';
import { EMPTY_HEAD, headMissing, seal, verifyChain, type Unreadable } from './chain.js';
import {
  checkExpected, matchesAudit, matchesHistoryKeys, REPORTED_HEADS, reportedHeads,
  type AuditEntry, type AuditFilter, type AuditRecord, type HistoryEntry, type HistoryFilter, type HistoryKeys, type PutOptions, type RecordVersion, type Store,
  type ChainHead, type VerifyResult, type Witness,
} from './store.js';
import { tryHold, withLock } from './lock.js';

/** Turns a file-system failure into one line that names the file. */
function io<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof StateError) throw e;
    throw new StateError(`state: cannot ${what}: ${(e as Error).message}`);
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
}

/** The offset just past the last newline (0 when none): where a torn last line starts. */
function endOfLastLine(fd: number, size: number): number {
  const chunk = Buffer.alloc(64 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const nl = chunk.subarray(0, n).lastIndexOf(10);
    if (nl >= 0) return start + nl + 1;
    end = start;
  }
  return 0;
}

/** The last complete line of an open file (after any torn tail was cut). */
function lastLine(fd: number, size: number): string | undefined {
  if (size === 0) return undefined;
  const start = endOfLastLine(fd, size - 1);
  return readBytes(fd, start, size - 1 - start).toString('utf8');
}

/**
 * Appends whole lines to `path` (created if absent) and fsyncs; `before` sees the file (torn tail
 * already cut) and returns the lines to write. The caller holds the lock. `sync: 'later'` leaves the
 * file's fsync to the caller (syncFile, after the lock), unless the file is new.
 */
function append(path: string, before: (fd: number, size: number) => string[], sync: 'now' | 'later' = 'now'): void {
  const fd = openSync(path, 'a+', 0o600);
  try {
    let size = fstatSync(fd).size;
    const whole = endOfLastLine(fd, size);
    if (whole < size) {
      ftruncateSync(fd, whole);
      size = whole;
    }
    const lines = before(fd, size);
    writeAll(fd, Buffer.from(lines.map((l) => `${l}\n`).join('')));
    if (sync === 'now' || size === 0) fsyncSync(fd);
    if (size === 0) fsyncDir(join(path, '..'));
  } finally {
    closeSync(fd);
  }
}

/** The fsync of a file under way, and the one that follows it for writes made while it ran. */
interface Syncing {
  running?: Promise<void>;
  next?: Promise<void>;
}
const syncing = new Map<string, Syncing>();

/**
 * Resolves once everything written to `path` before the call is on disk. The fsync runs off the main
 * thread, and writes that come while one runs share the next one: a fleet's environments, each waiting
 * for its own run to be kept, cost a few fsyncs between them instead of one each that stops every other
 * environment's work while the disk answers.
 */
function syncFile(path: string): Promise<void> {
  let s = syncing.get(path);
  if (!s) syncing.set(path, (s = {}));
  const state = s;
  const start = (): Promise<void> => {
    const run = (async () => {
      const file = await open(path, 'r');
      try {
        await file.sync();
      } finally {
        await file.close();
      }
    })().catch((e: Error) => {
      throw new StateError(`state: cannot sync ${path}: ${e.message}`);
    }).finally(() => {
      if (state.running === run) state.running = undefined;
    });
    state.running = run;
    return run;
  };
  // One under way may have started before this write: the next one, shared by every write made meanwhile, covers it.
  if (!state.running) return start();
  const after = () => {
    state.next = undefined;
    return state.running ? syncFile(path) : start();
  };
  return (state.next ??= state.running.then(after, after));
}

/** Complete lines of a file; a last line without its newline (a write cut short) is left out. */
function readLines(path: string): { lines: string[]; torn: boolean } {
  if (!existsSync(path)) return { lines: [], torn: false };
  const text = readFileSync(path, 'utf8');
  const parts = text.split('\n');
  const tail = parts.pop();
  return { lines: parts.filter((l) => l !== ''), torn: tail !== '' && tail !== undefined };
}

/** The records of a JSON Lines file; `unreadable` says what becomes of a complete line that does not parse (default: left out). */
function parseLines<T>(path: string, unreadable: (line: number) => T[] = () => []): T[] {
  return readLines(path).lines.flatMap((l, i) => {
    try {
      return [JSON.parse(l) as T];
    } catch {
      return unreadable(i + 1);
    }
  });
}

/** Writes a file whole: temp, fsync, rename (or, with `onlyIfAbsent`, link: a file already there is kept), fsync the directory. */
function replaceFile(path: string, text: string, onlyIfAbsent = false): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeAll(fd, Buffer.from(text));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (onlyIfAbsent) {
    try {
      linkSync(tmp, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      unlinkSync(tmp);
    }
  } else renameSync(tmp, path);
  fsyncDir(join(path, '..'));
}

const monthOf = (iso: string) => iso.slice(0, 7);

const REPORT_KEY = Buffer.from(',"report":');

/** A kept run as a history filter sees it, and its line, parsed again for each caller that gets it (callers never share an object). */
interface KeptRun extends HistoryKeys {
  /** The line's bytes, decoded only when it is parsed whole. */
  line: Buffer;
  /** The entry parsed, held for the first caller that gets it (a command that reads once parses once); undefined once taken. */
  parsed?: HistoryEntry;
  /** The ids of the checks the run has, read from the whole line when a filter first asks (none when the line does not parse). */
  checks?: ReadonlySet<string>;
}

/** The line parsed whole; undefined when it does not parse (a line damaged in the middle of the file is left out, as before). */
function parseRun(line: Buffer): HistoryEntry | undefined {
  try {
    return JSON.parse(line.toString('utf8')) as HistoryEntry;
  } catch {
    return undefined;
  }
}

/**
 * A history line as a filter sees it. The fields a filter reads come before the report in the line
 * (recordRun writes them so), and JSON escapes every quote inside a string: the line up to its first
 * `,"report":` is those fields, parsed without the report (and the rest of the line is not even decoded: a
 * month of runs is megabytes). A line written otherwise is parsed whole.
 */
function keptRun(line: Buffer): KeptRun | undefined {
  const cut = line.indexOf(REPORT_KEY);
  let keys: Partial<HistoryEntry> | undefined;
  try {
    keys = cut > 0 ? (JSON.parse(`${line.toString('utf8', 0, cut)}}`) as Partial<HistoryEntry>) : undefined;
  } catch {
    keys = undefined;
  }
  let parsed: HistoryEntry | undefined;
  if (typeof keys?.at !== 'string' || typeof keys.command !== 'string') {
    parsed = parseRun(line);
    if (!parsed) return undefined;
    keys = parsed;
  }
  const run: KeptRun = {
    at: keys.at!, command: keys.command!, environment: keys.environment!, line, parsed,
    hasCheck: (id) => {
      if (!run.checks) {
        const entry = run.parsed ?? parseRun(line);
        if (entry && !run.parsed) run.parsed = entry;
        run.checks = new Set(entry?.report?.items?.flatMap((i) => i.results.map((r) => r.id)) ?? []);
      }
      return run.checks.has(id);
    },
  };
  return run;
}

/** What this process has read of one month's history file (by inode): its complete lines up to `end`, the bytes of the last of them as `last`. */
interface MonthRead {
  dev: number;
  ino: number;
  end: number;
  last: Buffer;
  runs: KeptRun[];
}

/**
 * The month files this process has read, by path. A history file only grows by whole lines under the lock
 * (a torn tail past the last newline is cut before the next append), and prune replaces it whole (rename or
 * unlink: another inode); so a later read of a file still on the same inode, no shorter, and with the same
 * bytes where its last read line was, parses only what was appended since. A fleet's environments, and the
 * checks of one run that each ask the history, then parse a month once between them instead of once each.
 */
const monthReads = new Map<string, MonthRead>();

function readBytes(fd: number, at: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  for (let off = 0; off < length; ) {
    const n = readSync(fd, buf, off, length - off, at + off);
    if (n === 0) return buf.subarray(0, off);
    off += n;
  }
  return buf;
}

/** The kept runs of one month's file, oldest first; a line that does not parse is left out, as is a last line without its newline. */
function readMonth(path: string): KeptRun[] {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    monthReads.delete(path);
    return [];
  }
  try {
    const { dev, ino, size } = fstatSync(fd);
    let read = monthReads.get(path);
    if (read && (read.dev !== dev || read.ino !== ino || size < read.end || !readBytes(fd, read.end - read.last.length, read.last.length).equals(read.last))) read = undefined;
    read ??= { dev, ino, end: 0, last: Buffer.alloc(0), runs: [] };
    if (size > read.end) {
      const fresh = readBytes(fd, read.end, size - read.end);
      const whole = fresh.lastIndexOf(10) + 1;
      if (whole > 0) {
        // Line by line on the bytes: a newline byte is never part of a UTF-8 sequence.
        for (let start = 0; start < whole; ) {
          const end = fresh.indexOf(10, start);
          const run = end === start ? undefined : keptRun(fresh.subarray(start, end));
          if (run) read.runs.push(run);
          start = end + 1;
        }
        const lastStart = fresh.lastIndexOf(10, whole - 2) + 1;
        read.last = Buffer.from(fresh.subarray(lastStart, whole));
        read.end += whole;
      }
    }
    monthReads.set(path, read);
    return read.runs;
  } finally {
    closeSync(fd);
  }
}

/** A kept run's entry of its own to the caller: the one parsed already, once, then a fresh parse. */
function entryOf(run: KeptRun): HistoryEntry | undefined {
  const { parsed } = run;
  run.parsed = undefined;
  return parsed ?? parseRun(run.line);
}

export class LocalStore implements Store {
  private readonly auditFile: string;
  private readonly headFile: string;
  private readonly historyDir: string;
  private readonly recordsFile: string;
  private readonly lockFile: string;

  constructor(readonly location: string) {
    this.auditFile = join(location, 'audit.jsonl');
    this.headFile = join(location, 'audit.head');
    this.historyDir = join(location, 'history');
    this.recordsFile = join(location, 'records.jsonl');
    this.lockFile = join(location, 'lock');
  }

  /**
   * Creates the directory (private to the user: the trail names people and hosts) and, in a store
   * never used, the empty head: from then on a missing head is a finding, never a fresh start.
   */
  static open(dir: string): LocalStore {
    io(`create the state directory ${dir}`, () => mkdirSync(join(dir, 'history'), { recursive: true, mode: 0o700 }));
    const store = new LocalStore(dir);
    io(`create ${store.headFile}`, () => {
      if (!existsSync(store.headFile) && store.neverAudited()) replaceFile(store.headFile, JSON.stringify(EMPTY_HEAD), true);
    });
    return store;
  }

  /**
   * No trail, no records, and no kept report that saw a head: a new store, or one nvcops wrote before
   * it kept the head from creation and that never audited anything (its reports carry no `audit`).
   */
  private neverAudited(): boolean {
    if (existsSync(this.auditFile) || existsSync(this.recordsFile)) return false;
    return this.historyFiles().every((f) => parseLines<HistoryEntry>(join(this.historyDir, f)).every((e) => e.report?.audit === undefined));
  }

  private locked<T>(what: string, fn: () => T): Promise<T> {
    return withLock(this.lockFile, () => io(what, fn));
  }

  /**
   * The head kept beside the trail; undefined when missing. A head that is there but holds no
   * {seq, hash} is 'unreadable': it is written whole (temp + rename), so that is an edit, and read
   * as absent it would hide records cut off the end.
   */
  private readAnchor(): ChainHead | 'unreadable' | undefined {
    if (!existsSync(this.headFile)) return undefined;
    try {
      const h = JSON.parse(readFileSync(this.headFile, 'utf8')) as ChainHead;
      return Number.isInteger(h?.seq) && typeof h.hash === 'string' ? h : 'unreadable';
    } catch {
      return 'unreadable';
    }
  }

  readonly audit = {
    append: (entry: AuditEntry): Promise<AuditRecord> =>
      this.locked(`append to ${this.auditFile}`, () => {
        let record!: AuditRecord;
        append(this.auditFile, (fd, size) => {
          const line = lastLine(fd, size);
          let head = EMPTY_HEAD;
          if (line !== undefined) {
            try {
              const last = JSON.parse(line) as AuditRecord;
              head = { seq: last.seq, hash: last.hash };
            } catch {
              throw new StateError(`state: the last record of ${this.auditFile} is unreadable; run \`nvcops audit verify\``);
            }
          }
          // Chain on from the kept head when records were cut off the end, so the gap stays visible to verify.
          const anchor = this.readAnchor();
          if (anchor === undefined) throw new StateError(`state: ${this.headFile} is missing, so records cut off the end cannot be ruled out; run \`nvcops audit verify\``);
          if (anchor === 'unreadable') throw new StateError(`state: ${this.headFile} is unreadable; run \`nvcops audit verify\``);
          if (anchor.seq > head.seq) head = anchor;
          record = seal(entry, head);
          return [JSON.stringify(record)];
        });
        replaceFile(this.headFile, JSON.stringify({ seq: record.seq, hash: record.hash, at: record.at }));
        return record;
      }),

    list: async (filter: AuditFilter = {}): Promise<AuditRecord[]> =>
      io(`read ${this.auditFile}`, () => parseLines<AuditRecord>(this.auditFile).filter((r) => matchesAudit(r, filter))),

    head: async (): Promise<ChainHead | undefined> => {
      const head = io(`read ${this.headFile}`, () => this.readAnchor());
      if (head === 'unreadable') throw new StateError(`state: ${this.headFile} is unreadable; run \`nvcops audit verify\``);
      return head;
    },

    verify: async (anchors: Witness[] = []): Promise<VerifyResult> => {
      const reported = reportedHeads(await this.history.list({ limit: REPORTED_HEADS }));
      return io(`read ${this.auditFile}`, () => {
        const { lines, torn } = readLines(this.auditFile);
        const records = lines.map((l, i): AuditRecord | Unreadable => {
          try {
            return JSON.parse(l) as AuditRecord;
          } catch {
            return { unreadable: true, position: i + 1 };
          }
        });
        const anchor = this.readAnchor();
        const own = anchor && anchor !== 'unreadable' ? [{ ...anchor, source: "the trail's head" }] : [];
        let result = verifyChain(records, [...own, ...reported, ...anchors]);
        if (anchor === undefined) result = headMissing(result, `the trail's head ${this.headFile}`);
        if (anchor === 'unreadable' && result.ok) {
          result = { ...result, ok: false, problem: { seq: result.count + 1, kind: 'edited', message: `the trail's head ${this.headFile} is not readable, so records cut off the end cannot be ruled out` } };
        }
        return torn ? { ...result, tornTail: true } : result;
      });
    },
  };

  private historyFiles(since?: Date): string[] {
    const files = io(`read ${this.historyDir}`, () => (existsSync(this.historyDir) ? readdirSync(this.historyDir) : []));
    const from = since ? `${monthOf(since.toISOString())}.jsonl` : '';
    return files.filter((f) => /^\d{4}-\d{2}\.jsonl$/.test(f) && f >= from).sort();
  }

  readonly history = {
    // The line is written under the lock and made durable after it (syncFile): kept once the promise resolves.
    append: async (entry: Omit<HistoryEntry, 'id'>): Promise<HistoryEntry> => {
      const path = join(this.historyDir, `${monthOf(entry.at)}.jsonl`);
      const full = await this.locked(`append to ${this.historyDir}`, () => {
        const kept: HistoryEntry = { id: randomUUID(), ...entry };
        append(path, () => [JSON.stringify(kept)], 'later');
        return kept;
      });
      await syncFile(path);
      return full;
    },

    list: async (filter: HistoryFilter = {}): Promise<HistoryEntry[]> => {
      // Each month's file holds the runs that started in it: newest month first, and no further back
      // than `limit` needs (the last run of a command must not read years of history). Within a month the
      // runs are judged newest first and only until `limit` are found: a filter on a check parses each run
      // it judges whole, and the last run with that check must not parse every run of the month.
      const { limit } = filter;
      const entries: HistoryEntry[] = [];
      let matched = 0;
      for (const f of this.historyFiles(filter.since).reverse()) {
        // By start, oldest first; the sort is stable, so runs that started at the same time keep the file's order.
        const runs = [...io(`read ${f}`, () => readMonth(join(this.historyDir, f)))].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
        // The newest `limit` that parse.
        for (let i = runs.length - 1; i >= 0 && (limit === undefined || entries.length < limit); i--) {
          if (!matchesHistoryKeys(runs[i]!, filter)) continue;
          matched++;
          const entry = entryOf(runs[i]!);
          if (entry) entries.push(entry);
        }
        if (limit !== undefined && matched >= limit) break;
      }
      return entries.reverse();
    },

    prune: (before: Date, environment: string | null): Promise<number> =>
      this.locked(`prune ${this.historyDir}`, () => {
        const cut = before.toISOString();
        let removed = 0;
        for (const f of this.historyFiles()) {
          const path = join(this.historyDir, f);
          if (f.slice(0, 7) > monthOf(cut)) continue;
          const lines = readLines(path).lines;
          const kept = lines.filter((l) => {
            try {
              const e = JSON.parse(l) as HistoryEntry;
              return e.at >= cut || (e.environment ?? null) !== environment;
            } catch {
              return true;
            }
          });
          removed += lines.length - kept.length;
          if (kept.length === 0) unlinkSync(path);
          else if (kept.length < lines.length) replaceFile(path, kept.map((l) => `${l}\n`).join(''));
        }
        return removed;
      }),
  };

  private allVersions(): RecordVersion[] {
    // A version left out would show an incident in an older state, and the next update would reuse its number.
    return io(`read ${this.recordsFile}`, () => parseLines<RecordVersion>(this.recordsFile, (line) => {
      throw new StateError(`state: line ${line} of ${this.recordsFile} is not a readable record (damaged or edited by hand); restore the file from a copy, or remove that line knowingly`);
    }));
  }

  readonly records = {
    put: <T extends Record<string, unknown>>(kind: string, id: string, data: T, opts: PutOptions): Promise<RecordVersion<T>> =>
      this.locked(`append to ${this.recordsFile}`, () => {
        const current = this.allVersions().filter((v) => v.kind === kind && v.id === id).reduce((n, v) => Math.max(n, v.version), 0);
        checkExpected(kind, id, current, opts.expectedVersion);
        const version: RecordVersion<T> = { kind, id, version: current + 1, at: new Date().toISOString(), by: opts.by, data };
        append(this.recordsFile, () => [JSON.stringify(version)]);
        return version;
      }),

    get: async <T extends Record<string, unknown>>(kind: string, id: string): Promise<RecordVersion<T> | undefined> =>
      (await this.records.versions<T>(kind, id)).at(-1),

    versions: async <T extends Record<string, unknown>>(kind: string, id: string): Promise<RecordVersion<T>[]> =>
      this.allVersions().filter((v) => v.kind === kind && v.id === id).sort((a, b) => a.version - b.version) as RecordVersion<T>[],

    list: async <T extends Record<string, unknown>>(kind: string): Promise<RecordVersion<T>[]> => {
      const latest = new Map<string, RecordVersion>();
      for (const v of this.allVersions()) {
        if (v.kind !== kind) continue;
        const had = latest.get(v.id);
        if (!had || v.version > had.version) latest.set(v.id, v);
      }
      return [...latest.values()] as RecordVersion<T>[];
    },
  };

  async tryRunLock(key: string): Promise<{ release(): Promise<void> } | { heldBy: string }> {
    const dir = join(this.location, 'runs');
    io(`create ${dir}`, () => mkdirSync(dir, { recursive: true, mode: 0o700 }));
    return io(`lock ${dir}`, () => tryHold(join(dir, `${encodeURIComponent(key)}.lock`)));
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }
}
