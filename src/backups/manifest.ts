/**
 * The backup manifest: one JSON file per backup in `backups.directory`, written after the backup
 * itself is complete (a half-written backup never has one). It is what freshness, checksum and
 * restore verification read.
 */
import { z } from 'zod';

/** The runbook's Backup Schedule: database (+ transaction log), application, configuration, logs. */
export const BACKUP_KINDS = ['db', 'wal', 'app', 'config', 'logs'] as const;
export type BackupKind = (typeof BACKUP_KINDS)[number];

const lsn = z.string().regex(/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i, 'a PostgreSQL LSN such as 0/1A2B3C4');

export const manifestSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash, underscore'),
  kind: z.enum(BACKUP_KINDS),
  /** ISO time of the point the backup holds (for db: when its snapshot was taken). */
  created: z.iso.datetime({ offset: true }),
  /** Bytes on disk (for a directory-format dump: the sum of its files). */
  size: z.number().int().nonnegative(),
  /** Hex sha256 of the file; for a directory, of its `sha256  name` listing (sha256sum style, names sorted). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits'),
  /** Path of the backup relative to the repository directory. */
  file: z.string().min(1).refine((f) => !f.startsWith('/') && !f.split('/').includes('..'), 'a path inside the repository'),
  /** What was backed up, without credentials: host:port/db, or a directory. */
  source: z.string().min(1),
  /** db only: the server and the WAL range the dump spans. */
  postgres: z
    .strictObject({
      version: z.string().min(1),
      /** custom = pg_dump -Fc (one file); directory = pg_dump -Fd -j N (parallel). */
      format: z.enum(['custom', 'directory']),
      lsn: z.strictObject({ start: lsn, end: lsn }),
      /** Exact row count of every table in the dump's snapshot, `schema.table` → rows, for restore verification. */
      rowCounts: z.record(z.string(), z.number().int().nonnegative()),
    })
    .optional(),
  /** app only: the application version the artifact is. */
  version: z.string().min(1).optional(),
});

export type BackupManifest = z.infer<typeof manifestSchema>;

/** Manifests are `<id>.manifest.json` next to the backup they describe. */
export const MANIFEST_SUFFIX = '.manifest.json';

/** Parses one manifest; the error names the field and what is allowed. */
export function parseManifest(text: string, name: string): BackupManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${name}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${name}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  if (parsed.data.kind === 'db' && !parsed.data.postgres) throw new Error(`${name}: postgres: required for a db backup`);
  return parsed.data;
}
