/**
 * `backup db`: pg_dump of the configured database into the repository. The dump, the row counts
 * and the start LSN come from one exported snapshot, so a restore can be checked table by table
 * against exactly what the dump holds.
 */
import { UnavailableError } from '../engine/errors.js';
import type { Manifest } from './manifest.js';
import { connectAdmin, cutConnection, pgEnv, pgProgram, tableRowCounts, type PgTarget } from './pgtools.js';
import { writeHashed, type BackupRepository } from './repository.js';

interface DumpOptions {
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

/** pg_dump of the snapshot into the partial path; the digest when the custom format was hashed on its way to disk. */
async function runPgDump(target: PgTarget, snapshot: string, format: 'custom' | 'directory', jobs: number, partial: string, signal: AbortSignal) {
  const pgDump = pgProgram('pg_dump');
  const common = ['--no-password', `--snapshot=${snapshot}`];
  const options = { env: pgEnv(target), extendEnv: false, cancelSignal: signal } as const;
  const { execa } = await import('execa');
  try {
    if (format === 'directory') {
      await execa(pgDump, ['--format=directory', `--jobs=${jobs}`, `--file=${partial}`, ...common], options);
      return undefined;
    }
    const child = execa(pgDump, ['--format=custom', ...common], { ...options, buffer: { stdout: false } });
    // A failed write (disk full) must not leave pg_dump running.
    const [digest] = await Promise.all([writeHashed(child.stdout, partial).catch((e) => { child.kill(); throw e; }), child]);
    return digest;
  } catch (e) {
    throw programFailure('pg_dump', e);
  }
}

export async function dumpDatabase(repo: BackupRepository, target: PgTarget, opts: DumpOptions): Promise<Manifest> {
  // A missing pg_dump is reported before anything connects.
  pgProgram('pg_dump');
  const client = await connectAdmin(target);
  // Ctrl-C: a row count waiting on a lock stops too.
  const onAbort = () => cutConnection(client);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // A read-only repeatable-read transaction: its snapshot is the one pg_dump uses (--snapshot) and the one rows are counted in.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows: [head] } = await client.query<{ snapshot: string; at: Date; version: string; lsn: string }>(
      `SELECT pg_export_snapshot() AS snapshot, now() AS at, split_part(current_setting('server_version'), ' ', 1) AS version,
              CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text AS lsn`,
    );
    const format = opts.jobs > 1 ? 'directory' : 'custom';
    return await repo.store('db', format === 'custom' ? '.dump' : '.dir', head!.at, async (partial) => {
      // pg_dump and the row counts read the same snapshot at the same time; either failing stops the other.
      const stop = new AbortController();
      const dumping = runPgDump(target, head!.snapshot, format, opts.jobs, partial, opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal);
      const counting = tableRowCounts(client);
      let digest;
      let rowCounts;
      try {
        [digest, rowCounts] = await Promise.all([dumping, counting]);
      } catch (e) {
        stop.abort();
        await Promise.allSettled([dumping, counting]);
        throw e;
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
    opts.signal?.removeEventListener('abort', onAbort);
    await client.end().catch(() => undefined);
  }
}
