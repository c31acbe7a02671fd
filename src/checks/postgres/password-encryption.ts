import { defineCheck } from '../../engine/check.js';

/** New passwords are stored as SCRAM-SHA-256, not MD5. */
export default defineCheck({
  id: 'postgres.password-encryption',
  title: 'PostgreSQL password_encryption scram-sha-256',
  item: 'Security scan (weekly_security_scan.sh)',
  requires: ['postgres'],
  unit: 'count',
  async run({ probes }) {
    const [row] = await probes.postgres.primary.query<{ v: string }>(`SELECT current_setting('password_encryption') AS v`);
    // pgdsat CIS 5.12: password_encryption = scram-sha-256 (MD5 hashes can be replayed and are weak)
    return row!.v === 'scram-sha-256'
      ? { status: 'pass', message: 'password_encryption = scram-sha-256' }
      : { status: 'fail', message: `password_encryption = ${row!.v}: set it to scram-sha-256, then have each md5 role set its password again (nvcops maintain access lists them)` };
  },
});
