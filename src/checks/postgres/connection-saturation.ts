import { defineCheck } from '../../engine/check.js';
import { sessions } from '../../probes/postgres-views.js';

/** Client connections as a share of the slots ordinary roles can use. */
export default defineCheck({
  id: 'postgres.connection-saturation',
  title: 'PostgreSQL connection saturation',
  nextStep: 'nvcops incident db',
  requires: ['postgres'],
  unit: '%',
  // awesome-prometheus-alerts: > 80% of (max_connections - reserved) warns; check_postgres backends crit 90-95%
  thresholds: { warn: '>= 80%', fail: '>= 90%', source: 'awesome-prometheus-alerts, check_postgres backends' },
  async run({ probes }) {
    const probe = probes.postgres.primary;
    // Sessions first: a role that cannot see other sessions would count too few, so that is an error, not a low number.
    const used = (await sessions(probe)).filter((s) => s.backend_type === 'client backend').length;
    const [row] = await probe.query<{ max: number; reserved: number }>(
      `SELECT current_setting('max_connections')::int AS max,
              current_setting('superuser_reserved_connections')::int
                + coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved`,
    );
    const usable = row!.max - row!.reserved;
    const pct = usable > 0 ? (100 * used) / usable : 100;
    return {
      value: Math.round(pct * 10) / 10,
      message: `${used} of ${usable} usable connections (max_connections ${row!.max}, ${row!.reserved} reserved)`,
    };
  },
});
