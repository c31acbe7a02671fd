import { defineCheck } from '../../engine/check.js';
import { TargetError } from '../../engine/errors.js';
import { currentUser, maskedQuery } from '../../probes/postgres-views.js';

interface Statement { datname: string | null; query: string; calls: number; mean_ms: number; total_ms: number }

const HOW_TO_ENABLE = "add pg_stat_statements to shared_preload_libraries, restart PostgreSQL, then CREATE EXTENSION pg_stat_statements";

/** Statements slow on average and called often, from pg_stat_statements (PgHero's definition of slow). */
export default defineCheck({
  id: 'postgres.slow-statements',
  title: 'Slow statements (pg_stat_statements)',
  requires: ['postgres'],
  unit: 'count',
  // PgHero slow_query_ms = 20 and slow_query_calls = 100; any such statement is flagged
  thresholds: { warn: '> 0', source: 'PgHero slow_query_ms, slow_query_calls' },
  async run({ probes }) {
    const probe = probes.postgres.primary;
    const [ext] = await probe.query<{ extversion: string }>(`SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements'`);
    if (!ext) return { status: 'skip', message: `pg_stat_statements is not installed in this database: ${HOW_TO_ENABLE}` };
    // Version 1.8 (PostgreSQL 13) split planning from execution time.
    const [major, minor] = ext.extversion.split('.').map(Number);
    const mean = major! > 1 || minor! >= 8 ? 'mean_exec_time' : 'mean_time';
    const total = major! > 1 || minor! >= 8 ? 'total_exec_time' : 'total_time';
    let rows: Statement[];
    try {
      rows = (await probe.query<Statement>(
        `SELECT d.datname, s.query, s.calls::int8 AS calls, s.${mean}::float8 AS mean_ms, s.${total}::float8 AS total_ms
         FROM pg_stat_statements s LEFT JOIN pg_database d ON d.oid = s.dbid
         WHERE s.calls >= 100 AND s.${mean} >= 20 ORDER BY s.${total} DESC`,
      )).map((r) => ({ ...r, query: maskedQuery(r.query) ?? '' }));
    } catch (e) {
      if (/must be loaded via .?shared_preload_libraries/.test((e as Error).message)) {
        return { status: 'skip', message: `pg_stat_statements is installed but not loaded: ${HOW_TO_ENABLE}` };
      }
      throw e;
    }
    if (rows.some((r) => r.query === '<insufficient privilege>')) {
      throw new TargetError(`missing privilege: statements of other roles are hidden (<insufficient privilege>); GRANT pg_monitor (or pg_read_all_stats) TO ${await currentUser(probe)}`);
    }
    const oneLine = (q: string) => q.replace(/\s+/g, ' ').trim().slice(0, 120);
    return {
      value: rows.length,
      message: rows.length
        ? `${rows.length} statement${rows.length > 1 ? 's' : ''} average >= 20 ms over >= 100 calls; slowest in total: ${rows[0]!.mean_ms.toFixed(1)} ms x ${rows[0]!.calls}`
        : 'no statement averages >= 20 ms over >= 100 calls',
      details: rows.slice(0, 5).map((r) => `${r.mean_ms.toFixed(1)} ms mean x ${r.calls} calls (${r.datname ?? '?'}): ${oneLine(r.query)}`),
    };
  },
});
