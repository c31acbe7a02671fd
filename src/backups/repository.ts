/**
 * The backup repository: `backups.directory` holding each backup next to its manifest. Backups
 * are written under a `.partial-` name and renamed into place, and the manifest is written last,
 * so a backup cut short by a crash or Ctrl-C never looks complete.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, statSync } from 'node:fs';
import { mkdir, open, readdir, realpath, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../engine/config/index.js';
import { ConfigError, UsageError } from '../engine/errors.js';
import { MANIFEST_SUFFIX, digest, readManifests, verifyBackup, type BackupKind, type Digest, type Manifest, type Verification } from './manifest.js';

const PARTIAL_PREFIX = '.partial-';

/** backups.directory: `~` is the home directory; a relative path is relative to the config file. */
export function repositoryDirectory(config: Config): string {
  const dir = config.backups?.directory;
  if (!dir) throw new ConfigError('backups.directory: not set; name the directory (local or mounted storage) that holds the backups');
  const path = dir === '~' || dir.startsWith('~/') ? join(homedir(), dir.slice(1)) : isAbsolute(dir) ? dir : resolve(config.source ? dirname(config.source) : process.cwd(), dir);
  // A file there, or on the way there: every backup command would stop on a bare ENOTDIR or EEXIST.
  let isFile: boolean;
  try {
    isFile = !statSync(path).isDirectory();
  } catch (e) {
    isFile = (e as NodeJS.ErrnoException).code === 'ENOTDIR';
  }
  if (isFile) throw new ConfigError(`backups.directory: ${path} is a file, or lies under one; name a directory (local or mounted storage) for the backups`);
  return path;
}

export interface Listing {
  /** Oldest first. */
  backups: Manifest[];
  /** Manifests that do not parse, each with the field at fault. */
  broken: string[];
  /** Leftovers of backups that never finished (no manifest; ignored by everything else). */
  partial: string[];
}

/** A Transform that hashes and counts what flows through it. */
function hashing(): Transform & { result(): Digest } {
  const hash = createHash('sha256');
  let size = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { result(): Digest };
  t.result = () => ({ sha256: hash.digest('hex'), size });
  return t;
}

/** `db-20250714T080000Z-3fa2`: kind, UTC time, and a random suffix so two backups in one second differ. */
function newBackupId(kind: BackupKind, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${kind}-${stamp}-${randomBytes(2).toString('hex')}`;
}

async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w', 0o640);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

export class BackupRepository {
  constructor(readonly directory: string) {}

  /** Every manifest in the repository; one that cannot be parsed is listed as broken, not skipped silently. */
  async list(): Promise<Listing> {
    const { manifests, invalid } = await readManifests(this.directory);
    const partial = (await readdir(this.directory)).filter((n) => n.startsWith(PARTIAL_PREFIX)).sort();
    return { backups: manifests.map((m) => m.manifest).reverse(), broken: invalid, partial };
  }

  /** The newest backup of a kind, or undefined when there is none. */
  async newest(kind: BackupKind): Promise<Manifest | undefined> {
    return (await this.list()).backups.filter((b) => b.kind === kind).at(-1);
  }

  /** The backup with this id; a usage error naming the ids that exist when there is none. */
  async get(id: string, kind?: BackupKind): Promise<Manifest> {
    const { backups } = await this.list();
    const found = backups.find((b) => b.id === id);
    if (found && (!kind || found.kind === kind)) return found;
    const same = backups.filter((b) => !kind || b.kind === kind).slice(-5).map((b) => b.id);
    throw new UsageError(`--backup-id: no ${kind ?? ''}${kind ? ' ' : ''}backup "${id}" in ${this.directory}${same.length ? `; newest: ${same.join(', ')}` : ''} (see nvcops backup list)`);
  }

  pathOf(m: Manifest): string {
    return join(this.directory, m.file);
  }

  /** Recomputes size and sha256 and compares them with the manifest; a file that resolves outside the repository fails. */
  async check(m: Manifest, signal?: AbortSignal): Promise<Verification> {
    const outside = await this.outside(m);
    return outside ? { ok: false, problem: outside } : verifyBackup(m, this.pathOf(m), signal);
  }

  /** Why a backup's file is not this repository's own: a symlink (it or a directory on the way) that leads out of it. */
  private async outside(m: Manifest): Promise<string | undefined> {
    let real: string;
    try {
      real = await realpath(this.pathOf(m));
    } catch {
      return undefined; // missing or unreadable: verifyBackup names it
    }
    const root = await realpath(this.directory);
    return real.startsWith(`${root}${sep}`) ? undefined : `${m.file}: resolves to ${real}, outside the repository: refused as a backup of it`;
  }

  /**
   * Stores a new backup: `produce` writes it at the partial path it is given (a file or a directory)
   * and returns the manifest fields it knows; then the backup is renamed into place and its
   * manifest written. Anything that fails or is interrupted leaves no manifest and no partial.
   */
  async store(
    kind: BackupKind,
    ext: string,
    at: Date,
    produce: (partialPath: string) => Promise<Omit<Manifest, 'version' | 'id' | 'kind' | 'file' | 'size' | 'sha256'> & { digest?: Digest }>,
    signal?: AbortSignal,
  ): Promise<Manifest> {
    await mkdir(this.directory, { recursive: true });
    const id = newBackupId(kind, at);
    const file = `${id}${ext}`;
    const partial = join(this.directory, `${PARTIAL_PREFIX}${file}`);
    // Until the manifest exists, neither the partial nor the renamed backup counts: remove both.
    const cleanUp = () => Promise.all([partial, join(this.directory, file)].map((p) => rm(p, { recursive: true, force: true })));
    const onAbort = () => void cleanUp();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const { digest: streamed, created, source, postgres, app } = await produce(partial);
      const d = streamed ?? (await digest(partial));
      await rename(partial, join(this.directory, file));
      const manifest: Manifest = { version: 1, id, kind, created, size: d.size, sha256: d.sha256, file, source, ...(postgres && { postgres }), ...(app && { app }) };
      await writeFileAtomic(join(this.directory, `${id}${MANIFEST_SUFFIX}`), `${JSON.stringify(manifest, null, 2)}\n`);
      return manifest;
    } catch (e) {
      await cleanUp();
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** Pipes a producer's output into a file, hashing on the way, and syncs it to disk. */
export async function writeHashed(source: Readable, path: string): Promise<Digest> {
  const h = hashing();
  await pipeline(source, h, createWriteStream(path, { mode: 0o640 }));
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  return h.result();
}
