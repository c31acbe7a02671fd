import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import * as z from 'zod';
import { TargetError } from '../engine/errors.js';
import { openRegular } from '../engine/files.js';
import { BACKUP_KINDS } from './kinds.js';
import { compareText } from '../engine/order.js';

// Kept apart from this module (and zod) so that the command line's choices load at start-up without it.
export { BACKUP_KINDS, type BackupKind } from './kinds.js';

/**
 * One backup, described by `<anything>.manifest.json` in `backups.directory`. Version 1 fields:
 * id, kind, created (ISO 8601: for a database dump, when its snapshot was taken), size (bytes),
 * sha256 (hex; for a directory, of its sorted `sha256  name` listing, as sha256sum prints it) and
 * file (relative to the manifest) of the backup, source (where it was taken from, without
 * credentials), and for a database backup the PostgreSQL server version and the WAL range
 * (startLsn..stopLsn) a restore needs. Optional: the dump's format and the exact row count of every
 * table in its snapshot (restores are checked against them), and an application backup's version.
 */
function buildManifestSchema() {
  const lsn = z.string().regex(/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i, 'a PostgreSQL LSN such as 0/3000028');
  return z
    .strictObject({
      version: z.literal(1),
      id: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore'),
      kind: z.enum(BACKUP_KINDS),
      created: z.iso.datetime({ offset: true }),
      size: z.int().min(0),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
      file: z.string().min(1).refine((f) => !f.startsWith('/') && !f.split('/').includes('..'), 'a path inside the backup directory'),
      source: z.string().min(1),
      postgres: z
        .strictObject({
          version: z.string().min(1),
          startLsn: lsn,
          stopLsn: lsn,
          /** custom = pg_dump -Fc (one file); directory = pg_dump -Fd -j N (written in parallel). */
          format: z.enum(['custom', 'directory']).optional(),
          /** `schema.table` → rows, counted in the dump's own snapshot. */
          rowCounts: z.record(z.string(), z.int().min(0)).optional(),
        })
        .optional(),
      app: z.strictObject({ version: z.string().min(1) }).optional(),
    })
    .refine((m) => m.kind !== 'db' || m.postgres, { message: 'a db backup needs postgres { version, startLsn, stopLsn }', path: ['postgres'] });
}

let builtSchema: ReturnType<typeof buildManifestSchema> | undefined;
/** The schema, built on first use: every check run registers the backup checks, and most read no manifest (health db). */
export const manifestSchema = () => (builtSchema ??= buildManifestSchema());

export type Manifest = z.infer<ReturnType<typeof manifestSchema>>;

interface ManifestFile {
  /** Where the manifest is. */
  path: string;
  manifest: Manifest;
}

export const MANIFEST_SUFFIX = '.manifest.json';

/** Every manifest in the directory, newest first; the ones that do not parse are listed with the field at fault. */
export async function readManifests(directory: string): Promise<{ manifests: ManifestFile[]; invalid: string[] }> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((n) => n.endsWith(MANIFEST_SUFFIX)).sort();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new TargetError(`backups.directory ${directory}: ${err.code === 'ENOENT' ? 'no such directory' : err.code === 'EACCES' ? 'permission denied' : err.message}`);
  }
  const manifests: ManifestFile[] = [];
  const invalid: string[] = [];
  for (const name of names) {
    const path = join(directory, name);
    let data: unknown;
    try {
      data = JSON.parse(await readFile(path, 'utf8'));
    } catch (e) {
      invalid.push(`${name}: not valid JSON (${(e as Error).message})`);
      continue;
    }
    const parsed = manifestSchema().safeParse(data);
    if (parsed.success) manifests.push({ path, manifest: parsed.data });
    else {
      const issue = parsed.error.issues[0]!;
      const field = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path.join('.');
      invalid.push(`${name}: ${field || '(root)'}: ${issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message}`);
    }
  }
  manifests.sort((a, b) => Date.parse(b.manifest.created) - Date.parse(a.manifest.created) || compareText(b.manifest.id, a.manifest.id));
  return { manifests, invalid };
}

export interface Digest {
  sha256: string;
  size: number;
}

async function sha256File(path: string, signal?: AbortSignal): Promise<Digest> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of (await openRegular(path)).createReadStream({ signal }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** sha256 of a file, or of a directory's sorted `sha256  name` listing (what sha256sum prints), read as a stream. */
export async function digest(path: string, signal?: AbortSignal): Promise<Digest> {
  if (!(await stat(path)).isDirectory()) return sha256File(path, signal);
  const names = (await readdir(path, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => relative(path, join(d.parentPath, d.name)))
    .sort();
  let listing = '';
  let size = 0;
  for (const name of names) {
    const d = await sha256File(join(path, name), signal);
    listing += `${d.sha256}  ${name}\n`;
    size += d.size;
  }
  return { sha256: createHash('sha256').update(listing).digest('hex'), size };
}

export type Verification = { ok: true; bytes: number; sha256: string } | { ok: false; problem: string };

/** Re-reads the backup at `path` (a file, or a directory-format dump) and compares its size and SHA-256 with the manifest. */
export async function verifyBackup(m: Manifest, path: string, signal?: AbortSignal): Promise<Verification> {
  const { file, size, sha256 } = m;
  let d: Digest;
  try {
    d = await digest(path, signal);
  } catch (e) {
    return { ok: false, problem: `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (e as Error).message}` };
  }
  if (d.size !== size) return { ok: false, problem: `${file}: ${d.size} bytes, the manifest says ${size}` };
  if (d.sha256 !== sha256) return { ok: false, problem: `${file}: SHA-256 ${d.sha256.slice(0, 16)}… does not match the manifest's ${sha256.slice(0, 16)}…` };
  return { ok: true, bytes: d.size, sha256: d.sha256 };
}
