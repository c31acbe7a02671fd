import { defineCheck } from '../../engine/check.js';

interface Blocks { table_hit: number | null; table_read: number | null; index_hit: number | null; index_read: number | null }

// Our floor (PgHero and check_postgres set none): from 10,000 block reads one read moves the ratio by at most the 0.01% it is shown with.
const MIN_BLOCKS = 10_000;

// The sums of pg_statio_user_tables' heap_blks_* and pg_statio_user_indexes' idx_blks_*, in one pass over pg_class:
// those views are the same functions per relation, but each pass over them walks the catalog again (and the
// tables' view sums every table's indexes and TOAST besides). The user tables are those views' own: relkind r, t or
// m outside pg_catalog, information_schema and the TOAST schemas; their indexes are the relkind i in the same
// schemas (an index lives in its table's schema, and a partitioned table's indexes are relkind I).
export const BLOCKS = `SELECT
  sum(pg_stat_get_blocks_hit(c.oid)) FILTER (WHERE c.relkind <> 'i')::float8 AS table_hit,
  sum(pg_stat_get_blocks_fetched(c.oid) - pg_stat_get_blocks_hit(c.oid)) FILTER (WHERE c.relkind <> 'i')::float8 AS table_read,
  sum(pg_stat_get_blocks_hit(c.oid)) FILTER (WHERE c.relkind = 'i')::float8 AS index_hit,
  sum(pg_stat_get_blocks_fetched(c.oid) - pg_stat_get_blocks_hit(c.oid)) FILTER (WHERE c.relkind = 'i')::float8 AS index_read
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 't', 'm', 'i') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'`;

/** Share of table and index block reads served from shared buffers. */
export default defineCheck({
  id: 'postgres.cache-hit-ratio',
  title: 'Cache hit ratio (tables and indexes)',
  requires: ['postgres'],
  unit: '%',
  // PgHero cache_hit_rate_threshold = 99; below 95% reads go to disk far too often (awesome-prometheus-alerts alerts < 98%)
  thresholds: { warn: '< 99%', fail: '< 95%', source: 'PgHero cache_hit_rate_threshold; awesome-prometheus-alerts' },
  async run({ probes }) {
    const [b] = await probes.postgres.primary.query<Blocks>(BLOCKS);
    const ratio = (hit: number | null, read: number | null) => {
      const total = (hit ?? 0) + (read ?? 0);
      return { total, pct: total >= MIN_BLOCKS ? (100 * (hit ?? 0)) / total : undefined };
    };
    const table = ratio(b!.table_hit, b!.table_read);
    const index = ratio(b!.index_hit, b!.index_read);
    const seen = [table.pct, index.pct].filter((r): r is number => r !== undefined);
    if (!seen.length) {
      return {
        status: 'skip',
        message: `not enough data yet: ${table.total + index.total} block reads since the statistics reset (${table.total} table, ${index.total} index; judged from ${MIN_BLOCKS} of either)`,
      };
    }
    const pct = (r: { total: number; pct?: number }) => (r.pct === undefined ? `not enough data (${r.total} block reads)` : `${r.pct.toFixed(2)}%`);
    return {
      value: Math.floor(Math.min(...seen) * 100) / 100,
      message: `tables ${pct(table)}, indexes ${pct(index)}`,
    };
  },
});
