import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { TargetError } from '../engine/errors.js';

/** What a backup holds (runbook Backup Schedule: database, transaction log, application, configuration, logs). */
export const BACKUP_KINDS = ['db', 'wal', 'app', 'config', 'logs'] as const;
export type BackupKind = (typeof BACKUP_KINDS)[number];

const lsn = z.string().regex(/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i, 'a PostgreSQL LSN such as 0/3000028');

/**
 * One backup, described by `<anything>.manifest.json` in `backups.directory`. Version 1 fields:
 * id, kind, created (ISO 8601), size (bytes), sha256 (hex) and file (relative to the manifest) of
 * the backup file, source (where it was taken from, without credentials), and for a database
 * backup the PostgreSQL server version and the WAL range (startLsn..stopLsn) a restore needs.
 */
export const manifestSchema = z
  .strictObject({
    version: z.literal(1),
    id: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore'),
    kind: z.enum(BACKUP_KINDS),
    created: z.iso.datetime({ offset: true }),
    size: z.int().min(0),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
    file: z.string().min(1),
    source: z.string().min(1),
    postgres: z.strictObject({ version: z.string().min(1), startLsn: lsn, stopLsn: lsn }).optional(),
  })
  .refine((m) => m.kind !== 'db' || m.postgres, { message: 'a db backup needs postgres { version, startLsn, stopLsn }', path: ['postgres'] });

export type Manifest = z.infer<typeof manifestSchema>;

export interface ManifestFile {
  /** Where the manifest is. */
  path: string;
  manifest: Manifest;
}

export const MANIFEST_SUFFIX = '.manifest.json';

/** Every manifest in the directory, newest first; the ones that do not parse are listed with the field at fault. */
export async function readManifests(directory: string): Promise<{ manifests: ManifestFile[]; invalid: string[] }> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((n) => n.endsWith(MANIFEST_SUFFIX));
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
    const parsed = manifestSchema.safeParse(data);
    if (parsed.success) manifests.push({ path, manifest: parsed.data });
    else {
      const issue = parsed.error.issues[0]!;
      const field = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path.join('.');
      invalid.push(`${name}: ${field || '(root)'}: ${issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message}`);
    }
  }
  manifests.sort((a, b) => Date.parse(b.manifest.created) - Date.parse(a.manifest.created));
  return { manifests, invalid };
}

/** The backup file a manifest describes (its `file` is relative to the manifest's directory). */
export const backupPath = (m: ManifestFile): string => resolve(m.path, '..', m.manifest.file);

export type Verification = { ok: true; bytes: number } | { ok: false; problem: string };

/** Re-reads the backup file and compares its size and SHA-256 with the manifest. */
export async function verifyBackup(m: ManifestFile, signal?: AbortSignal): Promise<Verification> {
  const path = backupPath(m);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    return { ok: false, problem: `${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (e as Error).message}` };
  }
  if (size !== m.manifest.size) return { ok: false, problem: `${path}: ${size} bytes, the manifest says ${m.manifest.size}` };
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer);
  const got = hash.digest('hex');
  if (got !== m.manifest.sha256) return { ok: false, problem: `${path}: SHA-256 ${got.slice(0, 16)}… does not match the manifest's ${m.manifest.sha256.slice(0, 16)}…` };
  return { ok: true, bytes: size };
}
