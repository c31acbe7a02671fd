import { PrivilegeError, TargetError } from '../engine/errors.js';
import { maskSecrets } from '../engine/redact.js';
import type { PostgresProbe } from './postgres.js';

/**
 * autovacuum's own trigger for a table whose pg_class row is `c`, in SQL: threshold + scale_factor × rows, each
 * setting the table's storage parameter (ALTER TABLE … SET (autovacuum_vacuum_scale_factor = …)) where set, else the server's.
 */
export function autovacuumTrigger(kind: 'vacuum' | 'analyze', rows = 'greatest(c.reltuples, 0)'): string {
  const setting = (name: string) =>
    `coalesce((SELECT o.option_value FROM pg_options_to_table(c.reloptions) o WHERE o.option_name = '${name}'), current_setting('${name}'))::float8`;
  return `(${setting(`autovacuum_${kind}_threshold`)} + ${setting(`autovacuum_${kind}_scale_factor`)} * ${rows})`;
}

/** One session from pg_stat_activity, with its times in seconds and whom it waits for. */
export interface Session {
  pid: number;
  usename: string | null;
  application_name: string | null;
  client_addr: string | null;
  backend_type: string | null;
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
  xact_s: number | null;
  query_s: number | null;
  state_s: number | null;
  lock_wait_s: number | null;
  blocked_by: number[] | null;
  query: string | null;
  me: boolean;
}

// One statement feeds every session check (idle in transaction, long queries, lock waits); the probe memoises it.
const ACTIVITY = `SELECT a.pid, a.usename, a.application_name, host(a.client_addr) AS client_addr, a.backend_type, a.state,
  a.wait_event_type, a.wait_event,
  extract(epoch FROM now() - a.xact_start)::float8 AS xact_s,
  extract(epoch FROM now() - a.query_start)::float8 AS query_s,
  extract(epoch FROM now() - a.state_change)::float8 AS state_s,
  CASE WHEN a.wait_event_type = 'Lock' THEN extract(epoch FROM now() - coalesce(
    (SELECT min(l.waitstart) FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted), a.query_start))::float8 END AS lock_wait_s,
  CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END AS blocked_by,
  a.query,
  a.pid = pg_backend_pid() AS me
FROM pg_stat_activity a`;

/** A query text as nvcops keeps it: secrets masked on the whole text, then cut (a cut first could split a card number). */
export const maskedQuery = (query: string | null): string | null => (query === null ? null : maskSecrets(query).slice(0, 300));

/** Sessions of other roles (their query texts masked), or an error naming the privilege when the role cannot see them. */
export async function sessions(probe: PostgresProbe): Promise<Session[]> {
  const rows = (await probe.query<Session>(ACTIVITY)).map((r) => ({ ...r, query: maskedQuery(r.query) }));
  const hidden = rows.filter((r) => r.query === '<insufficient privilege>').length;
  if (hidden > 0) {
    const user = await currentUser(probe);
    throw new PrivilegeError(
      `PostgreSQL ${probe.name}: missing privilege: ${hidden} sessions of other roles are hidden (<insufficient privilege>); GRANT pg_monitor (or pg_read_all_stats) TO ${user}`,
    );
  }
  return rows;
}

/** Client sessions other than nvcops' own. */
export const clientSessions = (all: Session[]): Session[] => all.filter((s) => s.backend_type === 'client backend' && !s.me);

/** "pid 4242 alice@billing (10.0.0.7): UPDATE accounts …" for a detail line. */
export function describeSession(s: Session): string {
  const who = `${s.usename ?? '?'}${s.application_name ? `@${s.application_name}` : ''}`;
  const query = (s.query ?? '').replace(/\s+/g, ' ').trim();
  return `pid ${s.pid} ${who}${s.client_addr ? ` (${s.client_addr})` : ''}: ${query.length > 120 ? `${query.slice(0, 117)}...` : query}`;
}

/** The current role's name, for messages that tell the operator what to grant. */
export async function currentUser(probe: PostgresProbe): Promise<string> {
  const [row] = await probe.query<{ user: string }>('SELECT current_user AS "user"');
  return row?.user ?? 'the nvcops role';
}

/**
 * Dead rows, changes since the last analyse and vacuum times are counted where the writes happen: on a
 * standby they read 0 and "never", which would pass whatever the primary's tables are like.
 */
export async function onPrimary(probe: PostgresProbe, what: string): Promise<void> {
  const [row] = await probe.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
  if (row?.recovery) {
    throw new TargetError(`PostgreSQL ${probe.name} (${probe.address}) is a standby (in recovery): ${what} are counted on the primary only; point postgres.url at the primary`);
  }
}
