import { defineCheck } from '../../engine/check.js';
import { PrivilegeError } from '../../engine/errors.js';
import { loginPasswords, roles, type PasswordRow } from '../../probes/postgres-access.js';
import { roleFindings, verdictOf } from '../access-findings.js';

/** PostgreSQL roles: superusers, passwords missing or MD5, no expiry, unused roles, members of powerful roles. */
export default defineCheck({
  id: 'access.postgres-roles',
  title: 'PostgreSQL roles',
  requires: ['postgres'],
  unit: 'count',
  async run({ probes }) {
    // The passwords (pg_authid, superuser only) are read through postgres.adminUrl: the checks' role has pg_monitor alone.
    const admin = probes.postgresAdmin;
    const readAs = `${admin.role} (${admin.target.setting})`;
    const all = await roles(probes.postgres.primary);
    let passwords: PasswordRow[] | undefined;
    try {
      passwords = await loginPasswords(admin);
    } catch (e) {
      if (!(e instanceof PrivilegeError)) throw e;
    }
    const v = verdictOf(roleFindings(all, passwords), 'roles');
    // Without pg_authid the password part is unknown: the review is incomplete, so the verdict cannot be a pass.
    if (!passwords) {
      const unreadable = `passwords not checked: reading pg_authid needs a superuser and ${readAs} is not one; set postgres.adminUrl to a superuser`;
      return { ...v, status: v.status === 'fail' ? 'fail' : 'error', message: `${v.message}; ${unreadable}` };
    }
    return { ...v, message: `${v.message}; passwords read as ${readAs}` };
  },
});
