/**
 * A lock file for the local store's writers: created with O_EXCL ('wx'), so exactly one process
 * holds it; it names its owner (pid, host, a nonce) so that a lock left by a killed process is
 * recognised and broken. Writers hold it for one append (milliseconds), which is what makes a short
 * staleness limit safe.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { StateError } from '../engine/errors.js';

/** A lock older than this is abandoned even if its pid looks alive (pid reused, or another host). */
const STALE_MS = 30_000;
const WAIT_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryCreate(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StateError(`state: cannot create the lock ${path}: ${(e as Error).message}`);
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** What a lock file says about its holder: pid, host, a nonce (so a reused pid is not mistaken for us), since when. */
const ownerTag = () => `${process.pid} ${hostname()} ${randomUUID()} ${Date.now()}`;

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Is this lock content left by a process that no longer holds it? An unreadable one is a holder killed between create and write. */
function abandoned(path: string, content: string): boolean {
  const [pid, host, , created] = content.split(' ');
  const since = Number(created);
  if (!pid || !host || !Number.isFinite(since)) return ageMs(path) > 1000;
  if (Date.now() - since > STALE_MS) return true;
  return host === hostname() && !alive(Number(pid));
}

/**
 * Removes a lock only if it still holds `content`. Breaking is itself guarded by a second O_EXCL
 * file, so two waiters that find the same dead lock cannot both break it (the second would delete
 * the first one's fresh lock).
 */
function breakLock(path: string, content: string): void {
  const breaker = `${path}.break`;
  if (!tryCreate(breaker, ownerTag())) {
    const other = read(breaker);
    if (other !== undefined && abandoned(breaker, other)) unlinkQuiet(breaker);
    return;
  }
  try {
    if (read(path) === content) unlinkQuiet(path);
  } finally {
    unlinkQuiet(breaker);
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** "pid 4242 on host-a since 2026-12-07T08:00:01.000Z": a holder as a person reads it. */
export function describeHolder(content: string | undefined): string {
  const [pid, host, , created] = (content ?? '').split(' ');
  const since = Number(created);
  return pid && host ? `pid ${pid} on ${host}${Number.isFinite(since) ? ` since ${new Date(since).toISOString()}` : ''}` : 'another process';
}

/**
 * Takes the lock at `path` for as long as a run lasts, or says who holds it. Unlike withLock's
 * (held for milliseconds), age says nothing here — a run may last hours: only a holder on this host
 * whose pid is gone has abandoned it.
 */
export function tryHold(path: string): { release(): Promise<void> } | { heldBy: string } {
  const me = ownerTag();
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryCreate(path, me)) return { release: async () => { if (read(path) === me) unlinkQuiet(path); } };
    const content = read(path);
    const [pid, host] = (content ?? '').split(' ');
    const dead = content === undefined ? false : pid && host ? host === hostname() && !alive(Number(pid)) : ageMs(path) > 1000;
    if (!dead) return { heldBy: describeHolder(content) };
    breakLock(path, content!);
  }
  return { heldBy: describeHolder(read(path)) };
}

/** Runs `fn` holding the lock at `path`. */
export async function withLock<T>(path: string, fn: () => T | Promise<T>): Promise<T> {
  const me = ownerTag();
  const deadline = Date.now() + WAIT_MS;
  let pause = 2;
  while (!tryCreate(path, me)) {
    const content = read(path);
    if (Date.now() > deadline) {
      throw new StateError(`state: ${path} is held by ${content?.split(' ').slice(0, 2).join(' on ') || 'another process'} for over ${WAIT_MS / 1000} s`);
    }
    if (content !== undefined && abandoned(path, content)) {
      breakLock(path, content);
      await sleep(1);
      continue;
    }
    await sleep(pause + Math.random() * pause);
    pause = Math.min(pause * 2, 50);
  }
  try {
    return await fn();
  } finally {
    if (read(path) === me) unlinkQuiet(path);
  }
}
