import { defineCheck } from '../../engine/check.js';

// Our floor (PgHero sets none): under 20 scans one sequential scan alone (a pg_dump, a bulk DELETE) is more than 5%.
const MIN_SCANS = 20;

/** Large tables read mostly by sequential scans: PgHero's missing_indexes rule. */
export default defineCheck({
  id: 'postgres.missing-indexes',
  title: 'Tables that may be missing an index',
  requires: ['postgres'],
  unit: 'count',
  // PgHero missing_indexes: >= 10,000 live rows and fewer than 95% of scans use an index
  thresholds: { warn: '> 0', source: 'PgHero missing_indexes' },
  async run({ probes }) {
    const found = await probes.postgres.primary.query<{ name: string; pct: number; seq: string; rows: string; scans: string }>(
      `SELECT format('%I.%I', schemaname, relname) AS name, seq_scan AS seq, n_live_tup AS rows, seq_scan + coalesce(idx_scan, 0) AS scans,
              round(100.0 * coalesce(idx_scan, 0) / nullif(seq_scan + coalesce(idx_scan, 0), 0), 1)::float8 AS pct
         FROM pg_stat_user_tables
        WHERE n_live_tup >= 10000 AND seq_scan > 0 AND 100.0 * coalesce(idx_scan, 0) / (seq_scan + coalesce(idx_scan, 0)) < 95
        ORDER BY seq_tup_read DESC`,
    );
    const rows = found.filter((r) => Number(r.scans) >= MIN_SCANS);
    const early = found.length - rows.length;
    return {
      value: rows.length,
      message: `${rows.length} tables of >= 10000 rows where fewer than 95% of scans use an index${early ? `; ${early} not judged yet (fewer than ${MIN_SCANS} scans since the statistics reset)` : ''}`,
      details: rows.map((r) => `${r.name}: ${r.rows} rows, ${r.seq} sequential scans, ${r.pct ?? 0}% by index — find the query in pg_stat_statements (postgres.slow-statements) and index its WHERE columns`),
    };
  },
});
