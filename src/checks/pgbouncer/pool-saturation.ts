import { defineCheck } from '../../engine/check.js';
import { applicationPools, poolName, type PgbouncerDatabase } from '../../probes/pgbouncer.js';

/** Each pool's server connections in use against its pool_size: at the limit, the next client waits. */
export default defineCheck({
  id: 'pgbouncer.pool-saturation',
  title: 'PgBouncer pools near their limit',
  requires: ['pgbouncer'],
  unit: '%',
  // check_postgres pgbouncer_backends: 90% / 95% of the limit, applied to each pool's pool_size
  thresholds: { warn: '>= 90%', fail: '>= 95%', source: 'check_postgres pgbouncer_backends (90%/95%), per pool of pool_size' },
  async run({ probes }) {
    const [pools, databases] = await Promise.all([applicationPools(probes.pgbouncer), probes.pgbouncer.show<PgbouncerDatabase>('DATABASES')]);
    const size = new Map(databases.map((d) => [d.name, d.pool_size]));
    const used = pools.flatMap((p) => {
      const limit = size.get(p.database);
      return limit ? [{ pool: p, limit, percent: Math.round((100 * p.sv_active) / limit * 10) / 10 }] : [];
    }).sort((a, b) => b.percent - a.percent);
    const top = used[0];
    if (!top) return { status: 'skip', message: 'no pool open yet: PgBouncer opens a pool at its first client' };
    return {
      value: top.percent,
      message: `${poolName(top.pool)}: ${top.pool.sv_active} of pool_size ${top.limit} server connections in use (${top.percent}%)${top.pool.cl_waiting ? `, ${top.pool.cl_waiting} clients waiting` : ''}`,
      ...(used.length > 1 && { details: used.map((u) => `${poolName(u.pool)}: ${u.pool.sv_active} of ${u.limit} in use`) }),
    };
  },
});
