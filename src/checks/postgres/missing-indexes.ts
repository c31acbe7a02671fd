import { defineCheck } from '../../engine/check.js';

/** Large tables read mostly by sequential scans: PgHero's missing_indexes rule. */
export default defineCheck({
  id: 'postgres.missing-indexes',
  title: 'Tables that may be missing an index',
  item: 'Database optimization: python scripts/db_optimization.py',
  requires: ['postgres'],
  unit: 'count',
  // PgHero missing_indexes: >= 10,000 live rows and fewer than 95% of scans use an index
  thresholds: { warn: '> 0', source: 'PgHero missing_indexes' },
  async run({ probes }) {
    const rows = await probes.postgres.primary.query<{ name: string; pct: number; seq: string; rows: string }>(
      `SELECT format('%I.%I', schemaname, relname) AS name, seq_scan AS seq, n_live_tup AS rows,
              round(100.0 * coalesce(idx_scan, 0) / nullif(seq_scan + coalesce(idx_scan, 0), 0), 1)::float8 AS pct
         FROM pg_stat_user_tables
        WHERE n_live_tup >= 10000 AND seq_scan > 0 AND 100.0 * coalesce(idx_scan, 0) / (seq_scan + coalesce(idx_scan, 0)) < 95
        ORDER BY seq_tup_read DESC`,
    );
    return {
      value: rows.length,
      message: `${rows.length} tables of >= 10000 rows where fewer than 95% of scans use an index`,
      details: rows.map((r) => `${r.name}: ${r.rows} rows, ${r.seq} sequential scans, ${r.pct ?? 0}% by index — find the query in pg_stat_statements (postgres.slow-statements) and index its WHERE columns`),
    };
  },
});
