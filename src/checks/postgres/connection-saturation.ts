import { defineCheck } from '../../engine/check.js';

/** Client connections as a share of the slots ordinary roles can use. */
export default defineCheck({
  id: 'postgres.connection-saturation',
  title: 'PostgreSQL connection saturation',
  item: 'Database connections healthy',
  requires: ['postgres'],
  unit: '%',
  // awesome-prometheus-alerts: > 80% of (max_connections - reserved) warns; check_postgres backends crit 90-95%
  thresholds: { warn: '>= 80%', fail: '>= 90%', source: 'awesome-prometheus-alerts, check_postgres backends' },
  async run({ probes }) {
    const [row] = await probes.postgres.primary.query<{ used: number; max: number; reserved: number }>(
      `SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS used,
              current_setting('max_connections')::int AS max,
              current_setting('superuser_reserved_connections')::int
                + coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved`,
    );
    const usable = row!.max - row!.reserved;
    const pct = usable > 0 ? (100 * row!.used) / usable : 100;
    return {
      value: Math.round(pct * 10) / 10,
      message: `${row!.used} of ${usable} usable connections (max_connections ${row!.max}, ${row!.reserved} reserved)`,
    };
  },
});
