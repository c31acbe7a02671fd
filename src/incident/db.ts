import type { PostgresProbe } from '../probes/postgres.js';
import { maskedQuery } from '../probes/postgres-views.js';
import { formatValue } from '../engine/units.js';
import type { Section, SectionState } from './document.js';
import { formatAge } from './time.js';

export interface Session {
  pid: number;
  blocked_by: number[];
  usename: string | null;
  application_name: string | null;
  client_addr: string | null;
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
  backend_type: string | null;
  xact_age: number | null;
  query_age: number | null;
  query: string | null;
}

export interface DbOptions {
  /** Queries running longer than this are listed (PgHero long_running_query_sec: 60 s). */
  longRunningMs: number;
  /** Counters from the previous look, so deadlocks and temp files read as "since then". */
  previous?: Counters;
  now: Date;
}

/** Cumulative pg_stat_database counters kept between looks. */
export interface Counters {
  at: string;
  /** stats_reset: when the database's statistics were last reset (absent in counters kept by older versions). */
  databases: Record<string, { deadlocks: number; temp_files: number; temp_bytes: number; stats_reset?: string | null }>;
}

type Counted = Counters['databases'][string];
const COUNTED = ['deadlocks', 'temp_files', 'temp_bytes'] as const;

/** The previous look at a database, unless its statistics were reset since (pg_stat_reset, a crash): then they count from the reset. */
function unlessReset(previous: Counted | undefined, current: Counted): Counted | undefined {
  if (!previous) return undefined;
  const reset = (previous.stats_reset !== undefined && previous.stats_reset !== current.stats_reset) || COUNTED.some((k) => current[k] < previous[k]);
  return reset ? undefined : previous;
}

const SESSIONS = `SELECT pid, pg_blocking_pids(pid) AS blocked_by, usename, application_name, client_addr::text AS client_addr, state,
  wait_event_type, wait_event, backend_type,
  EXTRACT(EPOCH FROM now() - xact_start)::float8 AS xact_age, EXTRACT(EPOCH FROM now() - query_start)::float8 AS query_age,
  query
FROM pg_stat_activity WHERE pid <> pg_backend_pid()`;

const oneLine = (q: string | null) => (q ?? '').replace(/\s+/g, ' ').trim().slice(0, 160);
/** Query texts carry literals: passwords and card numbers among them. */
const masked = <T extends { query: string | null }>(rows: T[]): T[] => rows.map((r) => ({ ...r, query: maskedQuery(r.query) }));
const age = (s: number | null) => (s === null ? '—' : formatAge(s * 1000));
const who = (s: Session) => `${s.usename ?? '?'}@${s.application_name || s.client_addr || 'local'}`;

async function section(title: string, work: () => Promise<Omit<Section, 'title'>>): Promise<Section> {
  try {
    return { title, ...(await work()) };
  } catch (e) {
    return { title, state: 'error', summary: (e as Error).message };
  }
}

/** Who blocks whom: roots hold locks others wait for; each waiter is indented under the session it waits on. */
export function blockingTree(sessions: Session[]): { lines: string[]; roots: number[]; blocked: number } {
  const byPid = new Map(sessions.map((s) => [s.pid, s]));
  const waiters = new Map<number, number[]>();
  for (const s of sessions) for (const b of s.blocked_by) waiters.set(b, [...(waiters.get(b) ?? []), s.pid]);
  const blocked = sessions.filter((s) => s.blocked_by.length > 0);
  // A cycle (a deadlock the detector has not broken yet) has no root; start from its lowest pid.
  let roots = [...waiters.keys()].filter((pid) => !(byPid.get(pid)?.blocked_by.length));
  if (!roots.length && waiters.size) roots = [Math.min(...waiters.keys())];
  const lines: string[] = [];
  const seen = new Set<number>();
  const describe = (pid: number) => {
    const s = byPid.get(pid);
    if (!s) return `pid ${pid} (not visible: grant pg_monitor)`;
    const waiting = s.blocked_by.length ? `waiting ${age(s.query_age)} on ${s.wait_event_type ?? 'Lock'}/${s.wait_event ?? '?'}` : `${s.state ?? '?'}, transaction open ${age(s.xact_age)}`;
    return `pid ${pid} ${who(s)} (${waiting}): ${oneLine(s.query)}`;
  };
  const walk = (pid: number, prefix: string, last: boolean, depth: number) => {
    lines.push(depth === 0 ? describe(pid) : `${prefix}${last ? '└─ ' : '├─ '}${describe(pid)}`);
    if (seen.has(pid)) return;
    seen.add(pid);
    const kids = waiters.get(pid) ?? [];
    kids.forEach((k, i) => walk(k, depth === 0 ? '' : `${prefix}${last ? '   ' : '│  '}`, i === kids.length - 1, depth + 1));
  };
  for (const r of roots) walk(r, '', true, 0);
  return { lines, roots, blocked: blocked.length };
}

/** db_diagnostics.py: everything an on-call engineer asks the database during an incident, each part independent of the others. */
export async function dbDiagnostics(primary: PostgresProbe, replicas: PostgresProbe[], opts: DbOptions): Promise<{ sections: Section[]; counters?: Counters }> {
  const sessions = async () => masked(await primary.query<Session>(SESSIONS));
  const version = async () => Number((await primary.query<{ v: string }>("SELECT current_setting('server_version_num') AS v"))[0]!.v);
  const clients = async () => (await sessions()).filter((s) => s.backend_type === 'client backend');
  let counters: Counters | undefined;

  // One connection answers in turn: pg deprecates queries sent while another is still running.
  const parts: Section[] = [];
  for (const part of [
    () => section('Blocking tree', async () => {
      const tree = blockingTree(await sessions());
      return tree.blocked
        ? { state: 'attention', summary: `${tree.blocked} sessions waiting behind ${tree.roots.length} blocker(s): pid ${tree.roots.join(', ')}`, lines: tree.lines, data: tree }
        : { state: 'ok', summary: 'no session is waiting on another', data: tree };
    }),
    () => section('Long-running queries', async () => {
      const limit = opts.longRunningMs / 1000;
      const long = (await clients()).filter((s) => s.state !== 'idle' && (s.query_age ?? 0) > limit).sort((a, b) => (b.query_age ?? 0) - (a.query_age ?? 0));
      return {
        state: long.length ? 'attention' : 'ok',
        summary: long.length ? `${long.length} running longer than ${formatAge(opts.longRunningMs)}` : `none longer than ${formatAge(opts.longRunningMs)}`,
        table: { head: ['pid', 'who', 'state', 'running', 'transaction', 'query'], rows: long.map((s) => [String(s.pid), who(s), s.state ?? '?', age(s.query_age), age(s.xact_age), oneLine(s.query)]) },
        data: long,
      };
    }),
    () => section('Lock waits by relation', async () => {
      const since = (await version()) >= 140000 ? 'max(EXTRACT(EPOCH FROM now() - w.waitstart))::float8' : 'NULL::float8';
      // A row lock wait is on a transaction id; the relation is the one the waiter holds a tuple or row lock on.
      const rows = await primary.query<{ relation: string; mode: string; waiting: number; longest: number | null }>(`
        SELECT coalesce(w.relation, (SELECT t.relation FROM pg_locks t WHERE t.pid = w.pid AND t.locktype = 'tuple' LIMIT 1),
                 (SELECT r.relation FROM pg_locks r WHERE r.pid = w.pid AND r.locktype = 'relation' AND r.granted AND r.mode <> 'AccessShareLock'
                    AND r.database = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY r.relation LIMIT 1))::regclass::text AS relation,
          w.mode, count(*)::int AS waiting, ${since} AS longest
        FROM pg_locks w WHERE NOT w.granted GROUP BY 1, 2 ORDER BY 3 DESC`);
      return {
        state: rows.length ? 'attention' : 'ok',
        summary: rows.length ? `${rows.reduce((n, r) => n + r.waiting, 0)} lock waits on ${new Set(rows.map((r) => r.relation)).size} relation(s)` : 'no lock waits',
        table: { head: ['relation', 'mode', 'waiting', 'longest wait'], rows: rows.map((r) => [r.relation ?? '(transaction)', r.mode, String(r.waiting), age(r.longest)]) },
        data: rows,
      };
    }),
    () => section('Connections', async () => {
      const all = await clients();
      const [{ max }] = (await primary.query<{ max: number }>("SELECT current_setting('max_connections')::int AS max")) as [{ max: number }];
      const count = (key: (s: Session) => string) => {
        const m = new Map<string, number>();
        for (const s of all) m.set(key(s), (m.get(key(s)) ?? 0) + 1);
        return [...m.entries()].sort((a, b) => b[1] - a[1]);
      };
      const groups = { state: count((s) => s.state ?? 'unknown'), application: count((s) => s.application_name || '(none)'), user: count((s) => s.usename ?? '?'), client: count((s) => s.client_addr ?? 'local socket') };
      const rows = Object.entries(groups).flatMap(([by, entries]) => entries.slice(0, 10).map(([k, n]) => [by, k, String(n)]));
      const pct = (100 * all.length) / max;
      return {
        // awesome-prometheus-alerts "too many connections": 80% of max_connections.
        state: pct >= 80 ? 'attention' : 'ok',
        summary: `${all.length} client connections of max_connections ${max} (${pct.toFixed(0)}%)`,
        table: { head: ['by', 'value', 'connections'], rows },
        data: { total: all.length, max, ...groups },
      };
    }),
    () => section('Replication', async () => {
      const lines: string[] = [];
      let trouble = 0;
      const [{ recovery }] = (await primary.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery')) as [{ recovery: boolean }];
      if (recovery) { lines.push('the configured primary is in recovery (a standby)'); trouble++; }
      else {
        const senders = await primary.query<{ application_name: string; client_addr: string; state: string; sync_state: string; behind: number | null; replay_lag: number | null }>(
          `SELECT application_name, client_addr::text AS client_addr, state, sync_state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS behind,
             EXTRACT(EPOCH FROM replay_lag)::float8 AS replay_lag FROM pg_stat_replication`);
        for (const s of senders) lines.push(`sender → ${s.application_name || s.client_addr}: ${s.state}, ${s.sync_state}, ${formatValue(s.behind ?? 0, 'bytes')} behind, replay lag ${s.replay_lag === null ? '0 s' : formatAge(s.replay_lag * 1000)}`);
        if (!senders.length) lines.push('no standby is streaming from the primary');
        const slots = await primary.query<{ slot_name: string; active: boolean; retained: number | null }>(
          'SELECT slot_name, active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::float8 AS retained FROM pg_replication_slots');
        for (const s of slots) {
          if (!s.active) trouble++;
          lines.push(`slot ${s.slot_name}: ${s.active ? 'active' : 'INACTIVE'}, retains ${formatValue(s.retained ?? 0, 'bytes')} of WAL`);
        }
      }
      for (const r of replicas) {
        try {
          const [row] = await r.query<{ recovery: boolean; lag: number | null; receiver: string | null }>(
            `SELECT pg_is_in_recovery() AS recovery,
               CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 END AS lag,
               (SELECT status FROM pg_stat_wal_receiver) AS receiver`);
          // PgHero and awesome-prometheus-alerts: replication lag over 5 s needs a look.
          if (!row!.recovery || row!.receiver !== 'streaming' || (row!.lag ?? 0) > 5) trouble++;
          lines.push(`replica ${r.name} (${r.address}): ${row!.recovery ? 'in recovery' : 'NOT in recovery (promoted?)'}, receiver ${row!.receiver ?? 'not running'}, replay lag ${formatAge((row!.lag ?? 0) * 1000)}`);
        } catch (e) {
          trouble++;
          lines.push(`replica ${r.name}: ${(e as Error).message}`);
        }
      }
      return { state: trouble ? 'attention' : 'ok', summary: trouble ? `${trouble} problem(s)` : 'replication healthy', lines };
    }),
    () => section('Deadlocks and temp files', async () => {
      const rows = await primary.query<{ datname: string; deadlocks: string; temp_files: string; temp_bytes: string; stats_reset: Date | null }>(
        'SELECT datname, deadlocks, temp_files, temp_bytes, stats_reset FROM pg_stat_database WHERE datname IS NOT NULL ORDER BY datname');
      const [{ log_temp_files: logTemp, work_mem: workMem }] = (await primary.query<{ log_temp_files: string; work_mem: string }>(
        "SELECT current_setting('log_temp_files') AS log_temp_files, current_setting('work_mem') AS work_mem")) as [{ log_temp_files: string; work_mem: string }];
      const resetAt = (r: { stats_reset: Date | null }) => (r.stats_reset ? new Date(r.stats_reset).toISOString() : null);
      counters = { at: opts.now.toISOString(), databases: Object.fromEntries(rows.map((r) => [r.datname, { deadlocks: Number(r.deadlocks), temp_files: Number(r.temp_files), temp_bytes: Number(r.temp_bytes), stats_reset: resetAt(r) }])) };
      const prev = opts.previous;
      const since = new Map(rows.map((r) => [r.datname, unlessReset(prev?.databases[r.datname], counters!.databases[r.datname]!)]));
      const delta = (db: string, k: (typeof COUNTED)[number]) => counters!.databases[db]![k] - (since.get(db)?.[k] ?? 0);
      const recent = rows.filter((r) => delta(r.datname, 'deadlocks') > 0 || delta(r.datname, 'temp_files') > 0);
      const reset = rows.filter((r) => prev?.databases[r.datname] && !since.get(r.datname)).map((r) => {
        const at = counters!.databases[r.datname]!.stats_reset;
        return `${r.datname} since its statistics were reset${at ? ` at ${at}` : ''}`;
      });
      const basis = prev ? `since the last look at ${prev.at}${reset.length ? ` (${reset.join('; ')})` : ''}` : 'since the statistics were last reset';
      return {
        state: rows.some((r) => delta(r.datname, 'deadlocks') > 0) ? 'attention' : 'ok',
        summary: recent.length
          ? `${recent.map((r) => `${r.datname}: ${delta(r.datname, 'deadlocks')} deadlocks, ${delta(r.datname, 'temp_files')} temp files (${formatValue(delta(r.datname, 'temp_bytes'), 'bytes')})`).join('; ')} ${basis}`
          : `no deadlocks or temp files ${basis}`,
        table: {
          head: ['database', 'deadlocks', 'temp files', 'temp bytes', 'stats reset'],
          rows: rows.map((r) => [r.datname, String(r.deadlocks), String(r.temp_files), formatValue(Number(r.temp_bytes), 'bytes'), r.stats_reset ? new Date(r.stats_reset).toISOString() : 'never']),
        },
        lines: [`work_mem ${workMem}; log_temp_files ${logTemp}${logTemp === '-1' ? ' (temp files are not logged: set log_temp_files = 0 to see which queries spill)' : ''}`],
        data: { rows, previous: prev ?? null },
      };
    }),
    () => section('Checkpoint pressure', async () => {
      const sql = (await version()) >= 170000
        ? 'SELECT num_timed::float8 AS timed, num_requested::float8 AS requested, stats_reset FROM pg_stat_checkpointer'
        : 'SELECT checkpoints_timed::float8 AS timed, checkpoints_req::float8 AS requested, stats_reset FROM pg_stat_bgwriter';
      const [c] = (await primary.query<{ timed: number; requested: number; stats_reset: Date | null }>(sql)) as [{ timed: number; requested: number; stats_reset: Date | null }];
      const [s] = (await primary.query<{ timeout: string; max_wal: string }>("SELECT current_setting('checkpoint_timeout') AS timeout, current_setting('max_wal_size') AS max_wal")) as [{ timeout: string; max_wal: string }];
      const total = c.timed + c.requested;
      const share = total ? (100 * c.requested) / total : 0;
      // awesome-prometheus-alerts "too many checkpoints requested": requested over half of all checkpoints.
      const state: SectionState = total && share > 50 ? 'attention' : 'ok';
      return {
        state,
        summary: `${c.requested} requested vs ${c.timed} timed checkpoints (${share.toFixed(0)}% requested) since ${c.stats_reset ? new Date(c.stats_reset).toISOString() : 'the start'}${state === 'attention' ? ` — WAL fills before checkpoint_timeout ${s.timeout}: consider raising max_wal_size (${s.max_wal})` : ''}`,
        data: { ...c, checkpoint_timeout: s.timeout, max_wal_size: s.max_wal },
      };
    }),
    () => section('Top statements by time', async () => {
      const installed = await primary.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'");
      if (!installed.length) {
        return { state: 'skipped', summary: "pg_stat_statements is not installed: add it to shared_preload_libraries, restart, then CREATE EXTENSION pg_stat_statements" };
      }
      const cols = (await version()) >= 130000 ? { total: 'total_exec_time', mean: 'mean_exec_time' } : { total: 'total_time', mean: 'mean_time' };
      const rows = masked(await primary.query<{ query: string; calls: string; total_ms: number; mean_ms: number; rows: string }>(
        `SELECT query, calls, ${cols.total}::float8 AS total_ms, ${cols.mean}::float8 AS mean_ms, rows FROM pg_stat_statements ORDER BY ${cols.total} DESC LIMIT 10`));
      return {
        state: 'ok',
        summary: `the ${rows.length} statements with the most total time`,
        table: { head: ['total', 'calls', 'mean', 'rows', 'query'], rows: rows.map((r) => [formatValue(r.total_ms, 'ms'), String(r.calls), formatValue(r.mean_ms, 'ms'), String(r.rows), oneLine(r.query)]) },
        data: rows,
      };
    }),
  ]) parts.push(await part());
  return { sections: parts, counters };
}
