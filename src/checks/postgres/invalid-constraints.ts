import { defineCheck } from '../../engine/check.js';

/**
 * Constraints added NOT VALID and never validated: the rows from before they were added were never
 * checked against them. Read from pg_constraint (public to every role) in the database nvcops connects to.
 */
export default defineCheck({
  id: 'postgres.invalid-constraints',
  title: 'Constraints not validated (NOT VALID)',
  requires: ['postgres'],
  unit: 'count',
  // PgHero invalid_constraints: any is shown as a problem
  thresholds: { warn: '> 0', source: 'PgHero invalid_constraints' },
  async run({ probes }) {
    const rows = await probes.postgres.primary.query<{ constraint: string; table: string; database: string }>(
      `SELECT con.conname AS constraint, format('%I.%I', n.nspname, c.relname) AS table, current_database() AS database
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE NOT con.convalidated
       ORDER BY 2, 1`,
    );
    return {
      value: rows.length,
      message: rows.length
        ? `${rows.length} constraint${rows.length === 1 ? ' was' : 's were'} added NOT VALID in ${rows[0]!.database} and never validated: ALTER TABLE … VALIDATE CONSTRAINT`
        : 'every constraint is validated',
      ...(rows.length > 0 && { details: rows.map((r) => `${r.table}: ${r.constraint}`) }),
    };
  },
});
