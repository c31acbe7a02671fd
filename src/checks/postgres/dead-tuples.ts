import { defineCheck } from '../../engine/check.js';
import { grouped } from '../../engine/units.js';
import { onPrimary } from '../../probes/postgres-views.js';

/** Tables where dead rows pile up: more than 10,000 of them and a large share of the table. */
export default defineCheck({
  id: 'postgres.dead-tuples',
  title: 'Dead tuples',
  requires: ['postgres'],
  unit: '%',
  // awesome-prometheus-alerts "too many dead tuples": n_dead_tup > 10000 and >= 10% of the table
  thresholds: { warn: '>= 10%', source: 'awesome-prometheus-alerts' },
  async run({ probes }) {
    const probe = probes.postgres.primary;
    await onPrimary(probe, 'dead rows');
    const rows = await probe.query<{ name: string; live: number; dead: number; pct: number }>(
      `SELECT format('%I.%I', schemaname, relname) AS name, n_live_tup AS live, n_dead_tup AS dead,
              (100.0 * n_dead_tup / (n_live_tup + n_dead_tup))::float8 AS pct
       FROM pg_stat_user_tables WHERE n_dead_tup > 10000 ORDER BY 4 DESC LIMIT 10`,
    );
    if (!rows.length) return { value: 0, message: 'no table has more than 10,000 dead rows' };
    const worst = rows[0]!;
    return {
      value: Math.round(worst.pct * 10) / 10,
      message: `${worst.name}: ${grouped(Number(worst.dead))} dead of ${grouped(Number(worst.live) + Number(worst.dead))} rows`,
      details: rows.map((r) => `${r.name}: ${r.pct.toFixed(1)}% dead (${grouped(Number(r.dead))} rows)`),
    };
  },
});
