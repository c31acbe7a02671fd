import { defineCheck } from '../../engine/check.js';

/** Indexes left invalid by a failed CREATE INDEX CONCURRENTLY: written to on every change, never used. */
export default defineCheck({
  id: 'postgres.invalid-indexes',
  title: 'Invalid indexes',
  requires: ['postgres'],
  unit: 'count',
  // PgHero invalid_indexes and awesome-prometheus-alerts "invalid index": any is a warning
  thresholds: { warn: '> 0', source: 'PgHero invalid_indexes; awesome-prometheus-alerts' },
  async run({ probes }) {
    const rows = await probes.postgres.primary.query<{ index: string; table: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS index, t.relname AS table
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE NOT i.indisvalid
         AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid)`,
    );
    return {
      value: rows.length,
      message: rows.length ? `${rows.map((r) => `${r.index} on ${r.table}`).join(', ')}: drop and rebuild (REINDEX INDEX CONCURRENTLY)` : 'every index is valid',
    };
  },
});
