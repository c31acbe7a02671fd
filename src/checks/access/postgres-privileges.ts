import { defineCheck } from '../../engine/check.js';
import { publicPrivileges } from '../../probes/postgres-access.js';
import { publicPrivilegeFindings, verdictOf } from '../access-findings.js';

/** What PUBLIC (every role) may do on schemas and tables. */
export default defineCheck({
  id: 'access.postgres-privileges',
  title: 'PostgreSQL PUBLIC privileges on schemas and tables',
  requires: ['postgres'],
  unit: 'count',
  run: async ({ probes }) => verdictOf(publicPrivilegeFindings(await publicPrivileges(probes.postgres.primary)), 'PUBLIC privileges'),
});
