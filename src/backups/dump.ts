/**
 * `backup db`: pg_dump of the configured database into the repository. The dump, the row counts
 * and the start LSN come from one exported snapshot, so a restore can be checked table by table
 * against exactly what the dump holds.
 */
import { execa } from 'execa';
import { UnavailableError } from '../engine/errors.js';
import type { Manifest } from './manifest.js';
import { connectAdmin, pgEnv, pgProgram, tableRowCounts, type PgTarget } from './pgtools.js';
import { writeHashed, type BackupRepository } from './repository.js';

export interface DumpOptions {
  /** 1: custom format (one file, -Fc). More: directory format with -j (custom format cannot be written in parallel). */
  jobs: number;
  signal?: AbortSignal;
}

/** The one-line reason a client program failed: its last stderr line, not the whole log. */
export function programFailure(name: string, e: unknown): Error {
  const err = e as { stderr?: string; shortMessage?: string; isCanceled?: boolean; isTerminated?: boolean };
  if (err.isCanceled || err.isTerminated) return new Error(`${name} stopped: interrupted`);
  const lines = (err.stderr ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  const last = lines.find((l) => /error|fatal/i.test(l)) ?? lines.at(-1) ?? err.shortMessage ?? String(e);
  return new UnavailableError(`${name} failed: ${last}`);
}

export async function dumpDatabase(repo: BackupRepository, target: PgTarget, opts: DumpOptions): Promise<Manifest> {
  const pgDump = pgProgram('pg_dump');
  const client = await connectAdmin(target);
  try {
    // A read-only repeatable-read transaction: its snapshot is the one pg_dump uses (--snapshot) and the one rows are counted in.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows: [head] } = await client.query<{ snapshot: string; at: Date; version: string; lsn: string }>(
      `SELECT pg_export_snapshot() AS snapshot, now() AS at, split_part(current_setting('server_version'), ' ', 1) AS version,
              CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text AS lsn`,
    );
    const rowCounts = await tableRowCounts(client);
    const format = opts.jobs > 1 ? 'directory' : 'custom';
    return await repo.store('db', format === 'custom' ? '.dump' : '.dir', head!.at, async (partial) => {
      const common = ['--no-password', `--snapshot=${head!.snapshot}`, ...(target.url ? [`--dbname=${target.url}`] : [])];
      const env = pgEnv(target);
      let digest;
      try {
        if (format === 'custom') {
          const child = execa(pgDump, ['--format=custom', ...common], { env, extendEnv: false, buffer: { stdout: false }, cancelSignal: opts.signal, stdout: 'pipe' });
          // A failed write (disk full) must not leave pg_dump running.
          [digest] = await Promise.all([writeHashed(child.stdout, partial).catch((e) => { child.kill(); throw e; }), child]);
        } else {
          await execa(pgDump, ['--format=directory', `--jobs=${opts.jobs}`, `--file=${partial}`, ...common], { env, extendEnv: false, cancelSignal: opts.signal });
        }
      } catch (e) {
        throw programFailure('pg_dump', e);
      }
      const { rows: [end] } = await client.query<{ lsn: string }>(
        'SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn',
      );
      return {
        created: head!.at.toISOString(),
        source: target.address,
        postgres: { version: head!.version, startLsn: head!.lsn, stopLsn: end!.lsn, format, rowCounts },
        digest,
      };
    }, opts.signal);
  } finally {
    await client.end().catch(() => undefined);
  }
}
