import { defineCheck } from '../../engine/check.js';
import { applicationPools, poolName } from '../../probes/pgbouncer.js';

/** How long the oldest waiting client of any pool has waited for a server connection (SHOW POOLS maxwait). */
export default defineCheck({
  id: 'pgbouncer.max-wait',
  title: 'PgBouncer longest client wait',
  requires: ['pgbouncer'],
  unit: 's',
  // awesome-prometheus-alerts: PgBouncer maxwait above 15 s
  thresholds: { fail: '> 15s', source: 'awesome-prometheus-alerts (pgbouncer maxwait > 15 s); check_postgres pgbouncer_maxwait' },
  async run({ probes }) {
    const pools = await applicationPools(probes.pgbouncer);
    const wait = (p: { maxwait: number; maxwait_us: number }) => p.maxwait + p.maxwait_us / 1e6;
    const worst = pools.reduce<(typeof pools)[number] | undefined>((a, b) => (!a || wait(b) > wait(a) ? b : a), undefined);
    if (!worst || wait(worst) === 0) return { value: 0, message: `no client waiting in ${pools.length} pool${pools.length === 1 ? '' : 's'}` };
    const seconds = Math.round(wait(worst) * 10) / 10;
    return { value: seconds, message: `${poolName(worst)}: its oldest waiting client has waited ${seconds} s for a server connection (${worst.cl_waiting} waiting)` };
  },
});
