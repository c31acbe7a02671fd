import { defineCheck } from '../../engine/check.js';
import { sessions } from '../../probes/postgres-views.js';

/** The server accepts TLS, and how many of the current client sessions use it. */
export default defineCheck({
  id: 'postgres.ssl',
  title: 'PostgreSQL SSL',
  requires: ['postgres'],
  unit: 'count',
  async run({ probes }) {
    // Other roles' sessions show neither their address nor their TLS to a role without pg_read_all_stats: not seen is not encrypted.
    await sessions(probes.postgres.primary);
    const [row] = await probes.postgres.primary.query<{ ssl: string; with: string; without: string }>(
      `SELECT current_setting('ssl') AS ssl,
              count(*) FILTER (WHERE s.ssl) AS with, count(*) FILTER (WHERE NOT s.ssl) AS without
         FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.backend_type = 'client backend' AND a.client_addr IS NOT NULL`,
    );
    // pgdsat CIS 5.8 / PCI DSS 4.2.1: connections over the network must be encrypted
    if (row!.ssl !== 'on') return { status: 'fail', message: 'ssl = off: passwords and data cross the network in clear — set ssl = on with ssl_cert_file and ssl_key_file, then hostssl lines in pg_hba.conf' };
    const without = Number(row!.without);
    return without > 0
      ? { status: 'warn', message: `ssl = on, but ${without} of ${Number(row!.with) + without} network sessions are not encrypted — use hostssl (not host) lines in pg_hba.conf` }
      : { status: 'pass', message: `ssl = on; ${row!.with} network sessions, all encrypted` };
  },
});
