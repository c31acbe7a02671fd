import { defineCheck } from '../../engine/check.js';
import { publicPrivilegeFindings, verdictOf } from '../../maintain/access.js';

/** What PUBLIC (every role) may do on schemas and tables. */
export default defineCheck({
  id: 'access.postgres-privileges',
  title: 'PostgreSQL PUBLIC privileges on schemas and tables',
  requires: ['postgres'],
  unit: 'count',
  run: async ({ probes }) => verdictOf(await publicPrivilegeFindings(probes.postgres.primary), 'PUBLIC privileges'),
});
