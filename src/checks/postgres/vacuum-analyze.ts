import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { autovacuumTrigger } from '../../probes/postgres-views.js';

interface Overdue { name: string; vacuum: boolean; analyse: boolean; since_s: number; last: string | null }

// Tables whose changes are past autovacuum's own trigger, and how long since they were last vacuumed or
// analysed (never: since the statistics began, the earliest time nvcops can know about).
const OVERDUE = `WITH t AS (
  SELECT format('%I.%I', s.schemaname, s.relname) AS name,
    s.n_dead_tup > ${autovacuumTrigger('vacuum')} AS needs_vacuum,
    s.n_mod_since_analyze > ${autovacuumTrigger('analyze')} AS needs_analyze,
    greatest(s.last_vacuum, s.last_autovacuum) AS vacuumed,
    greatest(s.last_analyze, s.last_autoanalyze) AS analysed
  FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid),
origin AS (SELECT greatest(pg_postmaster_start_time(),
  (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database())) AS at)
SELECT name, needs_vacuum AS vacuum, needs_analyze AS analyse,
  extract(epoch FROM now() - coalesce(
    CASE WHEN needs_vacuum AND needs_analyze THEN least(vacuumed, analysed) WHEN needs_vacuum THEN vacuumed ELSE analysed END,
    (SELECT at FROM origin)))::float8 AS since_s,
  (CASE WHEN needs_vacuum AND needs_analyze THEN least(vacuumed, analysed) WHEN needs_vacuum THEN vacuumed ELSE analysed END)::text AS last
FROM t WHERE needs_vacuum OR needs_analyze ORDER BY since_s DESC LIMIT 10`;

/** Tables that need a vacuum or an analyse and have not had one for long. */
export default defineCheck({
  id: 'postgres.vacuum-analyze',
  title: 'Tables not vacuumed or analysed for long',
  item: 'Vacuum and analyze operations',
  requires: ['postgres'],
  unit: 's',
  // check_postgres last_vacuum/last_analyze warn 1 day; awesome-prometheus-alerts: not (auto)vacuumed/analysed for 10 days while changed
  thresholds: { warn: '> 1d', fail: '> 10d', source: 'check_postgres last_vacuum; awesome-prometheus-alerts' },
  async run({ probes }) {
    const rows = await probes.postgres.primary.query<Overdue>(OVERDUE);
    if (!rows.length) return { value: 0, message: 'no table has changes past its autovacuum trigger' };
    const worst = rows[0]!;
    const what = (r: Overdue) => [r.vacuum && 'vacuum', r.analyse && 'analyse'].filter(Boolean).join(' and ');
    return {
      value: Math.round(worst.since_s),
      message: `${rows.length} table${rows.length > 1 ? 's' : ''} due; ${worst.name} needs ${what(worst)}, last done ${worst.last ? `${formatValue(Math.round(worst.since_s), 's')} ago` : 'never'}`,
      details: rows.map((r) => `${r.name}: needs ${what(r)}; last ${r.last ?? 'never'}`),
    };
  },
});
