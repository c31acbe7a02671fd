/**
 * Application artifacts, configuration snapshots and log archives: a gzip'd tar of a directory
 * (or of one file), stored and restored with its checksum verified. A restore unpacks next to
 * the target and renames into place, so the target is never half-written, and keeps what it
 * replaced.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { execa } from 'execa';
import { UnavailableError, UsageError } from '../engine/errors.js';
import type { BackupKind, Manifest } from './manifest.js';
import { programFailure } from './dump.js';
import { writeHashed, type BackupRepository } from './repository.js';

function tarProgram(): string {
  const found = (process.env.PATH ?? '').split(':').filter(Boolean).map((d) => `${d}/tar`).find((p) => existsSync(p));
  if (!found) throw new UnavailableError('tar not found on PATH: install the tar package');
  return found;
}

interface ArchiveOptions {
  /** app only. */
  version?: string;
  /** The flag that named the source, for error messages. */
  flag: string;
  at: Date;
  signal?: AbortSignal;
}

/** Archives a directory's contents (or one file) into the repository. */
export async function archivePath(repo: BackupRepository, kind: BackupKind, from: string, opts: ArchiveOptions): Promise<Manifest> {
  const source = resolve(from);
  let isDir: boolean;
  try {
    isDir = statSync(source).isDirectory();
  } catch {
    throw new UsageError(`${opts.flag}: ${from} does not exist`);
  }
  const tar = tarProgram();
  const args = isDir ? ['-C', source, '-czf', '-', '.'] : ['-C', dirname(source), '-czf', '-', basename(source)];
  return repo.store(kind, '.tar.gz', opts.at, async (partial) => {
    const child = execa(tar, args, { buffer: { stdout: false }, cancelSignal: opts.signal });
    try {
      const [digest] = await Promise.all([writeHashed(child.stdout, partial).catch((e) => { child.kill(); throw e; }), child]);
      return { created: opts.at.toISOString(), source, digest, ...(opts.version ? { app: { version: opts.version } } : {}) };
    } catch (e) {
      throw programFailure('tar', e);
    }
  }, opts.signal);
}

/** Where an artifact restore puts things and what it moves aside. */
interface UnpackPlan {
  target: string;
  /** Unpacked here first, next to the target (same filesystem, so the final rename is atomic). */
  staging: string;
  /** Set when the target exists: it is renamed here, never deleted. */
  keptAs?: string;
}

export function planUnpack(to: string, at: Date): UnpackPlan {
  const target = resolve(to);
  const staging = `${target}.nvcops-restoring`;
  if (!existsSync(target)) return { target, staging };
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return { target, staging, keptAs: `${target}.before-restore-${stamp}` };
}

/** Unpacks an archive into the plan's staging directory (a staging directory an interrupted restore left is started again). */
export async function unpackToStaging(repo: BackupRepository, m: Manifest, plan: UnpackPlan, signal?: AbortSignal): Promise<string> {
  const tar = tarProgram();
  await rm(plan.staging, { recursive: true, force: true });
  await mkdir(plan.staging, { recursive: true });
  try {
    await execa(tar, ['-xzf', repo.pathOf(m), '-C', plan.staging, '--no-same-owner'], { cancelSignal: signal });
  } catch (e) {
    await rm(plan.staging, { recursive: true, force: true });
    throw programFailure('tar', e);
  }
  const { stdout } = await execa(tar, ['-tzf', repo.pathOf(m)]);
  return `${stdout.split('\n').filter((l) => l && !l.endsWith('/')).length} files unpacked into ${plan.staging}`;
}

/** Moves an existing target aside (kept), then renames the staging directory into place. */
export async function putInPlace(plan: UnpackPlan): Promise<string> {
  if (plan.keptAs) await rename(plan.target, plan.keptAs);
  await mkdir(dirname(plan.target), { recursive: true });
  await rename(plan.staging, plan.target);
  return plan.keptAs ? `${plan.target} restored; what was there is now ${plan.keptAs}` : `${plan.target} restored`;
}
