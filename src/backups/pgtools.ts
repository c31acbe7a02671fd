/**
 * The PostgreSQL client programs (pg_dump, pg_restore) and the privileged connection backups,
 * restores and drills use. The connection goes to the child through libpq's variables
 * (PGPASSWORD among them), never on its command line, where `ps` would show it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import type { Config } from '../engine/config/index.js';
import { ConfigError, UnavailableError } from '../engine/errors.js';
import { clientConfigs, connectPostgres, libpqEnvironment, onDatabase, resolvePostgres, type PgConnection } from '../engine/postgres-connection.js';

type PgProgram = 'pg_dump' | 'pg_restore' | 'pg_ctl' | 'pg_controldata';

/** $PG_BIN when set (and only there), else the newest /usr/lib/postgresql/<major>/bin, else PATH: a client at least as new as the server. */
export function pgProgram(name: PgProgram, environ: NodeJS.ProcessEnv = process.env): string {
  if (environ.PG_BIN) {
    const chosen = join(environ.PG_BIN, name);
    if (!existsSync(chosen)) throw new UnavailableError(`${name} not found in PG_BIN (${environ.PG_BIN}): install the postgresql-client package or point PG_BIN at its bin directory`);
    return chosen;
  }
  const dirs: string[] = [];
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    dirs.push(...readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)).map((v) => join(root, v, 'bin')));
  }
  dirs.push(...(environ.PATH ?? '').split(':').filter(Boolean));
  const found = dirs.map((d) => join(d, name)).find((p) => existsSync(p));
  if (!found) throw new UnavailableError(`${name} not found in /usr/lib/postgresql/*/bin or on PATH: install the postgresql-client package`);
  return found;
}

/** A server and role for the client programs and for pg, resolved once by libpq's rules (engine/postgres-connection.ts). */
export type PgTarget = PgConnection;

/** The target a URL names (undefined: the PG* variables and service alone); `setting` is the config key it came from. */
export const pgTarget = (url: string | undefined, setting: string): PgTarget => resolvePostgres(url, { setting });

/** The database a target points at. */
export const databaseOf = (t: PgTarget): string => t.database;

export { onDatabase };

/** postgres.adminUrl (a role that may dump, create databases and promote), else postgres.url, else the PG* variables. */
export function adminTarget(config: Config): PgTarget {
  if (!config.postgres) throw new ConfigError('postgres.adminUrl: PostgreSQL not configured; set postgres.adminUrl (or postgres.url, NVCOPS_POSTGRES_URL, the PG* variables)');
  const { adminUrl, url } = config.postgres;
  return pgTarget(adminUrl ?? url, adminUrl ? 'postgres.adminUrl' : url ? 'postgres.url' : 'the PG* variables');
}

/** Environment for a client program: the resolved settings as libpq's variables (the password among them), nothing on its command line. */
export const pgEnv = (t: PgTarget): NodeJS.ProcessEnv => libpqEnvironment(t);

/** A read-write session for actions (the checks' probe is read-only by design). */
export async function connectAdmin(t: PgTarget, connectTimeoutMs = 10_000): Promise<Client> {
  const { default: pg } = await import('pg');
  const configs = await clientConfigs(t, { application_name: 'nvcops', connectionTimeoutMillis: connectTimeoutMs });
  try {
    return await connectPostgres(configs, (c) => new pg.Client(c));
  } catch (e) {
    throw new UnavailableError(`PostgreSQL ${t.address}: ${(e as Error).message || (e as { code?: string }).code}`);
  }
}

/** `--dbname` as a conninfo keyword: libpq reads a bare name holding `=` (or starting postgres://) as a connection string. */
export const conninfoDbname = (name: string): string => `dbname='${name.replace(/[\\']/g, (ch) => `\\${ch}`)}'`;

/** Cuts a session's socket: a statement waiting on a lock (or a frozen server) stops at once. */
export function cutConnection(client: Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/** `schema.table` for messages and manifests; quote_ident-style quoting for SQL. */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Every user table's exact row count, `schema.table` → rows, in the session's snapshot. */
export async function tableRowCounts(client: Client): Promise<Record<string, number>> {
  const { rows } = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      ORDER BY 1, 2`,
  );
  const counts: Record<string, number> = {};
  for (const t of rows) {
    // ONLY: a child table's rows are counted once, under the child, as pg_dump dumps them.
    const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ONLY ${quoteIdent(t.schema)}.${quoteIdent(t.name)}`);
    counts[`${t.schema}.${t.name}`] = Number(r.rows[0]!.n);
  }
  return counts;
}
