import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { autovacuumTrigger, onPrimary } from '../../probes/postgres-views.js';

interface Overdue { name: string; vacuum: boolean; analyse: boolean; since_s: number; vacuumed: string | null; analysed: string | null; vacuumed_s: number | null; analysed_s: number | null }

// Tables whose changes are past autovacuum's own trigger, and how long since the overdue operation was last
// done — an operation never done counts from when the statistics began, the earliest time nvcops can know
// about (least() would skip its NULL and time a table never vacuumed from its last analyse).
const OVERDUE = `WITH t AS (
  SELECT format('%I.%I', s.schemaname, s.relname) AS name,
    s.n_dead_tup > ${autovacuumTrigger('vacuum')} AS needs_vacuum,
    s.n_mod_since_analyze > ${autovacuumTrigger('analyze')} AS needs_analyze,
    greatest(s.last_vacuum, s.last_autovacuum) AS vacuumed,
    greatest(s.last_analyze, s.last_autoanalyze) AS analysed
  FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
  -- Nothing to judge without a dead row or a change: both triggers are at least 0 (their settings' minimum), and this
  -- test on the view's counters reaches its scan of pg_class, before any table's trigger is worked out.
  WHERE s.n_dead_tup > 0 OR s.n_mod_since_analyze > 0),
origin AS (SELECT greatest(pg_postmaster_start_time(),
  (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database())) AS at)
SELECT name, needs_vacuum AS vacuum, needs_analyze AS analyse,
  extract(epoch FROM now() - least(
    CASE WHEN needs_vacuum THEN coalesce(vacuumed, origin.at) END,
    CASE WHEN needs_analyze THEN coalesce(analysed, origin.at) END))::float8 AS since_s,
  vacuumed::text AS vacuumed, analysed::text AS analysed,
  extract(epoch FROM now() - vacuumed)::float8 AS vacuumed_s, extract(epoch FROM now() - analysed)::float8 AS analysed_s
FROM t, origin WHERE needs_vacuum OR needs_analyze ORDER BY since_s DESC LIMIT 10`;

/** Tables that need a vacuum or an analyse and have not had one for long. */
export default defineCheck({
  id: 'postgres.vacuum-analyze',
  title: 'Tables not vacuumed or analysed for long',
  requires: ['postgres'],
  unit: 's',
  // check_postgres last_vacuum/last_analyze warn 1 day; awesome-prometheus-alerts: not (auto)vacuumed/analysed for 10 days while changed
  thresholds: { warn: '> 1d', fail: '> 10d', source: 'check_postgres last_vacuum; awesome-prometheus-alerts' },
  async run({ probes }) {
    const probe = probes.postgres.primary;
    await onPrimary(probe, 'dead rows, changes since the last analyse and vacuum and analyse times');
    const rows = await probe.query<Overdue>(OVERDUE);
    if (!rows.length) return { value: 0, message: 'no table has changes past its autovacuum trigger' };
    const worst = rows[0]!;
    const what = (r: Overdue) => [r.vacuum && 'vacuum', r.analyse && 'analyse'].filter(Boolean).join(' and ');
    // Each overdue operation with when it was last done: `ago` for the message, the time itself for the details.
    const last = (r: Overdue, when: (at: string, s: number) => string) => [
      r.vacuum && `vacuumed ${r.vacuumed === null ? 'never' : when(r.vacuumed, r.vacuumed_s!)}`,
      r.analyse && `analysed ${r.analysed === null ? 'never' : when(r.analysed, r.analysed_s!)}`,
    ].filter(Boolean).join(', ');
    return {
      value: Math.round(worst.since_s),
      message: `${rows.length} table${rows.length > 1 ? 's' : ''} due; ${worst.name} needs ${what(worst)}: last ${last(worst, (_, ago) => `${formatValue(Math.round(ago), 's')} ago`)}`,
      details: rows.map((r) => `${r.name}: needs ${what(r)}; last ${last(r, (at) => at)}`),
    };
  },
});
