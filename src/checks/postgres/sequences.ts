import { defineCheck } from '../../engine/check.js';
import { currentUser } from '../../probes/postgres-views.js';

interface Seq {
  name: string;
  last_value: string | null;
  min_value: string;
  max_value: string;
  increment_by: string;
  cycle: boolean;
  visible: boolean;
  sequence_type: string;
  column_type: string | null;
  column_name: string | null;
}

// Every sequence with the column it feeds (serial: deptype a, identity: deptype i), as PgHero finds them;
// one owned by no column (CREATE SEQUENCE alone) has none and is judged by its own range.
const SEQUENCES = `SELECT format('%I.%I', s.schemaname, s.sequencename) AS name,
  s.last_value::text, s.min_value::text, s.max_value::text, s.increment_by::text, s.cycle,
  has_sequence_privilege(c.oid, 'SELECT') OR has_sequence_privilege(c.oid, 'USAGE') AS visible,
  st.typname AS sequence_type, t.typname AS column_type,
  CASE WHEN a.attname IS NOT NULL THEN format('%s.%I', tc.relname, a.attname) END AS column_name
FROM pg_sequences s
JOIN pg_type st ON st.oid = s.data_type
JOIN pg_namespace n ON n.nspname = s.schemaname
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename
LEFT JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_class tc ON tc.oid = d.refobjid
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
LEFT JOIN pg_type t ON t.oid = a.atttypid`;

/** The largest value each integer column type can hold. */
const TYPE_MAX: Record<string, bigint> = { int2: 32767n, int4: 2147483647n, int8: 9223372036854775807n };

/** Share of its possible values a sequence (or the integer column it feeds) has used up. */
export function usedPercent(s: Seq): number | undefined {
  if (s.last_value === null) return undefined;
  const inc = BigInt(s.increment_by);
  const last = BigInt(s.last_value);
  let min = BigInt(s.min_value);
  let max = BigInt(s.max_value);
  const typeMax = s.column_type ? TYPE_MAX[s.column_type] : undefined;
  if (typeMax !== undefined) {
    if (max > typeMax) max = typeMax;
    if (min < -typeMax - 1n) min = -typeMax - 1n;
  }
  const [used, span] = inc > 0n ? [last - min, max - min] : [max - last, max - min];
  return span > 0n ? Number((used * 100_000n) / span) / 1000 : 100;
}

/** Sequences and the integer keys they feed, near their maximum. */
export default defineCheck({
  id: 'postgres.sequences',
  title: 'Sequences and integer keys near their maximum',
  requires: ['postgres'],
  unit: '%',
  // check_postgres sequence: warn 85%, critical 95% of the possible values used
  thresholds: { warn: '>= 85%', fail: '>= 95%', source: 'check_postgres sequence' },
  async run({ probes }) {
    const probe = probes.postgres.primary;
    const rows = (await probe.query<Seq>(SEQUENCES)).filter((s) => !s.cycle);
    const hidden = rows.filter((s) => !s.visible);
    if (hidden.length) {
      const schemas = [...new Set(hidden.map((s) => s.name.split('.')[0]))];
      return {
        status: 'error',
        message: `missing privilege: ${hidden.length} sequence${hidden.length > 1 ? 's are' : ' is'} unreadable (${hidden.slice(0, 3).map((s) => s.name).join(', ')}); GRANT SELECT ON ALL SEQUENCES IN SCHEMA ${schemas.join(', ')} TO ${await currentUser(probe)}`,
      };
    }
    const used = rows.map((s) => ({ s, pct: usedPercent(s) })).filter((x): x is { s: Seq; pct: number } => x.pct !== undefined).sort((a, b) => b.pct - a.pct);
    if (!used.length) return { value: 0, message: rows.length ? `${rows.length} sequences, none used yet` : 'no sequences' };
    const top = used[0]!;
    const feeds = (s: Seq) => (s.column_name
      ? ` (feeds ${s.column_name}, ${s.column_type})`
      : ` (owned by no column, ${s.sequence_type} ${BigInt(s.increment_by) > 0n ? `up to ${s.max_value}` : `down to ${s.min_value}`})`);
    return {
      value: top.pct,
      message: `${top.s.name}${feeds(top.s)} at ${top.pct}% of its range`,
      details: used.slice(0, 5).map(({ s, pct }) => `${s.name}${feeds(s)}: ${pct}% used, last value ${s.last_value}`),
    };
  },
});
