/** `maintain db` (db_maintenance.py --vacuum --analyze) and `maintain stats` (update_db_stats.py). */
import type { ActionPlan, ActionStep, StepContext } from '../engine/action.js';
import { UsageError } from '../engine/errors.js';
import { formatValue, parseDuration } from '../engine/units.js';
import type { PostgresProbe } from '../probes/postgres.js';
import type { PlanContext } from '../app/act.js';
import { assertMaintainable } from '../probes/postgres-catalog.js';
import { autovacuumTrigger } from '../probes/postgres-views.js';

// APA "Postgresql too many dead tuples": more than 10,000 dead tuples and >= 10% of the table.
const DEFAULT_DEAD_TUPLE_RATIO = 10;
const DEFAULT_MIN_DEAD_TUPLES = 10_000;
// APA "Postgresql table not auto vacuumed": 10 days without a vacuum while changes accumulate.
const DEFAULT_STALE_AFTER = '10d';
// Waits at most this long for a table lock, so maintenance never queues for long in front of application traffic.
export const DEFAULT_LOCK_TIMEOUT = '5s';

interface TableStats {
  name: string;
  live: number;
  dead: number;
  mods: number;
  last_vacuum: Date | null;
  last_analyze: Date | null;
  size: number;
  analyze_due: boolean;
}

const TABLE_STATS = `
  SELECT format('%I.%I', s.schemaname, s.relname) AS name, s.n_live_tup::bigint AS live, s.n_dead_tup::bigint AS dead,
         s.n_mod_since_analyze::bigint AS mods,
         greatest(s.last_vacuum, s.last_autovacuum) AS last_vacuum, greatest(s.last_analyze, s.last_autoanalyze) AS last_analyze,
         -- relpages as of the last VACUUM/ANALYZE: pg_table_size() would wait for a lock held by someone else
         c.relpages::bigint * current_setting('block_size')::int AS size,
         -- autovacuum's own rule for ANALYZE: changes since the last analyze above threshold + scale_factor * reltuples
         s.n_mod_since_analyze > ${autovacuumTrigger('analyze', 'greatest(c.reltuples, s.n_live_tup)')} AS analyze_due
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
   ORDER BY s.n_dead_tup DESC, 1`;

/** Table statistics with the numbers as numbers. */
async function tableStats(pg: PostgresProbe): Promise<TableStats[]> {
  const rows = await pg.exec<Record<string, unknown>>(TABLE_STATS);
  return rows.map((r) => ({
    name: String(r.name),
    live: Number(r.live),
    dead: Number(r.dead),
    mods: Number(r.mods),
    last_vacuum: (r.last_vacuum as Date | null) ?? null,
    last_analyze: (r.last_analyze as Date | null) ?? null,
    size: Number(r.size),
    analyze_due: r.analyze_due === true,
  }));
}

const ratio = (t: TableStats) => (t.live + t.dead > 0 ? (100 * t.dead) / (t.live + t.dead) : 0);
const when = (d: Date | null, now: Date) => (d ? `${formatValue(Math.round((now.getTime() - d.getTime()) / 1000), 's')} ago` : 'never');

/** `--table` names resolved to quoted schema.table names; an unknown one is a usage error. */
async function resolveTables(pg: PostgresProbe, names: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const n of names) {
    const [row] = await pg.exec<{ name: string | null }>(
      `SELECT (SELECT format('%I.%I', ns.nspname, c.relname) FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
                WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'm', 'p')) AS name`,
      [n],
    );
    if (!row?.name) throw new UsageError(`--table ${n}: no such table in ${pg.address}`);
    out.push(row.name);
  }
  return out;
}

/** Polls a progress view for the backend doing the work, until `work` settles; Ctrl-C cancels the statement. */
async function withProgress<T>(
  work: (pid: number) => Promise<T>,
  session: PostgresProbe,
  watcher: PostgresProbe,
  ctx: StepContext,
  describe: (pid: number) => Promise<string | undefined>,
): Promise<T> {
  const [{ pid }] = (await session.exec<{ pid: number }>('SELECT pg_backend_pid() AS pid')) as [{ pid: number }];
  const cancel = () => void watcher.exec('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
  ctx.signal.addEventListener('abort', cancel, { once: true });
  let running = true;
  const poll = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, 500));
      if (!running) break;
      const text = await describe(pid).catch(() => undefined);
      if (text) ctx.progress(text);
    }
  })();
  try {
    return await work(pid);
  } finally {
    running = false;
    ctx.signal.removeEventListener('abort', cancel);
    await poll;
  }
}

const VACUUM_PROGRESS = `
  SELECT phase, heap_blks_total::bigint AS total, heap_blks_scanned::bigint AS scanned FROM pg_stat_progress_vacuum WHERE pid = $1
  UNION ALL
  SELECT phase, heap_blks_total::bigint, heap_blks_scanned::bigint FROM pg_stat_progress_cluster WHERE pid = $1`;

async function vacuumProgress(watcher: PostgresProbe, pid: number): Promise<string | undefined> {
  const [row] = await watcher.exec<{ phase: string; total: string; scanned: string }>(VACUUM_PROGRESS, [pid]);
  if (!row) return undefined;
  const total = Number(row.total);
  return total > 0 ? `${row.phase} ${Math.round((100 * Number(row.scanned)) / total)}% of ${total} blocks` : row.phase;
}

export interface DbOptions {
  vacuum?: boolean;
  analyze?: boolean;
  full?: boolean;
  table?: string[];
}

/** Chooses the tables (dead-tuple ratio and last vacuum, or --table) and plans one VACUUM per table. */
export async function planDb(ctx: PlanContext, opts: DbOptions): Promise<ActionPlan> {
  if (!opts.vacuum && !opts.analyze) throw new UsageError('maintain db: say what to do: --vacuum, --analyze or both');
  if (opts.full && !opts.vacuum) throw new UsageError('--full rewrites tables with VACUUM FULL: it needs --vacuum');
  const v = ctx.config.maintenance?.vacuum ?? {};
  const lockTimeoutMs = parseDuration(v.lockTimeout ?? DEFAULT_LOCK_TIMEOUT)!;
  const session = ctx.probes.maintenanceSession(lockTimeoutMs);
  const watcher = ctx.probes.maintenanceSession(1000);
  const minDead = v.minDeadTuples ?? DEFAULT_MIN_DEAD_TUPLES;
  const minRatio = v.deadTupleRatio ?? DEFAULT_DEAD_TUPLE_RATIO;
  const staleMs = parseDuration(v.staleAfter ?? DEFAULT_STALE_AFTER)!;
  const now = new Date();
  const stats = await tableStats(session);
  const byName = new Map(stats.map((t) => [t.name, t]));

  let chosen: { table: TableStats; why: string }[];
  if (opts.table?.length) {
    chosen = (await resolveTables(session, opts.table)).map((name) => ({
      table: byName.get(name) ?? { name, live: 0, dead: 0, mods: 0, last_vacuum: null, last_analyze: null, size: 0, analyze_due: false },
      why: 'named with --table',
    }));
  } else {
    chosen = stats.flatMap((t) => {
      if (t.dead < minDead) return [];
      const stale = !t.last_vacuum || now.getTime() - t.last_vacuum.getTime() > staleMs;
      if (ratio(t) >= minRatio) return [{ table: t, why: `${ratio(t).toFixed(1)}% dead tuples (>= ${minRatio}%)` }];
      if (stale) return [{ table: t, why: `last vacuum ${when(t.last_vacuum, now)} (> ${v.staleAfter ?? DEFAULT_STALE_AFTER})` }];
      return [];
    });
  }

  await assertMaintainable((sql, params) => session.exec(sql, params), chosen.map((c) => c.table.name), 'maintain db');
  const what = opts.vacuum ? `VACUUM (${[opts.full && 'FULL', opts.analyze && 'ANALYZE'].filter(Boolean).join(', ')})`.replace(' ()', '') : 'ANALYZE';
  // VACUUM FULL does not tell pg_stat what it removed (an ANALYZE or a plain VACUUM does): without one after it the
  // dead tuples stay counted, and the next run would plan the same rewrite under the same lock again.
  const statements = opts.full && !opts.analyze ? [what, 'VACUUM'] : [what];
  const steps: ActionStep[] = chosen.map(({ table, why }) => ({
    title: `${what} ${table.name}`,
    details: [
      `${why}; ${table.dead} dead of ${table.live + table.dead} rows (${ratio(table).toFixed(1)}%), ${formatValue(table.size, 'bytes')}`,
      `last vacuum ${when(table.last_vacuum, now)}, last analyze ${when(table.last_analyze, now)}`,
      ...(statements.length > 1 ? [`then VACUUM ${table.name}, so that pg_stat counts the dead tuples VACUUM FULL removed (it does not report them)`] : []),
    ],
    async run(step) {
      for (const statement of statements) {
        await withProgress(() => session.exec(`${statement} ${table.name}`), session, watcher, step, (pid) => vacuumProgress(watcher, pid));
      }
      const after = (await tableStats(session)).find((t) => t.name === table.name);
      const size = after ? `size ${formatValue(table.size, 'bytes')} → ${formatValue(after.size, 'bytes')}` : '';
      return `dead tuples ${table.dead} → ${after?.dead ?? '?'}, ${size}`;
    },
  }));
  const candidates = stats.filter((t) => t.dead > 0).length;
  return {
    action: 'maintain db',
    target: `PostgreSQL ${session.address}`,
    summary: [
      opts.table?.length
        ? `tables named with --table: ${chosen.length}`
        : `${chosen.length} of ${stats.length} tables need it (>= ${minDead} dead tuples and >= ${minRatio}% dead, or no vacuum for ${v.staleAfter ?? DEFAULT_STALE_AFTER}); ${candidates} have any dead tuples`,
      `each statement waits at most ${v.lockTimeout ?? DEFAULT_LOCK_TIMEOUT} for its lock (lock_timeout); a table it cannot lock fails and the others go on`,
    ],
    warnings: opts.full && steps.length
      ? [`VACUUM FULL rewrites each table under an ACCESS EXCLUSIVE lock: reads and writes of ${chosen.map((c) => c.table.name).join(', ')} wait until it finishes, and it needs free disk space as large as the table`]
      : [],
    steps,
  };
}

/** ANALYZE where autovacuum's analyze rule says statistics are stale (or every table with --all). */
export async function planStats(ctx: PlanContext, opts: { all?: boolean }): Promise<ActionPlan> {
  const lockTimeoutMs = parseDuration(ctx.config.maintenance?.vacuum?.lockTimeout ?? DEFAULT_LOCK_TIMEOUT)!;
  const session = ctx.probes.maintenanceSession(lockTimeoutMs);
  const now = new Date();
  const stats = await tableStats(session);
  const chosen = opts.all ? stats : stats.filter((t) => t.analyze_due);
  await assertMaintainable((sql, params) => session.exec(sql, params), chosen.map((t) => t.name), 'maintain stats');
  return {
    action: 'maintain stats',
    target: `PostgreSQL ${session.address}`,
    summary: [
      opts.all
        ? `--all: every one of ${stats.length} tables`
        : `${chosen.length} of ${stats.length} tables changed more than autovacuum_analyze_threshold + autovacuum_analyze_scale_factor × rows since their last analyze (the table's own settings where set)`,
    ],
    warnings: [],
    steps: chosen.map((t) => ({
      title: `ANALYZE ${t.name}`,
      details: [`${t.mods} rows changed since the last analyze (${when(t.last_analyze, now)}), ${t.live} live rows`],
      async run() {
        await session.exec(`ANALYZE ${t.name}`);
        const after = (await tableStats(session)).find((x) => x.name === t.name);
        return `rows changed since analyze ${t.mods} → ${after?.mods ?? '?'}`;
      },
    })),
  };
}
