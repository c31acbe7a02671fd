import { defineCheck } from '../../engine/check.js';
import { PrivilegeError } from '../../engine/errors.js';

/** New passwords are stored as SCRAM-SHA-256, not MD5, and no login role still has an MD5 hash (read from pg_authid). */
export default defineCheck({
  id: 'postgres.password-encryption',
  title: 'PostgreSQL password_encryption scram-sha-256',
  requires: ['postgres'],
  unit: 'count',
  async run({ probes }) {
    const pg = probes.postgres.primary;
    const [row] = await pg.query<{ v: string }>(`SELECT current_setting('password_encryption') AS v`);
    // pgdsat CIS 5.12: password_encryption = scram-sha-256 (MD5 hashes can be replayed and are weak)
    if (row!.v !== 'scram-sha-256') {
      return { status: 'fail', message: `password_encryption = ${row!.v}: set it to scram-sha-256, then have each md5 role set its password again (nvcops maintain access lists them)` };
    }
    // A password set before the switch keeps its MD5 hash until it is set again.
    // pg_authid needs a superuser: read through postgres.adminUrl, the checks' role has pg_monitor alone.
    const admin = probes.postgresAdmin;
    const who = `${admin.role} (${admin.target.setting})`;
    let md5: string[];
    try {
      md5 = (await admin.query<{ name: string }>(`SELECT rolname AS name FROM pg_authid WHERE rolcanlogin AND rolpassword LIKE 'md5%' ORDER BY 1`)).map((r) => r.name);
    } catch (e) {
      if (!(e instanceof PrivilegeError)) throw e;
      // The stored hashes are the half of the control that matters: not seeing them is `error`, never a pass.
      return {
        status: 'error',
        message: `missing privilege: pg_authid cannot be read as ${who}, so MD5 password hashes cannot be ruled out (password_encryption = scram-sha-256); set postgres.adminUrl to a superuser, or GRANT SELECT ON pg_authid TO that role`,
      };
    }
    return md5.length
      ? { status: 'fail', message: `password_encryption = scram-sha-256, but ${md5.length} login role${md5.length === 1 ? '' : 's'} still ha${md5.length === 1 ? 's' : 've'} an MD5 password: ${md5.join(', ')} — set each password again`, details: md5.map((n) => `${n}: password stored as MD5`) }
      : { status: 'pass', message: `password_encryption = scram-sha-256; no login role has an MD5 password (pg_authid read as ${who})` };
  },
});
