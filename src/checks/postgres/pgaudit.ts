import { defineCheck } from '../../engine/check.js';

/** pgAudit is loaded and logs something: the statement-level audit trail auditors ask for. */
export default defineCheck({
  id: 'postgres.pgaudit',
  title: 'PostgreSQL pgAudit',
  requires: ['postgres'],
  unit: 'count',
  async run({ probes }) {
    const [row] = await probes.postgres.primary.query<{ libs: string; log: string | null; ext: boolean }>(
      `SELECT current_setting('shared_preload_libraries') AS libs, current_setting('pgaudit.log', true) AS log,
              EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgaudit') AS ext`,
    );
    // pgdsat CIS 3.2: pgAudit loaded and configured (pgaudit.log not none)
    if (!/(^|,)\s*pgaudit\s*(,|$)/.test(row!.libs)) {
      return { status: 'warn', message: 'pgAudit is not loaded: add pgaudit to shared_preload_libraries, restart, CREATE EXTENSION pgaudit, set pgaudit.log (e.g. ddl, role, write)' };
    }
    if (!row!.log || row!.log === 'none') return { status: 'warn', message: 'pgAudit is loaded but pgaudit.log = none: nothing is audited — set pgaudit.log (e.g. ddl, role, write)' };
    return { status: 'pass', message: `pgAudit loaded; pgaudit.log = ${row!.log}${row!.ext ? '' : ' (CREATE EXTENSION pgaudit not run in this database: session logging works, object auditing does not)'}` };
  },
});
