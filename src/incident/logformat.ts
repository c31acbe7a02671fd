/** Log levels, most severe first; every format's words map onto these. */
export const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type Level = (typeof LEVELS)[number];

export interface LogRecord {
  time?: Date;
  level?: Level;
  message: string;
}

const WORDS: Record<string, Level> = {
  fatal: 'fatal', panic: 'fatal', emerg: 'fatal', emergency: 'fatal', alert: 'fatal', critical: 'fatal', crit: 'fatal',
  error: 'error', err: 'error', severe: 'error',
  warn: 'warn', warning: 'warn',
  info: 'info', notice: 'info', log: 'info', information: 'info',
  debug: 'debug', fine: 'debug', trace: 'trace',
};

/** pino/bunyan numeric levels. */
const NUMERIC: [number, Level][] = [[60, 'fatal'], [50, 'error'], [40, 'warn'], [30, 'info'], [20, 'debug'], [0, 'trace']];

export const levelRank = (l: Level): number => LEVELS.indexOf(l);

function levelOf(v: unknown): Level | undefined {
  if (typeof v === 'number') return NUMERIC.find(([n]) => v >= n)?.[1];
  if (typeof v === 'string') return WORDS[v.toLowerCase()];
  return undefined;
}

function timeOf(v: unknown): Date | undefined {
  if (typeof v === 'number') return new Date(v < 1e11 ? v * 1000 : v);
  if (typeof v === 'string') {
    const ms = Date.parse(v.replace(' ', 'T'));
    return Number.isNaN(ms) ? undefined : new Date(ms);
  }
  return undefined;
}

const pick = (o: Record<string, unknown>, keys: string[]) => keys.map((k) => o[k]).find((v) => v !== undefined && v !== null);

function fromJson(line: string): LogRecord | undefined {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!o || typeof o !== 'object') return undefined;
  const nested = (o.log && typeof o.log === 'object' ? (o.log as Record<string, unknown>) : {});
  const status = Number(pick(o, ['status', 'statusCode', 'status_code']));
  let level = levelOf(pick(o, ['level', 'severity', 'lvl', 'levelname', 'log.level']) ?? nested.level);
  if (!level && status >= 100) level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
  const err = o.err && typeof o.err === 'object' ? (o.err as Record<string, unknown>).message : undefined;
  const message = String(pick(o, ['message', 'msg', 'error']) ?? err ?? (status ? `${pick(o, ['method']) ?? ''} ${pick(o, ['path', 'url']) ?? ''} ${status}`.trim() : line));
  return { time: timeOf(pick(o, ['timestamp', 'time', 'ts', '@timestamp', 'datetime', 'date'])), level, message };
}

const ISO_PREFIX = /^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:\s?(?:Z|UTC|GMT)|[+-]\d{2}:?\d{2})?)\]?\s*(.*)$/;
const LEVEL_WORD = /(?:^|[\s[.(<|])(FATAL|PANIC|EMERG|ALERT|CRITICAL|CRIT|SEVERE|ERROR|ERR|WARNING|WARN|NOTICE|INFO|LOG|DEBUG|TRACE)(?=[\]\s:|)>]|$)/i;
const SYSLOG = /^([A-Z][a-z]{2}\s+\d{1,2} \d{2}:\d{2}:\d{2}) (\S+) ([^:]+): (.*)$/;
const ACCESS = /^(\S+) \S+ \S+ \[(\d{2})\/(\w{3})\/(\d{4}):(\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2})\] "([^"]*)" (\d{3}) /;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The level word near the start of a text line (`ERROR`, `[warn]`, `production.ERROR:`) and the rest as the message. */
function splitLevel(rest: string): { level?: Level; message: string } {
  const m = LEVEL_WORD.exec(rest.slice(0, 60));
  if (!m) return { message: rest };
  const after = rest.slice(m.index + m[0].length).replace(/^[\]\s:|)>-]+/, '');
  return { level: levelOf(m[1]!), message: after || rest };
}

function isoTime(text: string): Date | undefined {
  const t = text.replace(',', '.').replace(' ', 'T').replace(/\s?(UTC|GMT)$/, 'Z');
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/**
 * One line of an application log: JSON lines (pino, bunyan, logstash, Winston), text lines that
 * start with an ISO-like time (log4j, Python logging, Monolog, PostgreSQL), syslog, and the
 * common/combined access-log format (5xx = error, 4xx = warn). `year` completes syslog times.
 */
export function parseLogLine(line: string, now: Date = new Date()): LogRecord {
  if (line.startsWith('{')) {
    const r = fromJson(line);
    if (r) return r;
  }
  const iso = ISO_PREFIX.exec(line);
  if (iso) return { time: isoTime(iso[1]!), ...splitLevel(iso[2]!) };
  const access = ACCESS.exec(line);
  if (access) {
    const [, , day, mon, year, hms, tzh, tzm, request, status] = access;
    const time = new Date(`${year}-${String(MONTHS.indexOf(mon!) + 1).padStart(2, '0')}-${day}T${hms}${tzh}:${tzm}`);
    const code = Number(status);
    return { time, level: code >= 500 ? 'error' : code >= 400 ? 'warn' : 'info', message: `"${request}" ${status}` };
  }
  const sys = SYSLOG.exec(line);
  if (sys) {
    let time = new Date(`${sys[1]} ${now.getFullYear()}`);
    if (time > now) time = new Date(`${sys[1]} ${now.getFullYear() - 1}`);
    return { time: Number.isNaN(time.getTime()) ? undefined : time, ...splitLevel(sys[4]!) };
  }
  return { message: line };
}
