import { defineCheck } from '../../engine/check.js';

/**
 * Triggers switched off (ALTER TABLE … DISABLE TRIGGER): an audit trigger that no longer fires records
 * nothing, and DISABLE TRIGGER ALL also stops the foreign-key triggers. Read from pg_trigger (public to
 * every role) in the database nvcops connects to.
 */
export default defineCheck({
  id: 'postgres.disabled-triggers',
  title: 'Disabled triggers',
  requires: ['postgres'],
  unit: 'count',
  // check_postgres disabled_triggers: warning 1, critical 1 — any disabled trigger is critical
  thresholds: { fail: '> 0', source: 'check_postgres disabled_triggers (1/1)' },
  async run({ probes }) {
    const rows = await probes.postgres.primary.query<{ trigger: string; table: string; constraint: string | null; database: string }>(
      `SELECT t.tgname AS trigger, format('%I.%I', n.nspname, c.relname) AS table, con.conname AS constraint, current_database() AS database
       FROM pg_trigger t
       JOIN pg_class c ON c.oid = t.tgrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_constraint con ON con.oid = t.tgconstraint
       WHERE t.tgenabled = 'D'
       ORDER BY 2, 1`,
    );
    const database = rows[0]?.database;
    return {
      value: rows.length,
      message: rows.length
        ? `${rows.length} trigger${rows.length === 1 ? ' is' : 's are'} disabled in ${database}: re-enable (ALTER TABLE … ENABLE TRIGGER) or record the change that disabled ${rows.length === 1 ? 'it' : 'them'}`
        : 'every trigger is enabled',
      ...(rows.length > 0 && {
        details: rows.map((r) => (r.constraint ? `${r.table}: ${r.trigger} (enforces constraint ${r.constraint})` : `${r.table}: ${r.trigger}`)),
      }),
    };
  },
});
