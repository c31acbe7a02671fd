import { defineCheck } from '../../engine/check.js';

interface Failures { enabled: string; datname: string | null; failures: number | null; last: string | null }

// One row per database with failures (datname null: the shared catalogs); always one row for the setting.
const FAILURES = `SELECT current_setting('data_checksums') AS enabled, d.datname, d.checksum_failures::int AS failures, d.checksum_last_failure::text AS last
  FROM (SELECT 1) one LEFT JOIN pg_stat_database d ON d.checksum_failures > 0`;

/**
 * Pages whose checksum did not match when read: the storage returned something other than what
 * PostgreSQL wrote. Each server keeps its own count, so each replica is asked too.
 */
export default defineCheck({
  id: 'postgres.data-checksums',
  title: 'Data checksum failures',
  nextStep: 'nvcops incident classify',
  requires: ['postgres'],
  unit: 'count',
  // pgMonitor PGDataChecksum: ccp_data_checksum_failure > 0 is critical. Checksums off warn: PostgreSQL 18's initdb turns them on by default.
  thresholds: { fail: '> 0', source: 'pgMonitor PGDataChecksum (any failure is critical)' },
  async run({ probes }) {
    const servers = [probes.postgres.primary, ...probes.postgres.replicas];
    const seen = await Promise.all(servers.map(async (p) => {
      try {
        return { p, rows: await p.query<Failures>(FAILURES) };
      } catch (error) {
        return { p, error: (error as Error).message };
      }
    }));
    const details: string[] = [];
    let failures = 0;
    const off: string[] = [];
    const unseen: string[] = [];
    for (const { p, rows, error } of seen) {
      if (!rows) {
        unseen.push(`${p.name}: ${error}`);
        continue;
      }
      if (rows[0]!.enabled !== 'on') off.push(p.name);
      for (const r of rows.filter((x) => x.failures)) {
        failures += r.failures!;
        details.push(`${p.name}: ${r.failures} checksum failure${r.failures === 1 ? '' : 's'} in ${r.datname === null ? 'the shared catalogs' : `database ${r.datname}`}, last at ${r.last}`);
      }
    }
    details.push(...unseen);
    if (failures) {
      return {
        value: failures,
        message: `${failures} page${failures === 1 ? '' : 's'} failed ${failures === 1 ? 'its' : 'their'} checksum: data corruption on disk — keep the server's files, check the storage, restore the damaged tables from backup`,
        details,
      };
    }
    if (unseen.length) return { status: 'error', message: `could not read the checksum counters of ${unseen.map((u) => u.split(':')[0]).join(', ')}`, details };
    if (off.length) {
      return {
        status: 'warn',
        message: `data checksums are off on ${off.join(', ')}: a corrupt page is read as data without notice (pg_checksums --enable, server stopped; initdb's default since PostgreSQL 18)`,
        details,
      };
    }
    return { value: 0, message: `no checksum failure on ${servers.map((p) => p.name).join(', ')} (data checksums on)`, details };
  },
});
