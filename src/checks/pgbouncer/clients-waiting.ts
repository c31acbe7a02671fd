import { defineCheck } from '../../engine/check.js';
import { applicationPools, poolName } from '../../probes/pgbouncer.js';

/** Clients that sent a query and got no server connection yet (SHOW POOLS cl_waiting): the pooler's clearest saturation signal. */
export default defineCheck({
  id: 'pgbouncer.clients-waiting',
  title: 'PgBouncer clients waiting for a server connection',
  requires: ['pgbouncer'],
  unit: 'count',
  // The community PgBouncer alert rules cited in issue #24: more than 20 clients waiting
  thresholds: { warn: '> 20', source: 'community PgBouncer alert rules (> 20 clients waiting)' },
  async run({ probes }) {
    const pools = await applicationPools(probes.pgbouncer);
    const waiting = pools.filter((p) => p.cl_waiting > 0).sort((a, b) => b.cl_waiting - a.cl_waiting);
    const total = pools.reduce((n, p) => n + p.cl_waiting, 0);
    return {
      value: total,
      message: total
        ? `${total} client${total === 1 ? '' : 's'} waiting for a server connection: ${waiting.map((p) => `${poolName(p)} ${p.cl_waiting}`).join(', ')} — raise pool_size, or find what holds the servers (long transactions)`
        : `no client waiting in ${pools.length} pool${pools.length === 1 ? '' : 's'}`,
      ...(waiting.length > 0 && { details: waiting.map((p) => `${poolName(p)}: ${p.cl_waiting} waiting, ${p.cl_active} active, ${p.sv_active} server connections in use`) }),
    };
  },
});
