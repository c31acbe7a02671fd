import { defineCheck } from '../../engine/check.js';
import { PrivilegeError } from '../../engine/errors.js';

/** Counting stops here: the verdict needs "some", the evidence "how many" only roughly beyond it. */
const COUNT_LIMIT = 100_000;

const UNITS: Record<string, string> = { d: 'days', w: 'weeks', mo: 'months', y: 'years' };

/** `7y` → `7 years` (a PostgreSQL interval, so months and years are calendar ones). */
function retentionInterval(keep: string): string {
  const m = /^(\d+)\s*([a-z]+)$/.exec(keep)!;
  const unit = m[2]!.startsWith('mo') ? 'mo' : m[2]![0]!;
  return `${m[1]} ${UNITS[unit]}`;
}

/** A validated identifier, quoted: schema.table → "schema"."table". */
const quote = (name: string) => name.split('.').map((p) => `"${p.replace(/"/g, '""')}"`).join('.');

/** Rows older than their table's retention (compliance.retention): GDPR storage limitation, PCI DSS 3.2.1. */
export default defineCheck({
  id: 'compliance.data-retention',
  title: 'No rows kept beyond their retention',
  requires: ['postgres'],
  unit: 'count',
  timeoutMs: 60_000,
  async run({ config, probes, now }) {
    const rules = config.compliance?.retention ?? [];
    if (!rules.length) return { status: 'skip', message: 'no retention rules configured: list tables in compliance.retention[] (table, column, keep)' };
    const pg = probes.postgres.primary;
    const found: string[] = [];
    const errors: string[] = [];
    const clean: string[] = [];
    let over = 0;
    for (const r of rules) {
      const interval = retentionInterval(r.keep);
      try {
        // Bounded: LIMIT stops the scan once the verdict is certain; an index on the column makes it cheap.
        const [row] = await pg.query<{ n: string; cutoff: Date }>(
          `SELECT (SELECT count(*) FROM (SELECT 1 FROM ${quote(r.table)} WHERE ${quote(r.column)} < $1::timestamptz - $2::interval LIMIT ${COUNT_LIMIT}) x) AS n,
                  $1::timestamptz - $2::interval AS cutoff`,
          [now().toISOString(), interval],
        );
        const n = Number(row!.n);
        const what = `${r.table}: ${n >= COUNT_LIMIT ? `at least ${n}` : n} row${n === 1 ? '' : 's'} with ${r.column} before ${new Date(row!.cutoff).toISOString()} (keep ${r.keep})`;
        if (n > 0) {
          over += n;
          found.push(what);
        } else clean.push(what);
      } catch (e) {
        if (e instanceof PrivilegeError) errors.push(`${r.table}: cannot read it — GRANT SELECT ON ${r.table} TO the nvcops role`);
        else errors.push(`${r.table}: ${(e as Error).message}`);
      }
    }
    if (found.length) {
      return { status: 'fail', value: over, message: `${found.length} of ${rules.length} tables keep rows beyond their retention — delete or anonymise them`, details: [...found, ...errors, ...clean] };
    }
    if (errors.length) return { status: 'error', message: `${errors.length} of ${rules.length} tables could not be checked`, details: [...errors, ...clean] };
    return { status: 'pass', value: 0, message: `no rows beyond their retention in ${rules.length} table${rules.length === 1 ? '' : 's'}`, details: clean };
  },
});
