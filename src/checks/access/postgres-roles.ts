import { defineCheck } from '../../engine/check.js';
import { roleFindings, verdictOf } from '../../maintain/access.js';

/** PostgreSQL roles: superusers, passwords missing or MD5, no expiry, unused roles, members of powerful roles. */
export default defineCheck({
  id: 'access.postgres-roles',
  title: 'PostgreSQL roles',
  requires: ['postgres'],
  unit: 'count',
  async run({ probes }) {
    const { findings, passwordsReadAs, passwordsUnreadable } = await roleFindings(probes.postgres.primary, probes.postgresAdmin);
    const v = verdictOf(findings, 'roles');
    // Without pg_authid the password part is unknown: the review is incomplete, so the verdict cannot be a pass.
    if (passwordsUnreadable) return { ...v, status: v.status === 'fail' ? 'fail' : 'error', message: `${v.message}; ${passwordsUnreadable}` };
    return { ...v, message: `${v.message}; passwords read as ${passwordsReadAs}` };
  },
});
