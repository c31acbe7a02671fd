/**
 * The shared store: the same data in a PostgreSQL schema `nvcops`, so an on-call team has one audit
 * trail, one run history and one incident list. nvcops creates and migrates the schema itself
 * (versioned migrations recorded in nvcops.schema_migrations). Writers on several hosts keep one
 * chain because every append takes one advisory lock in its transaction. The audit tables are only
 * ever inserted into, so the writer role needs INSERT and SELECT on them, nothing that could rewrite.
 * This is its own read-write connection; the check probes' sessions stay read-only.
 */
import type { Pool, PoolClient } from 'pg';
import { randomUUID } from 'node:crypto';
import { StateError } from '../engine/errors.js';
import { clientConfigs, resolvePostgres, tryNext } from '../engine/postgres-connection.js';
import { GENESIS, headMissing, seal, verifyChain, type Unreadable } from './chain.js';
import {
  checkExpected, matchesAudit, matchesHistory, REPORTED_HEADS, reportedHeads,
  type AuditEntry, type AuditFilter, type AuditRecord, type HistoryEntry, type HistoryFilter, type PutOptions, type RecordVersion, type Store,
  type ChainHead, type VerifyResult, type Witness,
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
  {
    version: 2,
    name: 'audit head: one row per record, inserted only',
    // The old head row is carried over, never made up from the trail: a head already deleted stays missing.
    sql: `
      ALTER TABLE nvcops.audit_head RENAME TO audit_head_v1;
      CREATE TABLE nvcops.audit_head (
        seq bigint PRIMARY KEY,
        hash text NOT NULL,
        at timestamptz
      );
      INSERT INTO nvcops.audit_head (seq, hash, at)
        SELECT h.seq, h.hash, a.at FROM nvcops.audit_head_v1 h LEFT JOIN nvcops.audit a ON a.seq = h.seq
         WHERE h.seq > 0 OR NOT EXISTS (SELECT 1 FROM nvcops.audit);
      DROP TABLE nvcops.audit_head_v1;`,
  },
];

/** Serialises appends from every host; an advisory lock needs no privilege (SELECT … FOR UPDATE would need UPDATE). */
const AUDIT_LOCK = 0x6e7663617564; // "nvcaud"

/** Privileges on the trail that would let this role rewrite it. */
const REWRITE_PRIVILEGES = `
  SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
    array(SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'nvcops' AND c.relname IN ('audit', 'audit_head') AND pg_has_role(current_user, c.relowner, 'USAGE') ORDER BY 1) AS owns,
    array(SELECT format('%s on nvcops.%s', p, t) FROM unnest(ARRAY['audit', 'audit_head']) t, unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE']) p
           WHERE has_table_privilege('nvcops.' || t, p) ORDER BY t, p) AS grants`;

interface AuditRow {
  seq: string;
  at: Date;
  action: string;
  environment: string | null;
  record: string;
}

/** The first row whose indexed columns (what `--since` and the filters use) disagree with its chained record. */
function columnsDisagree(rows: AuditRow[], records: (AuditRecord | Unreadable)[], before: number): { seq: number; column: string } | undefined {
  for (const [i, row] of rows.entries()) {
    const r = records[i]!;
    const seq = Number(row.seq);
    if (seq >= before) return undefined;
    if ('unreadable' in r) continue;
    const column = r.seq !== seq ? 'seq' : r.at !== row.at.toISOString() ? 'at' : r.action !== row.action ? 'action' : (r.environment ?? null) !== row.environment ? 'environment' : undefined;
    if (column) return { seq, column };
  }
  return undefined;
}

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
    if (err.code === '42501') return new StateError(`state: ${this.location}: missing privilege (${err.message}); creating or migrating schema nvcops takes its owner, and writing takes the GRANTs in docs/state-and-audit.md`);
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

  /**
   * A session-level advisory lock on a connection of its own, kept until release: the server gives it up
   * when the holder's session ends (the process killed, the host gone), so nothing is ever left behind.
   */
  async tryRunLock(key: string): Promise<{ release(): Promise<void> } | { heldBy: string }> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.explain(e);
    }
    const lockKey = `nvcops run ${key}`;
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [lockKey]);
      if (rows[0]!.locked) {
        return {
          release: async () => {
            await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey]).catch(() => undefined);
            client.release();
          },
        };
      }
      const holder = await client.query<{ who: string }>(
        `SELECT format('pid %s on %s since %s', a.pid, coalesce(host(a.client_addr), 'local socket'), to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) AS who
           FROM pg_locks l JOIN pg_stat_activity a USING (pid)
          WHERE l.locktype = 'advisory' AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)`,
        [lockKey],
      );
      client.release();
      return { heldBy: holder.rows[0] ? `session ${holder.rows[0].who}` : 'another session' };
    } catch (e) {
      client.release(true);
      throw this.explain(e);
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
        // The lock serialises writers from every host: each one chains on from the last committed record.
        await c.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
        const head = await this.readHead(c);
        const last = Number((await c.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM nvcops.audit')).rows[0]?.seq ?? 0);
        if (!head || head.seq < last) {
          throw new StateError(`state: ${this.location}: the audit trail's head (nvcops.audit_head) is ${head ? 'behind the trail' : 'missing'}, so records cut off the end cannot be ruled out; run \`nvcops audit verify\``);
        }
        const record = seal(entry, head);
        await c.query('INSERT INTO nvcops.audit (seq, at, action, environment, record) VALUES ($1, $2, $3, $4, $5)', [
          record.seq, record.at, record.action, record.environment, JSON.stringify(record),
        ]);
        await c.query('INSERT INTO nvcops.audit_head (seq, hash, at) VALUES ($1, $2, $3)', [record.seq, record.hash, record.at]);
        return record;
      }),

    head: (): Promise<ChainHead | undefined> => this.run((c) => this.readHead(c)),

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

    verify: (anchors: Witness[] = []): Promise<VerifyResult> =>
      this.tx(async (c) => {
        // One snapshot of trail, head and history, so a write landing mid-read is not taken for a removal.
        await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        const rows = (await c.query<AuditRow>('SELECT seq, at, action, environment, record FROM nvcops.audit ORDER BY seq')).rows;
        const heads = (await c.query<{ seq: string; hash: string }>('SELECT seq, hash FROM nvcops.audit_head ORDER BY seq')).rows;
        const reported = (await c.query<{ entry: HistoryEntry }>(
          "SELECT entry FROM nvcops.history WHERE entry->'report' ? 'audit' ORDER BY at DESC LIMIT $1", [REPORTED_HEADS],
        )).rows.map((r) => r.entry);
        const records = rows.map((r, i): AuditRecord | Unreadable => {
          try {
            return JSON.parse(r.record) as AuditRecord;
          } catch {
            return { unreadable: true, position: i + 1 };
          }
        });
        const own = heads.map((h): Witness => ({ seq: Number(h.seq), hash: h.hash, source: 'nvcops.audit_head' }));
        let result = verifyChain(records, [...own, ...reportedHeads(reported), ...anchors]);
        if (heads.length === 0) result = headMissing(result, "the trail's head (nvcops.audit_head)");
        const moved = columnsDisagree(rows, records, result.problem?.seq ?? Infinity);
        if (moved) {
          result = {
            ok: false, count: moved.seq - 1, head: moved.seq > 1 ? (records[moved.seq - 2] as AuditRecord).hash : GENESIS,
            problem: { seq: moved.seq, kind: 'edited', message: `record ${moved.seq} was changed after it was written (its ${moved.column} column no longer matches the chained record)` },
          };
        }
        const warnings = rewriteWarning((await c.query<{ superuser: boolean; owns: string[]; grants: string[] }>(REWRITE_PRIVILEGES)).rows[0]!);
        return warnings ? { ...result, warnings: [warnings] } : result;
      }),
  };

  /** The highest head row; undefined when there is none. */
  private async readHead(c: Query): Promise<ChainHead | undefined> {
    const row = (await c.query<{ seq: string; hash: string; at: Date | null }>('SELECT seq, hash, at FROM nvcops.audit_head ORDER BY seq DESC LIMIT 1')).rows[0];
    return row && { seq: Number(row.seq), hash: row.hash, ...(row.at ? { at: row.at.toISOString() } : {}) };
  }

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

/** What verify says when the role it runs as could rewrite the trail, which then proves only what its anchors witness. */
function rewriteWarning(p: { superuser: boolean; owns: string[]; grants: string[] }): string | undefined {
  // The strongest reason only: an owner or superuser holds every privilege anyway.
  const power = p.superuser ? 'is a superuser' : p.owns.length ? `owns ${p.owns.map((t) => `nvcops.${t}`).join(' and ')}` : p.grants.length ? `has ${p.grants.join(', ')}` : undefined;
  if (!power) return undefined;
  return `this role could rewrite the trail (it ${power}): the chain proves only what its anchors witness; write with a role that has INSERT and SELECT only (docs/state-and-audit.md)`;
}

const RECORD_COLUMNS = 'SELECT kind, id, version, at, by, data FROM nvcops.records';

function toVersion<T>(row: { kind: string; id: string; version: number; at: Date; by: string; data: T }): RecordVersion<T> {
  return { kind: row.kind, id: row.id, version: row.version, at: row.at.toISOString(), by: row.by, data: row.data };
}
