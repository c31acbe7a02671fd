import { existsSync } from 'node:fs';
import { TargetError } from '../engine/errors.js';
import { maskSecretFields, maskSecrets } from '../engine/redact.js';
import { openRegular } from '../engine/files.js';

/** One log entry: its first line parsed, the undated lines under it appended to message and raw. */
export interface LogEntry {
  time?: Date;
  /** Lower-case: error, warn, info, fatal, log, … */
  level?: string;
  /** HTTP status when the line records a request. */
  status?: number;
  message: string;
  /** JSON or logfmt fields, when the line had them. */
  fields: Record<string, unknown>;
  raw: string;
  file: string;
}

/** What one log says about a time window: request and error counts, and the lines worth a closer look. */
export interface LogWindow {
  file: string;
  /** Files read, newest first (the current log, then `.1` when the window reaches back into it). */
  files: string[];
  since: Date;
  /** Entries in the window: a dated line with the undated lines under it (a multi-line statement, a stack trace). */
  lines: number;
  /** Lines that record an HTTP request (they carry a status). */
  requests: number;
  /** Requests answered 5xx or logged at error level. */
  failedRequests: number;
  /** Error-level lines that are not requests. */
  errorLines: number;
  /** Lines without a timestamp nvcops could read and no dated line above them, where the window may hold them: nvcops cannot place them. */
  undated: number;
  /** The oldest time seen: the window is fully covered when it is at or before `since`. */
  oldest?: Date;
  /** Warnings, errors, 4xx/5xx and lines that talk about authentication or privileges, secrets masked. */
  notable: LogEntry[];
}

const ERROR_LEVELS = new Set(['error', 'err', 'fatal', 'critical', 'crit', 'panic', 'alert', 'emerg', 'emergency', 'severe']);
const LEVEL_WORD = /\b(TRACE|DEBUG|INFO|NOTICE|LOG|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|PANIC|ALERT|EMERG|SEVERE)\b/;
const NOTABLE_TEXT = /auth|login|logon|password|credential|grant|revoke|role|privilege|permission|denied|forbidden|locked|lockout|unauthori[sz]ed|brute|sudo|acl/i;
const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
/** Bound on kept lines, so a log flooded with errors cannot exhaust memory. */
const MAX_NOTABLE = 50_000;

/**
 * Why a window holds no dated line, in words for a report (undefined when it holds some): nothing
 * nvcops could place in time, lines older than the window only, or an empty log. Each means the
 * window was not seen, never that it was quiet.
 */
export function noDatedLines(w: LogWindow): string | undefined {
  if (w.lines) return undefined;
  const undated = w.undated ? ` (${w.undated} line${w.undated === 1 ? '' : 's'} without one)` : '';
  if (!w.oldest && w.undated) return `no line had a timestamp nvcops could read${undated}`;
  if (w.oldest) return `no line in the window: every dated line is older than ${w.since.toISOString()}${w.undated ? `; ${w.undated} more without a readable time` : ''}`;
  return 'the log is empty: nothing was written to it (a quiet service, or one whose log goes elsewhere: nvcops cannot tell which)';
}

export const isErrorLevel = (level: string | undefined): boolean => level !== undefined && ERROR_LEVELS.has(level);

/**
 * The ISO 8601 form most logs write (2026-11-27T08:00:00.123Z, …+01:00): parseTime's general reading would
 * rebuild the very same string, so Date.parse can read it as it is. Fractions of other lengths than three
 * digits are kept too: Date.parse pads and cuts them to milliseconds just as the general reading does.
 */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

function parseTime(value: unknown): Date | undefined {
  if (typeof value === 'number') return new Date(value > 1e12 ? value : value * 1000);
  if (typeof value !== 'string') return undefined;
  if (ISO_TIME.test(value)) {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : new Date(t);
  }
  // 2024-05-01 12:00:00.123 UTC (PostgreSQL), 2024-05-01 12:00:00,123 (Python), ISO 8601
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}:?\d{2}|UTC|GMT)?/.exec(value.trim());
  if (!m) {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : new Date(t);
  }
  const frac = m[3] ? `.${m[3].slice(0, 3).padEnd(3, '0')}` : '';
  const zone = !m[4] ? '' : m[4] === 'UTC' || m[4] === 'GMT' ? 'Z' : m[4].length === 5 ? `${m[4].slice(0, 3)}:${m[4].slice(3)}` : m[4];
  const t = Date.parse(`${m[1]}T${m[2]}${frac}${zone}`);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** 10/Oct/2000:13:55:36 -0700 (Common Log Format). */
function parseClfTime(text: string): Date | undefined {
  const m = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  if (!m || MONTHS[m[2]!] === undefined) return undefined;
  const utc = Date.UTC(Number(m[3]), MONTHS[m[2]!]!, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  const offset = (Number(m[8]) * 60 + Number(m[9])) * (m[7] === '-' ? -1 : 1);
  return new Date(utc - offset * 60_000);
}

/** pino's numeric levels, and the usual words. */
function normaliseLevel(value: unknown): string | undefined {
  if (typeof value === 'number') return value >= 60 ? 'fatal' : value >= 50 ? 'error' : value >= 40 ? 'warn' : value >= 30 ? 'info' : 'debug';
  if (typeof value !== 'string' || !value) return undefined;
  const l = value.toLowerCase();
  return l === 'warning' ? 'warn' : l;
}

/** Field paths as key lists, split once: this runs for every line of a day's log. */
const paths = (...names: string[]) => names.map((n) => n.split('.'));
const TIME = paths('time', 'timestamp', '@timestamp', 'ts', 'date', 'datetime', 'eventTime');
const LEVEL = paths('level', 'severity', 'lvl', 'log.level', 'levelname', 'error_severity');
const STATUS = paths('status', 'status_code', 'statusCode', 'http.status', 'http.status_code', 'http.response.status_code', 'res.statusCode', 'response.status');
const MESSAGE = paths('msg', 'message', 'event', 'error.message');

// Indexed loops: for…of costs an iterator per loop until the function is optimised, and most lines of a log are read before it
// is. `o` is a parsed JSON object, so its first key needs no check.
const first = (o: Record<string, unknown>, candidates: string[][]): unknown => {
  for (let c = 0; c < candidates.length; c++) {
    const keys = candidates[c]!;
    let v = o[keys[0]!];
    for (let i = 1; i < keys.length; i++) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[keys[i]!] : undefined;
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
};

function statusOf(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 100 && n < 600 ? n : undefined;
}

function parseLogfmt(line: string): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  let n = 0;
  for (const m of line.matchAll(/(?<![\w.-])[\d.-]*([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    fields[m[1]!] = m[2]!.startsWith('"') ? m[2]!.slice(1, -1).replace(/\\"/g, '"') : m[2]!;
    n++;
  }
  return n >= 2 ? fields : undefined;
}

// RFC 5424: <165>1 2026-11-27T08:00:00.000Z host app 1234 ID47 [sd] message
const SYSLOG_5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]\\]|\\.)*\])+) ?(.*)$/;
// RFC 3164, as rsyslog and syslog-ng write files: [<PRI>]Nov 27 08:00:00 host app[1234]: message
const SYSLOG_BSD = /^(?:<(\d{1,3})>)?([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\S+) ([^\s:[]+)(?:\[(\d+)\])?: ?(.*)$/;
const SYSLOG_SEVERITY = ['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug'] as const;
const DAY_MS = 86_400_000;

/**
 * A syslog line: the header gives time, host, program and (with a priority) the level; the message
 * is read again as a line of its own, so JSON or logfmt sent through syslog keeps its fields. BSD
 * lines carry no year and no zone: the host's local time, in the year that puts the line no more
 * than a day after `now`.
 */
function parseSyslog(line: string, raw: string, file: string, now: Date): LogEntry | undefined {
  let pri: string | undefined;
  let time: Date | undefined;
  let host: string, app: string, pid: string | undefined, message: string;
  const r = SYSLOG_5424.exec(line);
  if (r) {
    [pri, time, host, app, pid, message] = [r[1], parseTime(r[2]), r[3]!, r[4]!, r[5] === '-' ? undefined : r[5], r[8]!];
  } else {
    const b = SYSLOG_BSD.exec(line);
    if (!b || MONTHS[b[2]!] === undefined) return undefined;
    pri = b[1];
    const at = (year: number) => new Date(year, MONTHS[b[2]!]!, Number(b[3]), Number(b[4]), Number(b[5]), Number(b[6]));
    time = at(now.getFullYear());
    if (time.getTime() > now.getTime() + DAY_MS) time = at(now.getFullYear() - 1);
    [host, app, pid, message] = [b[7]!, b[8]!, b[9], b[10]!];
  }
  const inner = parseLine(message, file, now);
  const severity = pri === undefined ? undefined : SYSLOG_SEVERITY[Number(pri) % 8];
  return {
    time: inner.time ?? time,
    level: inner.level ?? severity,
    status: inner.status,
    message: inner.message,
    fields: { host, app, ...(pid && { pid }), ...inner.fields },
    raw,
    file,
  };
}

/**
 * Reads one line in any of the formats an application log is usually written in: JSON lines
 * (pino, bunyan, logstash, zap), logfmt, Common/Combined Log Format, syslog (RFC 5424 and the BSD
 * format of rsyslog files), and text lines that start with a timestamp and a level (PostgreSQL,
 * Python logging, log4j). `now` places BSD syslog lines, which carry no year.
 */
export function parseLine(raw: string, file: string, now: Date = new Date()): LogEntry {
  const line = raw.trim();
  if (line.startsWith('{')) {
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      return {
        time: parseTime(first(o, TIME)),
        level: normaliseLevel(first(o, LEVEL)),
        status: statusOf(first(o, STATUS)),
        message: String(first(o, MESSAGE) ?? line),
        fields: o,
        raw,
        file,
      };
    } catch {
      // not JSON after all: read it as text
    }
  }
  if (line.startsWith('<') || /^[A-Z][a-z]{2} [ \d]\d /.test(line)) {
    const syslog = parseSyslog(line, raw, file, now);
    if (syslog) return syslog;
  }
  const clf = /^(\S+) \S+ (\S+) \[([^\]]+)\] "([^"]*)" (\d{3}) /.exec(line);
  if (clf) {
    return { time: parseClfTime(clf[3]!), status: statusOf(clf[5]), message: clf[4]!, fields: { client: clf[1], user: clf[2] }, raw, file };
  }
  const kv = parseLogfmt(line);
  if (kv && (kv.level || kv.time || kv.ts || kv.status || kv.msg)) {
    return {
      time: parseTime(kv.time ?? kv.ts ?? kv.timestamp),
      level: normaliseLevel(kv.level ?? kv.lvl ?? kv.severity),
      status: statusOf(kv.status ?? kv.status_code),
      message: kv.msg ?? kv.message ?? line,
      fields: kv,
      raw,
      file,
    };
  }
  const csv = PG_CSV.exec(line);
  if (csv) {
    const unquote = (f: string | undefined) => f?.slice(1, -1).replace(/""/g, '"');
    return { time: parseTime(csv[1]), level: normaliseLevel(csv[4]), message: line, fields: { user: unquote(csv[2]), database: unquote(csv[3]) }, raw, file };
  }
  const level = LEVEL_WORD.exec(line.slice(0, 200))?.[1];
  // Only a line that starts with a date has a time: Date.parse reads "    START WITH 1" as 2001-01-01.
  // Monolog and Laravel put the time in brackets: [2025-07-01 03:00:00] production.ERROR: …
  const time = /^\s/.test(raw) || !TEXT_DATE.test(line) ? undefined : parseTime(line.replace(/^\[/, ''));
  return { time, level: normaliseLevel(level), message: line, fields: {}, raw, file };
}

/** How a text line starts when it carries its own time (PostgreSQL's %m/%t, Python, log4j, Monolog). */
const TEXT_DATE = /^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
// PostgreSQL csvlog: time, "user", "database", pid, "host:port", session, line, "tag", session start, vxid, xid, severity, sqlstate, message…
const PG_CSV = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} [^,]*),("(?:[^"]|"")*")?,("(?:[^"]|"")*")?,\d*,[^,]*,[\w.]*,\d*,(?:"(?:[^"]|"")*")?,[^,]*,[^,]*,\d*,([A-Z]+\d?),[0-9A-Z]{5},/;

/** The most of one line that is read: the rest of a longer line (a 50 MB dump without a newline) is skipped, so memory stays bounded. */
export const MAX_LINE_BYTES = 1024 * 1024;

/**
 * A file from the end backwards, in blocks, so a day's window of a large log costs only that day. Each block's whole
 * lines are handed over as bytes, to be read from their end and decoded only where a line is not flat JSON (a newline
 * byte never falls inside a UTF-8 character, so a line decoded alone reads as it does in its file). The bytes handed
 * over are the reader's until it asks for the next block. A line longer than MAX_LINE_BYTES keeps its first
 * MAX_LINE_BYTES bytes, which hold its time and level. The next block is read while this one is read: a read waits on
 * the disk or the page cache, and the scan need not wait with it.
 */
async function* blocksBackwards(path: string): AsyncGenerator<Buffer> {
  const fh = await openRegular(path);
  let pending: Promise<unknown> | undefined;
  try {
    const { size } = await fh.stat();
    // Two buffers for the whole file, taken in turn: a block is read into one with the pending line end after it
    // (which then goes to `rest`) while the block before it in the file is read into the other.
    const bufs = [Buffer.allocUnsafe(BLOCK_BYTES + MAX_LINE_BYTES), Buffer.allocUnsafe(BLOCK_BYTES + MAX_LINE_BYTES)];
    const restBuf = Buffer.allocUnsafe(MAX_LINE_BYTES);
    let restLen = 0;
    let pos = size;
    let turn = 0;
    const readBefore = (end: number) => {
      const len = Math.min(BLOCK_BYTES, end);
      const read = fh.read(bufs[turn]!, 0, len, end - len);
      // Its failure is thrown where it is awaited, or dropped when the reader stopped before it (the window was read).
      read.catch(() => undefined);
      return read;
    };
    pending = pos > 0 ? readBefore(pos) : undefined;
    while (pending) {
      const data = bufs[turn]!;
      await pending;
      const len = Math.min(BLOCK_BYTES, pos);
      pos -= len;
      turn ^= 1;
      pending = pos > 0 ? readBefore(pos) : undefined;
      // The end of a line that starts in this block or before it; it holds no newline.
      restBuf.copy(data, len, 0, restLen);
      const filled = len + restLen;
      const first = data.subarray(0, filled).indexOf(10);
      if (first === -1) {
        // Still inside one line: keep only its first bytes.
        restLen = data.copy(restBuf, 0, 0, Math.min(filled, MAX_LINE_BYTES));
        continue;
      }
      // The last line is the one the pending end ended: cut where a line that long is cut.
      const last = restLen ? data.subarray(0, filled).lastIndexOf(10) : -1;
      const end = last !== -1 && filled - last - 1 > MAX_LINE_BYTES ? last + 1 + MAX_LINE_BYTES : filled;
      yield data.subarray(first + 1, end);
      restLen = data.copy(restBuf, 0, 0, first);
    }
    const rest = restBuf.subarray(0, restLen);
    if (rest.length) yield rest;
  } finally {
    // A read ahead still under way when the window ended is let finish before its file is closed.
    await pending?.catch(() => undefined);
    await fh.close();
  }
}

/** Bytes read at once from the end of a log. */
const BLOCK_BYTES = 1024 * 1024;

/**
 * The undated lines met so far, newest first, for the entry above them: the lines nearest that entry's first line are
 * kept up to MAX_LINE_BYTES and the rest counted, so a log of undated lines cannot exhaust memory.
 */
class Continuation {
  private kept: string[] = [];
  private from = 0;
  private bytes = 0;
  private dropped = 0;
  lines = 0;

  add(line: string): void {
    this.kept.push(line);
    this.bytes += line.length + 1;
    this.lines++;
    while (this.bytes > MAX_LINE_BYTES && this.from < this.kept.length - 1) {
      this.bytes -= this.kept[this.from++]!.length + 1;
      this.dropped++;
    }
    if (this.from > 1024 && this.from * 2 > this.kept.length) {
      this.kept = this.kept.slice(this.from);
      this.from = 0;
    }
  }

  /** The lines in file order (with a count of those left out), and a fresh start; '' when there were none. */
  take(): string {
    if (!this.lines) return '';
    const text = this.kept.slice(this.from).reverse().join('\n') + (this.dropped ? `\n… ${this.dropped} more lines of this entry left out` : '');
    this.kept = [];
    this.from = this.bytes = this.dropped = this.lines = 0;
    return text;
  }
}

/**
 * An entry's text with its secrets masked. In a JSON line a value's newlines are escaped (`PASSWORD\\n 'x'`), where
 * maskSecrets on the text would not see the statement: each string value is masked decoded and put back escaped, and a
 * line whose values cannot be put back so is written out again from its masked fields.
 */
export function maskEntry(raw: string): string {
  const masked = maskSecrets(raw);
  if (!raw.trimStart().startsWith('{')) return masked;
  let o: unknown;
  try {
    o = JSON.parse(raw.slice(0, raw.indexOf('\n') === -1 ? undefined : raw.indexOf('\n')));
  } catch {
    return masked;
  }
  let out = masked;
  const walk = (v: unknown): boolean => {
    if (typeof v === 'string') {
      const m = maskSecrets(v);
      if (m === v) return true;
      const [from, to] = [JSON.stringify(v).slice(1, -1), JSON.stringify(m).slice(1, -1)];
      if (!out.includes(from)) return false;
      out = out.split(from).join(to);
      return true;
    }
    if (v && typeof v === 'object') return Object.values(v).every(walk);
    return true;
  };
  return walk(o) ? out : JSON.stringify(maskSecretFields(o));
}

/** A time in milliseconds as a Date, undefined kept. */
const dateOf = (ms: number | undefined): Date | undefined => (ms === undefined ? undefined : new Date(ms));

/** How far past the window's start to keep reading, for lines written slightly out of order. */
const SLACK_MS = 5 * 60_000;

/**
 * A flat JSON line read without JSON.parse: an object on one line whose values are strings without escapes, numbers,
 * true, false or null (what pino, bunyan, winston and most request loggers write), separators `,` and `:` with at most
 * spaces after them. It gives what parseLine would read from the same line, and nothing else: every other line goes
 * to parseLine. Nested paths (log.level, http.status) cannot be in a flat object, so only top-level keys are looked for.
 * It reads the line's UTF-8 bytes, not decoded text: every byte that decides the line's shape is ASCII, a byte of a
 * multi-byte character is never one of them, and only the values asked for are decoded.
 */
const flatKeys = (list: string[][]) => list.filter((keys) => keys.length === 1).map((keys) => keys[0]!);
const FLAT_TIME = flatKeys(TIME);
const FLAT_LEVEL = flatKeys(LEVEL);
const FLAT_STATUS = flatKeys(STATUS);
const FLAT_MESSAGE = flatKeys(MESSAGE);
const FLAT_KEYS = [...FLAT_TIME, ...FLAT_LEVEL, ...FLAT_STATUS, ...FLAT_MESSAGE];
const idsOf = (names: string[]) => names.map((n) => FLAT_KEYS.indexOf(n));
const [TIME_IDS, LEVEL_IDS, STATUS_IDS, MESSAGE_IDS] = [idsOf(FLAT_TIME), idsOf(FLAT_LEVEL), idsOf(FLAT_STATUS), idsOf(FLAT_MESSAGE)];
/** A key's hash as read() computes it from the key's length, first and last byte, to pick the keys looked for out of the others cheaply. */
const hashOf = (length: number, first: number, last: number) => (length * 31 + first) * 31 + last;
const KEY_HASHES = FLAT_KEYS.map((k) => hashOf(k.length, k.charCodeAt(0), k.charCodeAt(k.length - 1)));
/** The keys as bytes (all ASCII), compared with a key whose hash matched. */
const KEY_BYTES = FLAT_KEYS.map((k) => Buffer.from(k, 'latin1'));
/** The keys by hash, open addressing: a key is looked up in one or two probes, not compared with each of the keys. */
const KEY_SLOTS = new Int16Array(256).fill(-1);
KEY_HASHES.forEach((h, id) => {
  let slot = h & 255;
  while (KEY_SLOTS[slot] !== -1) slot = (slot + 1) & 255;
  KEY_SLOTS[slot] = id;
});

/** Whether bytes[at, at + word.length) are word's bytes. */
function bytesAt(bytes: Uint8Array, at: number, word: Uint8Array): boolean {
  for (let k = 0; k < word.length; k++) if (bytes[at + k] !== word[k]) return false;
  return true;
}

const EMPTY = Buffer.alloc(0);

/** One flat line's values for the keys above, as positions in the bytes it was read from. */
class FlatLine {
  private bytes: Buffer = EMPTY;
  /** The same bytes, to read four at once. */
  private view: DataView = new DataView(EMPTY.buffer, EMPTY.byteOffset, 0);
  private readonly from = new Int32Array(FLAT_KEYS.length);
  private readonly to = new Int32Array(FLAT_KEYS.length);
  private readonly seen = new Int32Array(FLAT_KEYS.length);
  private generation = 0;

  /**
   * Reads bytes[a, b) (one line) as a flat object, a byte at a time (a call per token costs more than the loop over
   * its bytes); false when it is not one, and the line is then parseLine's.
   */
  read(bytes: Buffer, a: number, b: number): boolean {
    if (bytes[a] !== 123 || bytes[b - 1] !== 125) return false;
    if (bytes !== this.bytes) {
      this.bytes = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const g = ++this.generation;
    let i = a + 1;
    if (i === b - 1) return true;
    for (;;) {
      if (bytes[i] !== 34) return false;
      const keyStart = ++i;
      let c = bytes[i]!;
      // A string holds no raw control character and, here, no escape; past the line (a newline, or undefined past the
      // bytes) stops it. A byte of a multi-byte character is 128 or more: part of the string, as its character is.
      while (c !== 34) {
        if (!(c >= 32) || c === 92) return false;
        c = bytes[++i]!;
      }
      const keyEnd = i;
      const h = hashOf(keyEnd - keyStart, bytes[keyStart]!, bytes[keyEnd - 1]!);
      if (bytes[++i] !== 58) return false;
      c = bytes[++i]!;
      while (c === 32) c = bytes[++i]!;
      const v = i;
      if (c === 34) {
        c = bytes[++i]!;
        while (c !== 34) {
          if (!(c >= 32) || c === 92) return false;
          c = bytes[++i]!;
        }
        i++;
      } else {
        i = literalEnd(bytes, v, b);
        if (i === -1) return false;
      }
      for (let slot = h & 255, id = KEY_SLOTS[slot]!; id !== -1; slot = (slot + 1) & 255, id = KEY_SLOTS[slot]!) {
        // A repeated key: JSON.parse keeps the last value, and so does this.
        if (KEY_HASHES[id] === h && KEY_BYTES[id]!.length === keyEnd - keyStart && bytesAt(bytes, keyStart, KEY_BYTES[id]!)) {
          this.from[id] = v;
          this.to[id] = i;
          this.seen[id] = g;
          break;
        }
      }
      c = bytes[i]!;
      if (c === 125) return i === b - 1;
      if (c !== 44) return false;
      c = bytes[++i]!;
      while (c === 32) c = bytes[++i]!;
    }
  }

  /** The value of key `id` as JSON.parse gives it, or undefined when the line has no such key. */
  private value(id: number): unknown {
    if (this.seen[id] !== this.generation) return undefined;
    const v = this.from[id]!;
    const e = this.to[id]!;
    switch (this.bytes[v]) {
      case 34: return this.bytes.toString('utf8', v + 1, e - 1);
      case 116: return true;
      case 102: return false;
      case 110: return null;
      default: return numberAt(this.bytes, v, e);
    }
  }

  /** first(): the first of the keys whose value is neither null nor ''. */
  first(ids: number[]): unknown {
    for (let i = 0; i < ids.length; i++) {
      const v = this.value(ids[i]!);
      if (v !== undefined && v !== null && v !== '') return v;
    }
    return undefined;
  }

  /**
   * The line's time in milliseconds when it is written as Date#toISOString writes it (2026-11-27T08:00:00.123Z), read
   * digit by digit without making a Date; NaN when it is written otherwise (time() reads those).
   */
  isoMs(): number {
    for (let i = 0; i < TIME_IDS.length; i++) {
      const id = TIME_IDS[i]!;
      if (this.seen[id] !== this.generation) continue;
      const v = this.from[id]!;
      const e = this.to[id]!;
      const c = this.bytes[v];
      if (c === 110 || (c === 34 && e - v === 2)) continue;
      return c === 34 && e - v === 26 ? isoMs(this.bytes, this.view, v + 1) : NaN;
    }
    return NaN;
  }

  time(): Date | undefined {
    return parseTime(this.first(TIME_IDS));
  }

  /** The key first() would take its value from (the first whose value is neither null nor ''), or -1. */
  private firstId(ids: number[]): number {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (this.seen[id] !== this.generation) continue;
      const c = this.bytes[this.from[id]!];
      if (c === 110 || (c === 34 && this.to[id]! - this.from[id]! === 2)) continue;
      return id;
    }
    return -1;
  }

  // The last level, status and message read, by their bytes (a copy: the bytes read are the block's, read over by the
  // next one) and length (-1 before the first), and what they gave: most lines of a log repeat them.
  private readonly lastBytes = [new DataView(new ArrayBuffer(64)), new DataView(new ArrayBuffer(64)), new DataView(new ArrayBuffer(64))];
  private readonly lastLength = new Int32Array(3).fill(-1);
  private lastLevel: string | undefined;
  private lastStatus: number | undefined;
  private lastNotable = false;

  /** Whether key `id`'s value has the bytes `slot` kept from the last line read (compared four at a time); when not, the slot keeps these. */
  private repeats(slot: number, id: number): boolean {
    const v = this.from[id]!;
    const len = this.to[id]! - v;
    const view = this.view;
    let last = this.lastBytes[slot]!;
    if (len === this.lastLength[slot]) {
      let k = 0;
      while (k + 4 <= len && view.getInt32(v + k) === last.getInt32(k)) k += 4;
      while (k < len && view.getUint8(v + k) === last.getUint8(k)) k++;
      if (k === len) return true;
    }
    if (len > last.byteLength) last = this.lastBytes[slot] = new DataView(new ArrayBuffer(len));
    for (let k = 0; k < len; k++) last.setUint8(k, view.getUint8(v + k));
    this.lastLength[slot] = len;
    return false;
  }

  level(): string | undefined {
    const id = this.firstId(LEVEL_IDS);
    if (id === -1) return undefined;
    if (!this.repeats(0, id)) this.lastLevel = normaliseLevel(this.value(id));
    return this.lastLevel;
  }

  status(): number | undefined {
    const id = this.firstId(STATUS_IDS);
    if (id === -1) return undefined;
    if (!this.repeats(1, id)) this.lastStatus = statusOf(this.value(id));
    return this.lastStatus;
  }

  /** The message parseLine would give, undefined when the line names none (parseLine then takes the line itself). */
  message(): string | undefined {
    const m = this.first(MESSAGE_IDS);
    return m === undefined ? undefined : String(m);
  }

  /** Whether the message parseLine would give (the line itself when it names none) talks about access. */
  notableText(a: number, b: number): boolean {
    const id = this.firstId(MESSAGE_IDS);
    if (id === -1) return NOTABLE_TEXT.test(this.bytes.toString('utf8', a, b));
    if (!this.repeats(2, id)) this.lastNotable = NOTABLE_TEXT.test(String(this.value(id)));
    return this.lastNotable;
  }
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const [TRUE, FALSE, NULL] = ['true', 'false', 'null'].map((w) => Buffer.from(w, 'latin1')) as [Buffer, Buffer, Buffer];

/** Where a number, true, false or null that starts at `v` ends (at the `,` or `}` after it), or -1 when it is not one. */
function literalEnd(bytes: Uint8Array, v: number, b: number): number {
  let c = bytes[v]!;
  if (c === 116) return bytesAt(bytes, v, TRUE) ? v + 4 : -1;
  if (c === 102) return bytesAt(bytes, v, FALSE) ? v + 5 : -1;
  if (c === 110) return bytesAt(bytes, v, NULL) ? v + 4 : -1;
  // -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
  let i = v;
  if (c === 45) c = bytes[++i]!;
  if (c === 48) c = bytes[++i]!;
  else if (isDigit(c)) while (isDigit(c)) c = bytes[++i]!;
  else return -1;
  if (c === 46) {
    c = bytes[++i]!;
    if (!isDigit(c)) return -1;
    while (isDigit(c)) c = bytes[++i]!;
  }
  if ((c | 32) === 101) {
    c = bytes[++i]!;
    if (c === 43 || c === 45) c = bytes[++i]!;
    if (!isDigit(c)) return -1;
    while (isDigit(c)) c = bytes[++i]!;
  }
  return i < b ? i : -1;
}

/**
 * The number literalEnd found at bytes[v, e), as JSON.parse reads it: up to 15 digits are an integer read digit by digit
 * (exact, as Number reads it), anything else is read by Number.
 */
function numberAt(bytes: Buffer, v: number, e: number): number {
  if (e - v > 15) return Number(bytes.toString('latin1', v, e));
  let x = 0;
  for (let i = v; i < e; i++) {
    const d = bytes[i]! - 48;
    if (!(d >= 0 && d <= 9)) return Number(bytes.toString('latin1', v, e));
    x = x * 10 + d;
  }
  return x;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number written by the `len` digits at `at`, or -1 when one of them is not a digit. */
function digitsAt(bytes: Uint8Array, at: number, len: number): number {
  let x = 0;
  for (let k = 0; k < len; k++) {
    const d = bytes[at + k]! - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    x = x * 10 + d;
  }
  return x;
}

/**
 * bytes[at, at+24) as YYYY-MM-DDTHH:MM:SS.mmmZ naming a real day and time, in milliseconds as Date.parse reads it; NaN
 * for anything else (Date.parse rolls 02-30 over into March, and Date.UTC reads years below 100 as 19xx: those are left
 * to parseTime).
 */
function isoMs(bytes: Uint8Array, view: DataView, at: number): number {
  if (bytes[at + 16] !== 58 || bytes[at + 19] !== 46 || bytes[at + 23] !== 90) return NaN;
  const second = digitsAt(bytes, at + 17, 2);
  const ms = digitsAt(bytes, at + 20, 3);
  if (second < 0 || second > 59 || ms < 0) return NaN;
  // Most lines fall in the minute of the line before: its 16 bytes compared four at a time.
  const m = isoMinute.words;
  if (view.getInt32(at) !== m[0] || view.getInt32(at + 4) !== m[1] || view.getInt32(at + 8) !== m[2] || view.getInt32(at + 12) !== m[3]) {
    if (bytes[at + 4] !== 45 || bytes[at + 7] !== 45 || bytes[at + 10] !== 84 || bytes[at + 13] !== 58) return NaN;
    const year = digitsAt(bytes, at, 4);
    const month = digitsAt(bytes, at + 5, 2);
    const day = digitsAt(bytes, at + 8, 2);
    const hour = digitsAt(bytes, at + 11, 2);
    const minute = digitsAt(bytes, at + 14, 2);
    if (year < 100 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return NaN;
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return NaN;
    isoMinute.ms = Date.UTC(year, month - 1, day, hour, minute);
    for (let k = 0; k < 4; k++) m[k] = view.getInt32(at + 4 * k);
  }
  return isoMinute.ms + second * 1000 + ms;
}

/**
 * The last minute isoMs read, as written (YYYY-MM-DDTHH:MM, as four 32-bit words; zeros before the first, which no time
 * starts with) and in milliseconds.
 */
const isoMinute = { words: new Int32Array(4), ms: NaN };

const single = new FlatLine();

/**
 * What parseLine reads of a line that decides whether and how it is shown (time, level, status, message), without
 * JSON.parse and without a Date per line where the line is flat JSON; parseLine itself for every other line. The line
 * is read as its UTF-8 bytes, which give it back unless it holds a lone surrogate (text that was never UTF-8).
 */
export function readLine(raw: string, file: string, now?: Date): Pick<LogEntry, 'time' | 'level' | 'status' | 'message' | 'raw'> {
  const bytes = Buffer.from(raw, 'utf8');
  // As many bytes as characters: all ASCII. Otherwise the bytes are read only when they decode back to the line.
  if ((bytes.length !== raw.length && bytes.toString('utf8') !== raw) || !single.read(bytes, 0, bytes.length)) return parseLine(raw, file, now);
  const t = single.isoMs();
  return { time: t === t ? new Date(t) : single.time(), level: single.level(), status: single.status(), message: single.message() ?? raw, raw };
}

/** Log files for one run, each window read once however many checks ask. */
export class LogsProbe {
  private readonly memo = new Map<string, Promise<LogWindow>>();

  /** The last `spanMs` of a log up to `now`; every check asking for the same span in one run shares the first reading. */
  window(file: string, spanMs: number, now: Date): Promise<LogWindow> {
    const key = `${file}\u0000${spanMs}`;
    let w = this.memo.get(key);
    if (!w) {
      w = readWindow(file, new Date(now.getTime() - spanMs), now);
      this.memo.set(key, w);
    }
    return w;
  }
}

/**
 * One pass over the window, from the end of the log back to the line before it: each line is decided on what decides
 * it (time, status, level, whether its message talks about access), read as a flat JSON line where it is one, and
 * only the lines kept are decoded, parsed whole and masked.
 */
export async function readWindow(file: string, since: Date, now: Date): Promise<LogWindow> {
  const w: LogWindow = { file, files: [], since, lines: 0, requests: 0, failedRequests: 0, errorLines: 0, undated: 0, notable: [] };
  const start = since.getTime();
  const stopAt = start - SLACK_MS;
  // The oldest time read, kept as `!oldest || t < oldest` kept it (a first NaN, from a number too large for a Date, stays);
  // read by no closure, whose numbers are kept boxed: a new box each line the oldest moves back.
  let oldest: number | undefined;
  const flat = new FlatLine();
  let ends = new Int32Array(4096);
  // Lines without a time of their own continue the entry above them (a multi-line statement, a stack trace), across
  // the rotation too: the top of the current log may continue the last entry of `.1`. They never end the scan.
  const continuation = new Continuation();
  // The current log, then the one rotated before it (logrotate's .1) while the window reaches back.
  for (const path of [file, `${file}.1`]) {
    if (path !== file) {
      const o = dateOf(oldest);
      if (!existsSync(path) || (o && o <= since)) break;
    }
    w.files.push(path);
    try {
      reading: for await (const bytes of blocksBackwards(path)) {
        // The newlines found going forward (indexOf is the fast one), the lines then read from the last.
        let n = 0;
        for (let p = bytes.indexOf(10); p !== -1; p = bytes.indexOf(10, p + 1)) {
          if (n === ends.length) {
            const grown = new Int32Array(n * 2);
            grown.set(ends);
            ends = grown;
          }
          ends[n++] = p;
        }
        for (let k = n; k >= 0; k--) {
          const a = k === 0 ? 0 : ends[k - 1]! + 1;
          const lineEnd = k === n ? bytes.length : ends[k]!;
          if (a === lineEnd) continue;
          const isFlat = flat.read(bytes, a, lineEnd);
          // Any other line is decoded, and read as parseLine reads it.
          let raw: string | undefined;
          let e: LogEntry | undefined;
          // NaN: no time; a line with a time that is no date (a number too large for one) carries NaN too, and is dated.
          let t = NaN;
          let dated: boolean;
          if (isFlat) {
            t = flat.isoMs();
            dated = t === t;
            if (!dated) {
              const time = flat.time();
              dated = time !== undefined;
              if (time !== undefined) t = time.getTime();
            }
          } else {
            raw = bytes.toString('utf8', a, lineEnd);
            if (!raw.trim()) continue;
            e = parseLine(raw, file, now);
            dated = e.time !== undefined;
            if (dated) t = e.time!.getTime();
          }
          if (!dated) {
            continuation.add(raw ?? bytes.toString('utf8', a, lineEnd));
            continue;
          }
          const rest = continuation.take();
          if (oldest === undefined || t < oldest) oldest = t;
          if (t < stopAt) break reading;
          if (t < start) continue;
          w.lines++;
          const level = e ? e.level : flat.level();
          const status = e ? e.status : flat.status();
          const error = isErrorLevel(level);
          if (status !== undefined) {
            w.requests++;
            if (status >= 500 || error) w.failedRequests++;
          } else if (error) w.errorLines++;
          if (w.notable.length >= MAX_NOTABLE) continue;
          const notable = error || level === 'warn' || level === 'fatal' || (status ?? 0) >= 400
            || (e ? NOTABLE_TEXT.test(e.message) : flat.notableText(a, lineEnd))
            || (rest !== '' && NOTABLE_TEXT.test(rest));
          if (!notable) continue;
          // Kept: read whole, the undated lines under it appended, masked whole. Only kept entries are masked: the
          // others are counted and dropped, and a day of log is read on every run.
          const kept = e ?? parseLine(bytes.toString('utf8', a, lineEnd), file, now);
          if (rest) {
            kept.message = `${kept.message}\n${rest}`;
            kept.raw = `${kept.raw}\n${rest}`;
          }
          w.notable.push({ ...kept, message: maskSecrets(kept.message), raw: maskEntry(kept.raw), fields: maskSecretFields(kept.fields) as LogEntry['fields'] });
        }
      }
    } catch (e) {
      if (e instanceof TargetError) throw e;
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT') throw new TargetError(`${path}: no such file`);
      if (err.code === 'EACCES') throw new TargetError(`${path}: permission denied: nvcops runs as a user that may not read it`);
      throw new TargetError(`${path}: ${err.message}`);
    }
  }
  w.oldest = dateOf(oldest);
  // Undated lines above every dated one: in the window unless the entry below them is older than it.
  if (!w.oldest || w.oldest.getTime() >= start) w.undated = continuation.lines;
  w.notable.reverse();
  return w;
}
