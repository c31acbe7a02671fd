import { defineCheck } from '../../engine/check.js';

/** Every connection and disconnection is logged, so who came in and when can be answered. */
export default defineCheck({
  id: 'postgres.connection-logging',
  title: 'PostgreSQL log_connections and log_disconnections',
  requires: ['postgres'],
  unit: 'count',
  async run({ probes }) {
    const [row] = await probes.postgres.primary.query<{ c: string; d: string }>(
      `SELECT current_setting('log_connections') AS c, current_setting('log_disconnections') AS d`,
    );
    // pgdsat CIS 3.2.x: log_connections and log_disconnections on
    const off = [row!.c !== 'on' && 'log_connections', row!.d !== 'on' && 'log_disconnections'].filter(Boolean);
    return off.length
      ? { status: 'warn', message: `${off.join(' and ')} off: sessions leave no trace in the server log — ALTER SYSTEM SET ${off[0]} = on; SELECT pg_reload_conf()` }
      : { status: 'pass', message: 'log_connections and log_disconnections on' };
  },
});
