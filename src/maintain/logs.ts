/**
 * `maintain logs --rotate` (rotate_logs.sh): rotate the configured logs by size or age, gzip them,
 * keep N, and never follow a link out of the log directory.
 *
 * Two strategies, as logrotate has them:
 * - `rename` (with `reopen`): the file is renamed to `<name>.1`, a new empty file takes its place,
 *   the writer is signalled to reopen, and `<name>.1` is compressed only once no process holds it
 *   open (read from /proc/<pid>/fd). No line is lost.
 * - `copytruncate` (default without `reopen`): the file is copied into `<name>.1.gz` and truncated
 *   in place, for writers that cannot reopen. Lines written between the last copy and the
 *   truncation are lost (one short gap at the rotation point); writers must open with O_APPEND.
 *
 * Re-running after an interruption finishes the job: whenever an uncompressed `<name>.1` is left
 * (a writer that did not reopen, a run cut short), the plan has a step that compresses it once no
 * process holds it open, before anything else. `<name>.1` is never replaced: the live file is not
 * rotated while it is there (the plan says why), and the rename itself refuses an existing one.
 * A rotation whose writer still holds `<name>.1` after the wait is a failed step, not a success.
 */
import { constants, createReadStream, createWriteStream, existsSync, fstatSync, linkSync, lstatSync, readdirSync, readFileSync, readlinkSync, readSync, realpathSync, renameSync, statSync, unlinkSync, openSync, closeSync, fchownSync, truncateSync, type BigIntStats, type Stats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { PlanRefused, StepFailure, type ActionPlan, type ActionStep } from '../engine/action.js';
import type { Config } from '../engine/config/index.js';
import { ConfigError, UsageError } from '../engine/errors.js';
import { formatValue, parseDuration, parseSize } from '../engine/units.js';
import type { PlanContext } from '../app/act.js';

// Debian's /etc/logrotate.conf: weekly, rotate 4.
const DEFAULT_MAX_AGE = '7d';
const DEFAULT_KEEP = 4;
/** How long a writer gets to reopen its log after the signal before the old file is left for the next run. */
const REOPEN_WAIT_MS = 10_000;

type LogConfig = NonNullable<NonNullable<Config['maintenance']>['logs']>[number];

/** Gzips `src` (bytes `start`..`end`) into `out`; appending makes a second gzip member, which gunzip reads as one stream. */
async function gzip(src: string, out: string, range: { start?: number; end?: number } = {}, flags = 'w'): Promise<void> {
  await pipeline(createReadStream(src, range), createGzip(), createWriteStream(out, { flags, mode: 0o640 }));
}

/** Compresses a whole file through a temp name, so a half-written archive never has the final name. */
async function archive(src: string, dst: string): Promise<void> {
  await gzip(src, `${dst}.tmp`);
  renameSync(`${dst}.tmp`, dst);
}

/** `<name>.1.gz … <name>.<keep-1>.gz` move up one; the ones that would go past `keep` are removed. */
function shift(file: string, keep: number): void {
  const dir = dirname(file);
  const base = basename(file);
  const numbered = readdirSync(dir)
    .map((f) => ({ f, n: f.startsWith(`${base}.`) && f.endsWith('.gz') ? Number(f.slice(base.length + 1, -3)) : NaN }))
    .filter((x) => Number.isInteger(x.n) && x.n > 0)
    .sort((a, b) => b.n - a.n);
  for (const { f, n } of numbered) {
    if (n >= keep) unlinkSync(join(dir, f));
    else renameSync(join(dir, f), join(dir, `${base}.${n + 1}.gz`));
  }
}

/**
 * The processes that hold `path` open (Linux /proc; elsewhere assume none). Matched by device and
 * inode, not by name: /proc names an open file by the path it was opened under, which after the
 * link-and-unlink of a rotation reads `<name> (deleted)`.
 */
function holders(path: string): number[] {
  const pids: number[] = [];
  if (!existsSync('/proc/self/fd')) return pids;
  let target: BigIntStats;
  try {
    target = statSync(path, { bigint: true });
  } catch {
    return pids;
  }
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const st = statSync(`/proc/${pid}/fd/${fd}`, { bigint: true });
        if (st.ino === target.ino && st.dev === target.dev) {
          pids.push(Number(pid));
          break;
        }
      } catch {
        // closed meanwhile
      }
    }
  }
  return pids;
}

const byProcesses = (pids: number[]) => `process${pids.length === 1 ? '' : 'es'} ${pids.join(', ')}`;

/** Compresses an uncompressed `<name>.1` an earlier rotation left into `<name>.1.gz` (the older archives move up first). */
function finishStep(file: string, keep: number, size: number, held: number[]): ActionStep {
  const first = `${file}.1`;
  return {
    title: `finish ${first} (compress, keep ${keep})`,
    details: [`left uncompressed by an earlier rotation; ${formatValue(size, 'bytes')}; ${held.length
      ? `still held open by ${byProcesses(held)}: compressed only once no process holds it`
      : 'no process holds it open'}`],
    async run() {
      if (!existsSync(first)) return `${first} is gone already: nothing to finish`;
      const pids = holders(first);
      if (pids.length) {
        throw new StepFailure(
          `${first} is still held open by ${byProcesses(pids)} (it did not reopen ${file}): not compressed, and ${file} is not rotated until it is; make the writer reopen its log (check reopen.signal) or restart it, then run again`,
          { file: first, pids },
        );
      }
      shift(file, keep);
      await archive(first, `${first}.gz`);
      unlinkSync(first);
      return `compressed into ${first}.gz`;
    },
  };
}

/** A process's state letter and parent from /proc/<pid>/stat; undefined when there is no such process. */
function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2, the command name in parentheses, may hold spaces and ')': the fields after it follow the last ')'.
    const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: state!, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

/** nvcops and every process it runs under (its shell, sshd, init): never the writer of a log. */
function selfAndAncestors(): Set<number> {
  const seen = new Set<number>();
  for (let pid = process.pid; pid > 0 && !seen.has(pid); pid = procStat(pid)?.ppid ?? 0) seen.add(pid);
  return seen;
}

/** Linux's highest possible pid_max. */
const PID_MAX = 4_194_304;

/**
 * The writer `reopen.pidFile` names, checked before anything is rotated: kill() takes 0 (nvcops'
 * own process group) and -1 (every process it may signal) as well as a pid. Only a live process
 * that is not nvcops or its ancestors, and that runs as the user owning the pid file (a daemon
 * writes its own), is signalled.
 */
function reopenPid(pidFile: string): number {
  const refuse = (why: string) => new PlanRefused(`maintenance.logs[].reopen.pidFile ${pidFile}: ${why}`);
  if (!existsSync('/proc/self/stat')) throw refuse('the writer cannot be checked without /proc: not signalled');
  let fd: number;
  try {
    // Non-blocking: a FIFO put there would otherwise hold the run forever.
    fd = openSync(pidFile, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw refuse(`cannot be read (${(e as NodeJS.ErrnoException).code})`);
  }
  let text: string;
  let owner: number;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw refuse('not a regular file');
    const buf = Buffer.alloc(32);
    text = buf.subarray(0, readSync(fd, buf)).toString('utf8').trim();
    if (st.size > buf.length) text = `${text}…`;
    owner = st.uid;
  } finally {
    closeSync(fd);
  }
  if (!/^[1-9]\d{0,6}$/.test(text) || Number(text) > PID_MAX) throw refuse(`holds ${JSON.stringify(text)}, not a process id (a whole number above 0)`);
  const pid = Number(text);
  const proc = procStat(pid);
  if (!proc || proc.state === 'Z' || proc.state === 'X') throw refuse(`process ${pid} is not running (a stale pid file)`);
  if (selfAndAncestors().has(pid)) throw refuse(`process ${pid} is nvcops itself or a process it runs under`);
  const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  if (uid !== owner) throw refuse(`process ${pid} runs as uid ${uid}, but the pid file belongs to uid ${owner}: not the writer that wrote it`);
  return pid;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The files one entry names: a path, or `*` in its last part. Returns them with why any was left out. */
function matches(entry: LogConfig, base: string | undefined): { dir: string; files: string[]; skipped: string[] } {
  const path = resolve(base ?? process.cwd(), entry.path);
  const configuredDir = dirname(path);
  if (!existsSync(configuredDir)) return { dir: configuredDir, files: [], skipped: [`${configuredDir}: does not exist`] };
  const dir = realpathSync(configuredDir);
  const pattern = new RegExp(`^${basename(path).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
  const files: string[] = [];
  const skipped: string[] = [];
  for (const name of readdirSync(dir).filter((n) => pattern.test(n) && !/\.\d+(\.gz)?(\.tmp)?$/.test(n)).sort()) {
    const file = join(dir, name);
    const st = lstatSync(file);
    if (st.isSymbolicLink()) {
      const target = existsSync(file) ? realpathSync(file) : readlinkSync(file);
      skipped.push(target.startsWith(dir + sep)
        ? `${file}: a link to ${target}; configure the file itself`
        : `${file}: a link out of the log directory (to ${target}): never followed`);
    } else if (st.isFile()) files.push(file);
  }
  return { dir, files, skipped };
}

function rotateStep(file: string, st: Stats, entry: LogConfig, keep: number, why: string, base: string | undefined): ActionStep {
  const strategy = entry.strategy ?? (entry.reopen ? 'rename' : 'copytruncate');
  const first = `${file}.1`;
  const reopenFile = strategy === 'rename' && entry.reopen ? resolve(base ?? process.cwd(), entry.reopen.pidFile) : undefined;
  if (reopenFile) reopenPid(reopenFile);
  return {
    title: `rotate ${file} (${strategy}, keep ${keep})`,
    details: [`${why}; ${formatValue(st.size, 'bytes')}`],
    async run(step) {
      // Checked again as the step starts: the pid file may have changed since the plan.
      const pid = reopenFile ? reopenPid(reopenFile) : undefined;
      // <name>.1 holds lines no archive has yet (a finish step before this one failed, or it appeared since the plan): never replace it.
      if (existsSync(first)) {
        throw new StepFailure(`${first} is still there uncompressed: ${file} is not rotated, so that no line in ${first} is lost; it is rotated once ${first} is finished`, { file: first });
      }
      shift(file, keep);
      if (strategy === 'copytruncate') {
        const tmp = `${first}.gz.tmp`;
        const size = lstatSync(file).size;
        await gzip(file, tmp, { start: 0, end: size - 1 });
        // Copy what arrived during the first copy too, then truncate at once: the window for loss is this last step.
        const grown = lstatSync(file).size;
        if (grown > size) await gzip(file, tmp, { start: size, end: grown - 1 }, 'a');
        truncateSync(file, 0);
        renameSync(tmp, `${first}.gz`);
        return `copied ${formatValue(grown, 'bytes')} into ${first}.gz and truncated ${file}`;
      }
      // link + unlink rather than rename: a link fails where <name>.1 exists (EEXIST) instead of replacing it.
      try {
        linkSync(file, first);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new StepFailure(`${first} appeared meanwhile: ${file} is not rotated, so that no line in ${first} is lost`, { file: first });
        throw e;
      }
      unlinkSync(file);
      const fd = openSync(file, 'wx', st.mode & 0o777);
      try {
        fchownSync(fd, st.uid, st.gid);
      } finally {
        closeSync(fd);
      }
      if (pid !== undefined) {
        process.kill(pid, entry.reopen?.signal ?? 'SIGHUP');
        step.progress(`waiting for process ${pid} to reopen ${file}`);
      }
      for (let pids = holders(first), started = Date.now(); pids.length; await sleep(100), pids = holders(first)) {
        if (Date.now() - started > REOPEN_WAIT_MS) {
          throw new StepFailure(
            `renamed to ${first}, but ${byProcesses(pids)} still writes to it after ${REOPEN_WAIT_MS / 1000} s: not compressed, and ${file} is not rotated again until it is; make the writer reopen its log (check reopen.signal) or restart it, then run again to finish ${first}`,
            { file: first, pids },
          );
        }
      }
      await archive(first, `${first}.gz`);
      unlinkSync(first);
      return `renamed, reopened and compressed into ${first}.gz`;
    },
  };
}

export async function planLogs(ctx: PlanContext, opts: { rotate?: boolean }): Promise<ActionPlan> {
  if (!opts.rotate) throw new UsageError('maintain logs: say what to do: --rotate (add --dry-run to only see which logs are due)');
  const entries = ctx.config.maintenance?.logs;
  if (!entries?.length) throw new ConfigError('maintain logs: no logs configured: list them in maintenance.logs[] (path, maxSize or maxAge, keep)');
  const base = ctx.config.source ? dirname(ctx.config.source) : undefined;
  const summary: string[] = [];
  const steps: ActionStep[] = [];
  const now = Date.now();
  for (const entry of entries) {
    const maxSize = entry.maxSize ? parseSize(entry.maxSize)! : undefined;
    const maxAgeMs = parseDuration(entry.maxAge ?? (entry.maxSize ? '0d' : DEFAULT_MAX_AGE))!;
    const keep = entry.keep ?? DEFAULT_KEEP;
    const { files, skipped } = matches(entry, base);
    summary.push(...skipped);
    for (const file of files) {
      const st = lstatSync(file);
      // Age counts from the last rotation (the newest archive), or from when the file was created.
      const since = existsSync(`${file}.1.gz`) ? lstatSync(`${file}.1.gz`).mtimeMs : st.birthtimeMs || st.ctimeMs;
      const bySize = maxSize !== undefined && st.size >= maxSize;
      const byAge = maxAgeMs > 0 && now - since >= maxAgeMs;
      const state = `${file}: ${formatValue(st.size, 'bytes')}, last rotated ${formatValue(Math.round((now - since) / 1000), 's')} ago`;
      // An uncompressed <name>.1 is finished first, whether or not the live file is due.
      const first = `${file}.1`;
      const leftover = existsSync(first) ? lstatSync(first) : undefined;
      const held = leftover ? holders(first) : [];
      if (leftover) {
        summary.push(`${first}: ${formatValue(leftover.size, 'bytes')} left uncompressed by an earlier rotation${held.length ? `, still held open by ${byProcesses(held)}` : ''}: finished first`);
        steps.push(finishStep(file, keep, leftover.size, held));
      }
      if (st.size === 0 || !(bySize || byAge)) {
        summary.push(`${state}: not due`);
        continue;
      }
      if (held.length) {
        summary.push(`${state}: due, but waits: ${first} is still held open, and rotating now would replace it`);
        continue;
      }
      summary.push(`${state}: due`);
      steps.push(rotateStep(file, st, entry, keep, bySize ? `>= ${entry.maxSize}` : `older than ${entry.maxAge ?? DEFAULT_MAX_AGE}`, base));
    }
  }
  return {
    action: 'maintain logs',
    target: `logs: ${entries.map((e) => e.path).join(', ')}`,
    summary,
    warnings: steps.some((s) => s.title.includes('copytruncate'))
      ? ['copytruncate: lines written between the last copy and the truncation are lost (a short gap at the rotation point); configure reopen (pidFile, signal) for the rename strategy, which loses none']
      : [],
    steps,
  };
}
