/**
 * The backup repository: `backups.directory` holding each backup next to its manifest. Backups
 * are written under a `.partial-` name and renamed into place, and the manifest is written last,
 * so a backup cut short by a crash or Ctrl-C never looks complete.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../engine/config.js';
import { ConfigError, UsageError } from '../engine/errors.js';
import { MANIFEST_SUFFIX, parseManifest, type BackupKind, type BackupManifest } from './manifest.js';

export const PARTIAL_PREFIX = '.partial-';

/** backups.directory: `~` is the home directory; a relative path is relative to the config file. */
export function repositoryDirectory(config: Config): string {
  const dir = config.backups?.directory;
  if (!dir) throw new ConfigError('backups.directory: not set; name the directory (local or mounted storage) that holds the backups');
  if (dir === '~' || dir.startsWith('~/')) return join(homedir(), dir.slice(1));
  return isAbsolute(dir) ? dir : resolve(config.source ? dirname(config.source) : process.cwd(), dir);
}

export interface Digest {
  sha256: string;
  size: number;
}

/** A manifest that could not be read, named so the operator can find it. */
export interface BrokenManifest {
  name: string;
  error: string;
}

export interface Listing {
  /** Oldest first. */
  backups: BackupManifest[];
  broken: BrokenManifest[];
  /** Leftovers of backups that never finished (no manifest; ignored by everything else). */
  partial: string[];
}

/** What checking one backup against its manifest found. */
export type Integrity =
  | { ok: true; digest: Digest }
  | { ok: false; problem: 'missing' | 'size' | 'checksum'; message: string };

const sha256File = async (path: string): Promise<Digest> => {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
};

/** sha256 of a file, or of a directory's sorted `sha256  name` listing (what sha256sum prints), read as a stream. */
export async function digest(path: string): Promise<Digest> {
  const info = await stat(path);
  if (!info.isDirectory()) return sha256File(path);
  const names = (await readdir(path, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => relative(path, join(d.parentPath, d.name)))
    .sort();
  let listing = '';
  let size = 0;
  for (const name of names) {
    const d = await sha256File(join(path, name));
    listing += `${d.sha256}  ${name}\n`;
    size += d.size;
  }
  return { sha256: createHash('sha256').update(listing).digest('hex'), size };
}

/** A Transform that hashes and counts what flows through it. */
export function hashing(): Transform & { result(): Digest } {
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
export function newBackupId(kind: BackupKind, at: Date): string {
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
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(`backups.directory ${this.directory}: ${code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
    }
    const backups: BackupManifest[] = [];
    const broken: BrokenManifest[] = [];
    for (const name of names.filter((n) => n.endsWith(MANIFEST_SUFFIX)).sort()) {
      try {
        backups.push(parseManifest(await readFile(join(this.directory, name), 'utf8'), name));
      } catch (e) {
        broken.push({ name, error: (e as Error).message });
      }
    }
    backups.sort((a, b) => Date.parse(a.created) - Date.parse(b.created) || a.id.localeCompare(b.id));
    return { backups, broken, partial: names.filter((n) => n.startsWith(PARTIAL_PREFIX)).sort() };
  }

  /** The newest backup of a kind, or undefined when there is none. */
  async newest(kind: BackupKind): Promise<BackupManifest | undefined> {
    return (await this.list()).backups.filter((b) => b.kind === kind).at(-1);
  }

  /** The backup with this id; a usage error naming the ids that exist when there is none. */
  async get(id: string, kind?: BackupKind): Promise<BackupManifest> {
    const { backups } = await this.list();
    const found = backups.find((b) => b.id === id);
    if (found && (!kind || found.kind === kind)) return found;
    const same = backups.filter((b) => !kind || b.kind === kind).slice(-5).map((b) => b.id);
    throw new UsageError(`--backup-id: no ${kind ?? ''}${kind ? ' ' : ''}backup "${id}" in ${this.directory}${same.length ? `; newest: ${same.join(', ')}` : ''} (see nvcops backup list)`);
  }

  pathOf(m: BackupManifest): string {
    return join(this.directory, m.file);
  }

  /** Recomputes size and sha256 and compares them with the manifest. */
  async check(m: BackupManifest): Promise<Integrity> {
    let d: Digest;
    try {
      d = await digest(this.pathOf(m));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { ok: false, problem: 'missing', message: `${m.id}: ${m.file} ${code === 'ENOENT' ? 'is missing' : `cannot be read (${(e as Error).message})`}` };
    }
    if (d.size !== m.size) return { ok: false, problem: 'size', message: `${m.id}: size ${d.size} bytes, manifest says ${m.size}` };
    if (d.sha256 !== m.sha256) return { ok: false, problem: 'checksum', message: `${m.id}: sha256 ${d.sha256.slice(0, 12)}… does not match the manifest's ${m.sha256.slice(0, 12)}…` };
    return { ok: true, digest: d };
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
    produce: (partialPath: string) => Promise<Omit<BackupManifest, 'id' | 'kind' | 'file' | 'size' | 'sha256'> & { digest?: Digest }>,
    signal?: AbortSignal,
  ): Promise<BackupManifest> {
    await mkdir(this.directory, { recursive: true });
    const id = newBackupId(kind, at);
    const file = `${id}${ext}`;
    const partial = join(this.directory, `${PARTIAL_PREFIX}${file}`);
    // Until the manifest exists, neither the partial nor the renamed backup counts: remove both.
    const cleanUp = () => Promise.all([partial, join(this.directory, file)].map((p) => rm(p, { recursive: true, force: true })));
    const onAbort = () => void cleanUp();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const { digest: streamed, ...fields } = await produce(partial);
      const d = streamed ?? (await digest(partial));
      await rename(partial, join(this.directory, file));
      const manifest: BackupManifest = { id, kind, ...fields, size: d.size, sha256: d.sha256, file };
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
