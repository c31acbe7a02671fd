import { readdir, stat, type FileHandle } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { basename, dirname, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { maskSecrets } from '../engine/redact.js';
import { openRegular, refuseNotRegular } from '../engine/files.js';
import { MAX_LINE_BYTES, maskEntry, readLine } from './logs.js';

/** Levels, most severe first; every format's words and HTTP statuses map onto these. */
export const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type Level = (typeof LEVELS)[number];

export interface LogRecord {
  time?: Date;
  level?: Level;
  /** The message without the line's own time and level, for fingerprinting. */
  message: string;
}

const WORDS: Record<string, Level> = {
  fatal: 'fatal', panic: 'fatal', emerg: 'fatal', emergency: 'fatal', alert: 'fatal',
  critical: 'error', crit: 'error', error: 'error', err: 'error', severe: 'error',
  warn: 'warn', info: 'info', notice: 'info', log: 'info', debug: 'debug', trace: 'trace',
};
const TEXT_PREFIX = /^\[?\d{4}-\d{2}-\d{2}[T ][\d:.,]+\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?\]?\s*(?:\[?(?:\w+\.)?(?:TRACE|DEBUG|INFO|NOTICE|LOG|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL|CRIT|PANIC|ALERT|EMERG|SEVERE)\]?:?\s+)?/;

export const levelRank = (l: Level): number => LEVELS.indexOf(l);

/** One line through the health checks' log parser (src/probes/logs.ts); a request without a level is an error at 5xx and a warning at 4xx. */
export function parseLogLine(line: string): LogRecord {
  const e = readLine(line, '');
  const status = e.status;
  const level = e.level ? WORDS[e.level] : status === undefined ? undefined : status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
  const message = e.raw === e.message || line.trim() === e.message ? e.message.replace(TEXT_PREFIX, '') : e.message;
  return { time: e.time, level, message: status === undefined ? message : `${message} ${status}` };
}

/** Below this a log is read from the start; above it `--since` binary-searches for the first line in the window. */
const SEEK_MIN_BYTES = 1024 * 1024;
const PROBE_BYTES = 64 * 1024;

export interface LogQuery {
  since: Date;
  /** The least severe level counted (warn counts warn, error and fatal). */
  level: Level;
  grep?: RegExp;
}

export interface FileRead {
  path: string;
  size: number;
  /** Bytes actually read (compressed bytes for .gz): far below size when --since seeked. */
  bytesRead: number;
  /** Where reading started. */
  startOffset: number;
  seeked: boolean;
  lines: number;
}

export interface Group {
  fingerprint: string;
  level: Level;
  count: number;
  firstSeen: string | null;
  lastSeen: string | null;
  sample: string;
}

export interface LogSummary {
  files: FileRead[];
  groups: Group[];
  matched: number;
  /** The current file as far as it was read, so --follow picks up exactly there. */
  current?: { path: string; offset: number; ino: number };
}

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const IP = /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g;
const HEX = /\b(?:0x[0-9a-f]+|(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{6,})\b/gi;
const NUMBER = /\d+(?:\.\d+)?/g;

/** The shape of a message with its variable parts normalised, so one error repeated with different ids groups together. */
export function fingerprint(message: string): string {
  return message.replace(UUID, '<uuid>').replace(IP, '<ip>').replace(HEX, '<hex>').replace(NUMBER, '<n>').replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** The rotated siblings of a log (application.log.1, .2.gz, application.log-20250701.gz), oldest first. */
async function rotatedFiles(path: string): Promise<{ path: string; mtimeMs: number }[]> {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const rotated = names.filter((n) => n !== base && (n.startsWith(`${base}.`) || n.startsWith(`${base}-`)));
  const withTimes = await Promise.all(rotated.map(async (n) => ({ path: join(dir, n), mtimeMs: (await stat(join(dir, n))).mtimeMs })));
  return withTimes.sort((a, b) => a.mtimeMs - b.mtimeMs);
}

/** The time of the first timestamped line that starts after `offset`, and where that line starts. */
async function timeAfter(fh: FileHandle, offset: number, size: number): Promise<{ time: Date; at: number } | undefined> {
  const buf = Buffer.alloc(Math.min(PROBE_BYTES, size - offset));
  const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
  const text = buf.subarray(0, bytesRead).toString('utf8');
  let pos = offset === 0 ? 0 : text.indexOf('\n') + 1;
  if (offset !== 0 && pos === 0) return undefined;
  while (pos < text.length) {
    const end = text.indexOf('\n', pos);
    if (end < 0) return undefined;
    const rec = parseLogLine(text.slice(pos, end));
    if (rec.time) return { time: rec.time, at: offset + Buffer.byteLength(text.slice(0, pos)) };
    pos = end + 1;
  }
  return undefined;
}

/**
 * Binary search by byte offset for the first line at or after `since`, reading a few 64 kB probes
 * instead of the whole file. Assumes the log is written in time order, as appenders do.
 */
async function seekTo(path: string, since: Date): Promise<{ offset: number; bytesRead: number }> {
  const fh = await openRegular(path);
  try {
    const { size } = await fh.stat();
    let lo = 0;
    let hi = size;
    let bytesRead = 0;
    while (hi - lo > PROBE_BYTES) {
      const mid = Math.floor((lo + hi) / 2);
      const t = await timeAfter(fh, mid, size);
      bytesRead += Math.min(PROBE_BYTES, size - mid);
      if (!t || t.time >= since) hi = mid;
      else lo = t.at;
    }
    return { offset: lo, bytesRead };
  } finally {
    await fh.close();
  }
}

/**
 * Lines of a stream split at each newline (a trailing CR dropped), with the bytes each took; a line
 * longer than MAX_LINE_BYTES is cut there and the rest skipped, so memory stays bounded.
 */
async function* splitLines(input: AsyncIterable<Buffer>): AsyncGenerator<{ line: string; bytes: number }> {
  let parts: Buffer[] = [];
  let kept = 0;
  let bytes = 0;
  const line = () => Buffer.concat(parts).toString('utf8').replace(/\r$/, '');
  for await (const chunk of input) {
    for (let from = 0; ;) {
      const nl = chunk.indexOf(10, from);
      const end = nl === -1 ? chunk.length : nl;
      const take = Math.min(end - from, MAX_LINE_BYTES - kept);
      if (take > 0) { parts.push(chunk.subarray(from, from + take)); kept += take; }
      bytes += end - from;
      if (nl === -1) break;
      yield { line: line(), bytes: bytes + 1 };
      parts = []; kept = 0; bytes = 0; from = nl + 1;
    }
  }
  if (bytes) yield { line: line(), bytes };
}

/** Streams records of one file from `start` (a line boundary), with the bytes it consumed and each line's length in the file. */
export async function* records(path: string, start: number, counter: { bytes: number }): AsyncGenerator<{ line: string; bytes: number; rec: LogRecord }> {
  // Loaded here, not with the module: every check run loads this module (the compliance checks use it), few read logs with it.
  const { createGunzip } = await import('node:zlib');
  const raw = (await openRegular(path)).createReadStream({ start });
  raw.on('data', (chunk) => { counter.bytes += chunk.length; });
  const input = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  try {
    for await (const { line, bytes } of splitLines(input)) yield { line, bytes, rec: parseLogLine(line) };
  } finally {
    raw.destroy();
  }
}

/**
 * A line at or above the level, with its secrets masked before --grep, the fingerprint or the output see it (a grep for
 * a password must not confirm it is there), or undefined. Lines below the level are dropped unmasked: a log is mostly those.
 */
export function shownLine(rec: LogRecord, line: string, q: Pick<LogQuery, 'level' | 'grep'>): { line: string; message: string } | undefined {
  if (rec.level === undefined || levelRank(rec.level) > levelRank(q.level)) return undefined;
  const masked = maskEntry(line);
  return !q.grep || q.grep.test(masked) ? { line: masked, message: maskSecrets(rec.message) } : undefined;
}

/** One file of a window: where its lines start (sought in a large plain file), the bytes seeking read, and its stat. */
export interface WindowFile {
  path: string;
  size: number;
  ino: number;
  start: number;
  seekBytes: number;
}

/**
 * The files a window from `since` spans: the rotated files last written at or after it (a file last
 * written before holds nothing of it), oldest first, then the log itself — unless it is missing
 * because it was just rotated away.
 */
export async function windowFiles(path: string, since: Date): Promise<WindowFile[]> {
  const candidates = [...(await rotatedFiles(path)).filter((f) => f.mtimeMs >= since.getTime()).map((f) => f.path), path];
  const files: WindowFile[] = [];
  for (const file of candidates) {
    let st;
    try {
      st = await stat(file);
      refuseNotRegular(file, st);
    } catch (e) {
      if (!(e as NodeJS.ErrnoException).code) throw e;
      if (file === path && (e as NodeJS.ErrnoException).code === 'ENOENT' && files.length) continue;
      throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    const sought = !file.endsWith('.gz') && st.size >= SEEK_MIN_BYTES ? await seekTo(file, since) : { offset: 0, bytesRead: 0 };
    files.push({ path: file, size: st.size, ino: st.ino, start: sought.offset, seekBytes: sought.bytesRead });
  }
  return files;
}

/** Errors and warnings of the window grouped by fingerprint, from rotated files that reach into it and the current file. */
export async function summarizeLogs(path: string, q: LogQuery): Promise<LogSummary> {
  const groups = new Map<string, Group>();
  const files: FileRead[] = [];
  let matched = 0;
  let current: LogSummary['current'];
  for (const file of await windowFiles(path, q.since)) {
    const counter = { bytes: file.seekBytes };
    let lines = 0;
    let end = file.start;
    // An entry is a dated line and the undated lines under it (a stack trace, a multi-line statement), bounded like a line.
    let entry: { rec: LogRecord; text: string } | undefined;
    const flush = () => {
      if (!entry || (entry.rec.time && entry.rec.time < q.since)) return;
      const { rec, text } = entry;
      const shown = shownLine(rec, text, q);
      if (!shown) return;
      matched++;
      const fp = fingerprint(shown.message);
      const key = `${rec.level}\u0000${fp}`;
      const at = rec.time?.toISOString() ?? null;
      const g = groups.get(key);
      if (!g) groups.set(key, { fingerprint: fp, level: rec.level!, count: 1, firstSeen: at, lastSeen: at, sample: shown.line.slice(0, 500) });
      else {
        g.count++;
        if (at && (!g.firstSeen || at < g.firstSeen)) g.firstSeen = at;
        if (at && (!g.lastSeen || at > g.lastSeen)) g.lastSeen = at;
      }
    };
    for await (const { line, bytes, rec } of records(file.path, file.start, counter)) {
      lines++;
      end += bytes;
      if (!rec.time && entry) {
        // Appended as a rope and cut only once past the bound: cutting on every line would copy the entry each time.
        if (entry.text.length < MAX_LINE_BYTES) {
          entry.text += `\n${line}`;
          if (entry.text.length > MAX_LINE_BYTES) entry.text = entry.text.slice(0, MAX_LINE_BYTES);
        }
        continue;
      }
      flush();
      entry = { rec, text: line };
    }
    flush();
    files.push({ path: file.path, size: file.size, bytesRead: counter.bytes, startOffset: file.start, seeked: file.start > 0, lines });
    if (file.path === path) current = { path, offset: Math.min(end, file.size), ino: file.ino };
  }
  const sorted = [...groups.values()].sort((a, b) => levelRank(a.level) - levelRank(b.level) || b.count - a.count);
  return { files, groups: sorted, matched, current };
}

// Node's own abortable timer removes its abort listener when it fires: one left per poll piled up on the signal.
const sleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined);

/**
 * tail -F: prints lines appended from `offset` on, and when the log is rotated (renamed and a new
 * file created) finishes the old file before switching to the new one; a truncated file is read
 * again from the start. Polls, because inotify does not follow a rename on every filesystem.
 */
export async function followLog(path: string, from: { offset: number; ino: number } | undefined, onLine: (line: string) => void, signal: AbortSignal, pollMs = 200): Promise<void> {
  let fh: FileHandle | undefined;
  let ino = from?.ino;
  let pos = from?.offset ?? 0;
  let partial = '';
  let decoder = new StringDecoder('utf8');
  const buf = Buffer.alloc(64 * 1024);
  const drain = async () => {
    if (!fh) return;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return;
      pos += bytesRead;
      const text = partial + decoder.write(buf.subarray(0, bytesRead));
      const parts = text.split('\n');
      partial = parts.pop()!;
      for (const l of parts) onLine(l);
    }
  };
  try {
    while (!signal.aborted) {
      if (!fh) {
        fh = await openRegular(path).catch(() => undefined);
        if (fh) {
          const st = await fh.stat();
          // Another file than the one summarised (or none was): read the new one from its start.
          if (st.ino !== ino) pos = 0;
          ino = st.ino;
        }
      }
      await drain();
      const st = await stat(path).catch(() => undefined);
      if (st && st.ino !== ino) {
        // Rotated: what the writer put in the old file before the rename is still ours to print.
        await drain();
        if (partial) { onLine(partial); partial = ''; }
        decoder = new StringDecoder('utf8');
        await fh?.close();
        fh = undefined;
        continue;
      }
      if (st && fh && st.size < pos) { pos = 0; partial = ''; decoder = new StringDecoder('utf8'); }
      await sleep(pollMs, signal);
    }
  } finally {
    await fh?.close();
  }
}

/** The log files of a review period for a check: each window's files found once per run, their lines streamed. */
export class LogFilesProbe {
  private readonly windows = new Map<string, Promise<WindowFile[]>>();

  /** `windowFiles(path, since)`, once per log and start. */
  files(path: string, since: Date): Promise<WindowFile[]> {
    const key = `${path}\u0000${since.toISOString()}`;
    let files = this.windows.get(key);
    if (!files) this.windows.set(key, (files = windowFiles(path, since)));
    return files;
  }

  /** The records of one file of a window from where it starts, streamed (read again by each asking: a scan keeps none of them). */
  records(file: WindowFile): AsyncGenerator<{ line: string; bytes: number; rec: LogRecord }> {
    return records(file.path, file.start, { bytes: 0 });
  }
}
