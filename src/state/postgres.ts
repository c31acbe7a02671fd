/**
 * The shared store: the same data in a PostgreSQL schema `nvcops`, so an on-call team has one audit
 * trail, one run history and one incident list. nvcops creates and migrates the schema itself
 * (versioned migrations recorded in nvcops.schema_migrations). Writers on several hosts keep one
 * chain because every append locks the chain's head row (SELECT … FOR UPDATE) in its transaction.
 * This is its own read-write connection; the check probes' sessions stay read-only.
 */
import type { Pool, PoolClient } from 'pg';
import { randomUUID } from 'node:crypto';
import { StateError } from '../engine/errors.js';
import { clientConfigs, resolvePostgres, tryNext } from '../engine/postgres-connection.js';
import { GENESIS, seal, verifyChain, type ChainHead, type Unreadable } from './chain.js';
import {
  checkExpected, matchesAudit, matchesHistory,
  type AuditEntry, type AuditFilter, type AuditRecord, type HistoryEntry, type HistoryFilter, type PutOptions, type RecordVersion, type Store,
  type VerifyResult,
} from './store.js';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Append-only: a released migration is never edited; a change is a new version. */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'audit trail, run history, records',
    sql: `
      CREATE TABLE nvcops.audit (
        seq bigint PRIMARY KEY,
        at timestamptz NOT NULL,
        action text NOT NULL,
        environment text,
        record text NOT NULL -- the record's JSON exactly as chained
      );
      CREATE INDEX audit_at ON nvcops.audit (at);
      CREATE TABLE nvcops.audit_head (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        seq bigint NOT NULL,
        hash text NOT NULL
      );
      INSERT INTO nvcops.audit_head (seq, hash) VALUES (0, '${GENESIS}');
      CREATE TABLE nvcops.history (
        id uuid PRIMARY KEY,
        at timestamptz NOT NULL,
        command text NOT NULL,
        environment text,
        checks text[] NOT NULL,
        entry jsonb NOT NULL
      );
      CREATE INDEX history_at ON nvcops.history (at);
      CREATE INDEX history_command_at ON nvcops.history (command, at);
      CREATE TABLE nvcops.records (
        kind text NOT NULL,
        id text NOT NULL,
        version integer NOT NULL,
        at timestamptz NOT NULL,
        by text NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (kind, id, version)
      );`,
  },
];

/** One key for "nvcops is migrating its schema", so two first runs at once do not both create it. */
const MIGRATION_LOCK = 0x6e76636f7073; // "nvcops"

type Query = Pick<PoolClient, 'query'>;

export class PostgresStore implements Store {
  private constructor(
    private readonly pool: Pool,
    readonly location: string,
  ) {}

  static async open(url: string): Promise<PostgresStore> {
    const { default: pg } = await import('pg');
    const connection = resolvePostgres(url, { setting: 'state.url' });
    const location = `PostgreSQL ${connection.address}`;
    const configs = await clientConfigs(connection, {
      application_name: 'nvcops-state',
      connectionTimeoutMillis: 10_000,
      query_timeout: 30_000,
      // Read-write on purpose (unlike the probes); a chain-head wait is bounded, and no session is left idle in a transaction.
      options: '-c default_transaction_read_only=off -c statement_timeout=20000 -c lock_timeout=20000 -c idle_in_transaction_session_timeout=60000',
    });
    // libpq's order for the sslmode (prefer: TLS, then plain): the first configuration the server takes serves the pool.
    for (const [i, config] of configs.entries()) {
      const pool = new pg.Pool({ ...config, max: 4 });
      pool.on('error', () => {
        // A dropped idle connection is replaced on the next query.
      });
      const store = new PostgresStore(pool, location);
      try {
        await store.migrate();
        return store;
      } catch (e) {
        await pool.end().catch(() => undefined);
        if (i === configs.length - 1 || !tryNext(e)) throw store.explain(e);
      }
    }
    throw new StateError(`state: ${location}: no connection configuration`);
  }

  private explain(e: unknown): StateError {
    if (e instanceof StateError) return e;
    const err = e as { code?: string; message?: string };
    if (err.code === 'ECONNREFUSED') return new StateError(`state: ${this.location}: connection refused`);
    if (err.code === '42501') return new StateError(`state: ${this.location}: missing privilege (${err.message}); the state role needs to own schema nvcops (see README "State")`);
    return new StateError(`state: ${this.location}: ${err.message ?? String(e)}`);
  }

  private async run<T>(fn: (c: Query) => Promise<T>): Promise<T> {
    try {
      return await fn(this.pool);
    } catch (e) {
      throw this.explain(e);
    }
  }

  private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.explain(e);
    }
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.explain(e);
    } finally {
      client.release();
    }
  }

  private async migrate(): Promise<void> {
    const latest = MIGRATIONS.at(-1)!.version;
    const current = await this.pool.query<{ v: number | null }>('SELECT max(version) AS v FROM nvcops.schema_migrations').then(
      (r) => r.rows[0]?.v ?? 0,
      (e: { code?: string }) => {
        if (e.code === '3F000' || e.code === '42P01') return 0; // no schema or no table yet
        throw e;
      },
    );
    if (current > latest) {
      throw new StateError(`state: ${this.location}: schema nvcops is at version ${current}, newer than this nvcops knows (${latest}); upgrade nvcops`);
    }
    if (current === latest) return;
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      // A DBA may have created the schema for a role without CREATE on the database.
      if ((await c.query("SELECT 1 FROM pg_namespace WHERE nspname = 'nvcops'")).rowCount === 0) await c.query('CREATE SCHEMA nvcops');
      await c.query(`CREATE TABLE IF NOT EXISTS nvcops.schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Set((await c.query<{ version: number }>('SELECT version FROM nvcops.schema_migrations')).rows.map((r) => r.version));
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await c.query(m.sql);
        await c.query('INSERT INTO nvcops.schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      }
    });
  }

  readonly audit = {
    append: (entry: AuditEntry): Promise<AuditRecord> =>
      this.tx(async (c) => {
        // The head row lock serialises writers from every host: each one chains on from the last committed record.
        const head = (await c.query<{ seq: string; hash: string }>('SELECT seq, hash FROM nvcops.audit_head FOR UPDATE')).rows[0]!;
        const record = seal(entry, { seq: Number(head.seq), hash: head.hash });
        await c.query('INSERT INTO nvcops.audit (seq, at, action, environment, record) VALUES ($1, $2, $3, $4, $5)', [
          record.seq, record.at, record.action, record.environment, JSON.stringify(record),
        ]);
        await c.query('UPDATE nvcops.audit_head SET seq = $1, hash = $2', [record.seq, record.hash]);
        return record;
      }),

    list: (filter: AuditFilter = {}): Promise<AuditRecord[]> =>
      this.run(async (c) => {
        const rows = (await c.query<{ record: string }>(
          'SELECT record FROM nvcops.audit WHERE ($1::timestamptz IS NULL OR at >= $1) AND ($2::timestamptz IS NULL OR at < $2) ORDER BY seq',
          [filter.since ?? null, filter.until ?? null],
        )).rows;
        return rows.flatMap((r) => {
          try {
            return [JSON.parse(r.record) as AuditRecord];
          } catch {
            return [];
          }
        }).filter((r) => matchesAudit(r, filter));
      }),

    verify: (): Promise<VerifyResult> =>
      this.tx(async (c) => {
        // One snapshot of trail and head, so a write landing mid-read is not taken for a removal.
        await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        const rows = (await c.query<{ record: string }>('SELECT record FROM nvcops.audit ORDER BY seq')).rows;
        const head = (await c.query<{ seq: string; hash: string }>('SELECT seq, hash FROM nvcops.audit_head')).rows[0];
        const records = rows.map((r, i): AuditRecord | Unreadable => {
          try {
            return JSON.parse(r.record) as AuditRecord;
          } catch {
            return { unreadable: true, position: i + 1 };
          }
        });
        const anchor: ChainHead | undefined = head && { seq: Number(head.seq), hash: head.hash };
        return verifyChain(records, anchor);
      }),
  };

  readonly history = {
    append: (entry: Omit<HistoryEntry, 'id'>): Promise<HistoryEntry> =>
      this.run(async (c) => {
        const full: HistoryEntry = { id: randomUUID(), ...entry };
        const checks = full.report.items.flatMap((i) => i.results.map((r) => r.id));
        await c.query('INSERT INTO nvcops.history (id, at, command, environment, checks, entry) VALUES ($1, $2, $3, $4, $5, $6)', [
          full.id, full.at, full.command, full.environment, checks, JSON.stringify(full),
        ]);
        return full;
      }),

    list: (filter: HistoryFilter = {}): Promise<HistoryEntry[]> =>
      this.run(async (c) => {
        const rows = (await c.query<{ entry: HistoryEntry }>(
          `SELECT entry FROM nvcops.history
            WHERE ($1::text IS NULL OR command = $1) AND ($2::text IS NULL OR checks @> ARRAY[$2::text])
              AND (NOT $3::boolean OR environment IS NOT DISTINCT FROM $4) AND ($5::timestamptz IS NULL OR at >= $5) AND ($6::timestamptz IS NULL OR at < $6)
            ORDER BY at DESC, id LIMIT $7`,
          [filter.command ?? null, filter.check ?? null, filter.environment !== undefined, filter.environment ?? null, filter.since ?? null, filter.until ?? null, filter.limit ?? null],
        )).rows;
        return rows.map((r) => r.entry).filter((e) => matchesHistory(e, filter)).reverse();
      }),

    prune: (before: Date, environment: string | null): Promise<number> =>
      this.run(async (c) => (await c.query('DELETE FROM nvcops.history WHERE at < $1 AND environment IS NOT DISTINCT FROM $2', [before, environment])).rowCount ?? 0),
  };

  readonly records = {
    put: <T extends Record<string, unknown>>(kind: string, id: string, data: T, opts: PutOptions): Promise<RecordVersion<T>> =>
      this.tx(async (c) => {
        // Per-record lock: two updates of one incident are ordered, updates of different ones are not held up.
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [kind, id]);
        const current = Number((await c.query<{ v: number | null }>('SELECT max(version) AS v FROM nvcops.records WHERE kind = $1 AND id = $2', [kind, id])).rows[0]?.v ?? 0);
        checkExpected(kind, id, current, opts.expectedVersion);
        const version: RecordVersion<T> = { kind, id, version: current + 1, at: new Date().toISOString(), by: opts.by, data };
        await c.query('INSERT INTO nvcops.records (kind, id, version, at, by, data) VALUES ($1, $2, $3, $4, $5, $6)', [
          kind, id, version.version, version.at, version.by, JSON.stringify(data),
        ]);
        return version;
      }),

    get: async <T extends Record<string, unknown>>(kind: string, id: string): Promise<RecordVersion<T> | undefined> =>
      (await this.records.versions<T>(kind, id)).at(-1),

    versions: <T extends Record<string, unknown>>(kind: string, id: string): Promise<RecordVersion<T>[]> =>
      this.run(async (c) => (await c.query(`${RECORD_COLUMNS} WHERE kind = $1 AND id = $2 ORDER BY version`, [kind, id])).rows.map(toVersion<T>)),

    list: <T extends Record<string, unknown>>(kind: string): Promise<RecordVersion<T>[]> =>
      this.run(async (c) =>
        (await c.query(
          `${RECORD_COLUMNS} r JOIN (SELECT id AS rid, max(version) AS latest, min(at) AS created FROM nvcops.records WHERE kind = $1 GROUP BY id) m
             ON m.rid = r.id AND m.latest = r.version WHERE r.kind = $1 ORDER BY m.created, r.id`,
          [kind],
        )).rows.map(toVersion<T>)),
  };

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

const RECORD_COLUMNS = 'SELECT kind, id, version, at, by, data FROM nvcops.records';

function toVersion<T>(row: { kind: string; id: string; version: number; at: Date; by: string; data: T }): RecordVersion<T> {
  return { kind: row.kind, id: row.id, version: row.version, at: row.at.toISOString(), by: row.by, data: row.data };
}
