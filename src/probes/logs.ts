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
 * Lines of a file from the end backwards, in chunks, so a day's window of a large log costs only that
 * day. Each chunk's whole lines are decoded at once and handed over together, newest first (a newline
 * byte never falls inside a UTF-8 character, so this reads the same as decoding line by line).
 */
async function* linesBackwards(path: string): AsyncGenerator<string[]> {
  const fh = await openRegular(path);
  try {
    const { size } = await fh.stat();
    const chunk = 256 * 1024;
    let pos = size;
    let rest = Buffer.alloc(0);
    while (pos > 0) {
      const len = Math.min(chunk, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, pos);
      const data = Buffer.concat([buf, rest]);
      // The bytes before the first newline may be the end of a line that starts in the previous chunk.
      const first = data.indexOf(10);
      if (first === -1) {
        // Still inside one line: keep only its first bytes, which hold its time and level.
        rest = data.length > MAX_LINE_BYTES ? data.subarray(0, MAX_LINE_BYTES) : data;
        continue;
      }
      rest = data.subarray(0, first);
      yield data.toString('utf8', first + 1).split('\n').reverse().filter((line) => line.trim());
    }
    if (rest.length && rest.toString('utf8').trim()) yield [rest.toString('utf8')];
  } finally {
    await fh.close();
  }
}

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

/** How far past the window's start to keep reading, for lines written slightly out of order. */
const SLACK_MS = 5 * 60_000;

/** Log files for one run, each window read once however many checks ask. */
export class LogsProbe {
  private readonly memo = new Map<string, Promise<LogWindow>>();

  /** The last `spanMs` of a log up to `now`; every check asking for the same span in one run shares the first reading. */
  window(file: string, spanMs: number, now: Date): Promise<LogWindow> {
    const key = `${file}\u0000${spanMs}`;
    let w = this.memo.get(key);
    if (!w) {
      w = this.read(file, new Date(now.getTime() - spanMs), now);
      this.memo.set(key, w);
    }
    return w;
  }

  private async read(file: string, since: Date, now: Date): Promise<LogWindow> {
    const w: LogWindow = { file, files: [], since, lines: 0, requests: 0, failedRequests: 0, errorLines: 0, undated: 0, notable: [] };
    const start = since.getTime();
    const stopAt = start - SLACK_MS;
    // Lines without a time of their own continue the entry above them (a multi-line statement, a stack trace), across
    // the rotation too: the top of the current log may continue the last entry of `.1`. They never end the scan.
    const continuation = new Continuation();
    // The current log, then the one rotated before it (logrotate's .1) while the window reaches back.
    for (const path of [file, `${file}.1`]) {
      if (path !== file && (!existsSync(path) || (w.oldest && w.oldest <= since))) break;
      w.files.push(path);
      try {
        reading: for await (const lines of linesBackwards(path)) for (const raw of lines) {
          const e = parseLine(raw, file, now);
          if (!e.time) {
            continuation.add(raw);
            continue;
          }
          const rest = continuation.take();
          if (rest) {
            e.message = `${e.message}\n${rest}`;
            e.raw = `${e.raw}\n${rest}`;
          }
          // Times compared as numbers: `<` on two Dates converts both through Symbol.toPrimitive, on every line.
          const t = e.time.getTime();
          if (!w.oldest || t < w.oldest.getTime()) w.oldest = e.time;
          if (t < stopAt) break reading;
          if (t < start) continue;
          w.lines++;
          const error = isErrorLevel(e.level);
          if (e.status !== undefined) {
            w.requests++;
            if (e.status >= 500 || error) w.failedRequests++;
          } else if (error) w.errorLines++;
          if (w.notable.length < MAX_NOTABLE && (error || e.level === 'warn' || e.level === 'fatal' || (e.status ?? 0) >= 400 || NOTABLE_TEXT.test(e.message))) {
            // Only kept entries are masked, each whole: the others are counted and dropped, and a day of log is read on every run.
            w.notable.push({ ...e, message: maskSecrets(e.message), raw: maskEntry(e.raw), fields: maskSecretFields(e.fields) as LogEntry['fields'] });
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
    // Undated lines above every dated one: in the window unless the entry below them is older than it.
    if ((!w.oldest || w.oldest.getTime() >= start)) w.undated = continuation.lines;
    w.notable.reverse();
    return w;
  }
}
