import { defineCheck, type CheckDefinition } from '../../engine/check.js';
import { grouped } from '../../engine/units.js';
import { resolveThresholds, type Condition } from '../../engine/thresholds.js';
import { currentUser } from '../../probes/postgres-views.js';

/** One of the sequences used the most, with the totals of every sequence repeated on each row. */
interface Ranked {
  total: number;
  hidden: number;
  hidden_names: string[] | null;
  hidden_schemas: string[] | null;
  used: number;
  breaching: number | null;
  /** Null when no sequence has been used yet (the totals' row alone). */
  name: string | null;
  /** Thousandths of a percent of its range used, as usedPercent() counts them. */
  q: string;
  last_value: string;
  min_value: string;
  max_value: string;
  increment_by: string;
  sequence_type: string;
  column_type: string | null;
  column_name: string | null;
}

/** How many of the most used sequences the check shows. */
export const SHOWN = 5;

// Every sequence that does not cycle, with the column it feeds (serial: deptype a, identity: deptype i), as PgHero
// finds them; one owned by no column (CREATE SEQUENCE alone) has none and is judged by its own range. The share
// used is ranked here, so that 10,000 sequences come back as the `limit` most used and the totals: the range is
// capped at the integer column's type, and q counts thousandths of a percent as usedPercent() below does (div
// truncates as BigInt division does). The server's time goes to last_value, which opens each sequence (what
// pg_sequences itself costs); the column's type is one index probe each. $1 and $2: the warn level and its
// operator, for the count of sequences past it (null: no level).
export const sequencesSql = (limit: number): string => `WITH seq AS MATERIALIZED (
  SELECT c.oid, n.nspname, c.relname, s.seqtypid, s.seqmin, s.seqmax, s.seqincrement, d.refobjid, d.refobjsubid,
    has_sequence_privilege(c.oid, 'SELECT,USAGE') AS visible,
    CASE (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = d.refobjid AND a.attnum = d.refobjsubid)
      WHEN 'int2'::regtype THEN 32767 WHEN 'int4'::regtype THEN 2147483647 WHEN 'int8'::regtype THEN 9223372036854775807 END AS type_max
  FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  WHERE NOT s.seqcycle AND NOT pg_is_other_temp_schema(n.oid)),
judged AS MATERIALIZED (
  SELECT seq.*, v.last_value, CASE WHEN v.last_value IS NOT NULL THEN CASE WHEN v.hi > v.lo
    THEN div((CASE WHEN seq.seqincrement > 0 THEN v.last_value - v.lo ELSE v.hi - v.last_value END) * 100000, v.hi - v.lo) ELSE 100000 END END AS q
  FROM seq, LATERAL (SELECT CASE WHEN seq.visible THEN pg_sequence_last_value(seq.oid) END::numeric AS last_value,
    greatest(seq.seqmin, -seq.type_max - 1)::numeric AS lo, least(seq.seqmax, seq.type_max)::numeric AS hi OFFSET 0) v),
totals AS (
  SELECT count(*)::int AS total, count(*) FILTER (WHERE NOT visible)::int AS hidden,
    (array_agg(format('%I.%I', nspname, relname) ORDER BY nspname, relname) FILTER (WHERE NOT visible))[1:3] AS hidden_names,
    array_agg(DISTINCT quote_ident(nspname)) FILTER (WHERE NOT visible) AS hidden_schemas,
    count(q)::int AS used,
    (count(*) FILTER (WHERE CASE $2::text WHEN '>=' THEN q::float8 / 1000 >= $1::float8 WHEN '>' THEN q::float8 / 1000 > $1::float8
      WHEN '<=' THEN q::float8 / 1000 <= $1::float8 WHEN '<' THEN q::float8 / 1000 < $1::float8 END))::int AS breaching
  FROM judged)
SELECT totals.*, top.* FROM totals LEFT JOIN LATERAL (
  SELECT format('%I.%I', j.nspname, j.relname) AS name, j.q::text, j.last_value::text, j.seqmin::text AS min_value, j.seqmax::text AS max_value,
    j.seqincrement::text AS increment_by, st.typname AS sequence_type, t.typname AS column_type,
    CASE WHEN a.attname IS NOT NULL THEN format('%s.%I', tc.relname, a.attname) END AS column_name
  FROM (SELECT * FROM judged WHERE q IS NOT NULL ORDER BY q DESC, nspname, relname LIMIT ${limit}) j
  JOIN pg_type st ON st.oid = j.seqtypid
  LEFT JOIN pg_class tc ON tc.oid = j.refobjid
  LEFT JOIN pg_attribute a ON a.attrelid = j.refobjid AND a.attnum = j.refobjsubid
  LEFT JOIN pg_type t ON t.oid = a.atttypid
  ORDER BY j.q DESC, j.nspname, j.relname) top ON true`;

/** The largest value each integer column type can hold. */
const TYPE_MAX: Record<string, bigint> = { int2: 32767n, int4: 2147483647n, int8: 9223372036854775807n };

/** From how many sequences their statement runs in a second session: at ~30 µs of the server's time a sequence, 1,000 take about as long as a login. */
export const ASIDE_FROM = 1000;

/** What usedPercent() needs of a sequence. */
export interface SequenceRange {
  last_value: string | null;
  min_value: string;
  max_value: string;
  increment_by: string;
  column_type: string | null;
}

/** Share of its possible values a sequence (or the integer column it feeds) has used up: what sequencesSql ranks by, in JavaScript. */
export function usedPercent(s: SequenceRange): number | undefined {
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

/** The level the count of sequences past it is taken at: warn as configured, else fail. */
function level(check: CheckDefinition, override: { warn?: string; fail?: string } | undefined): Condition | undefined {
  const t = resolveThresholds([check], override ? { [check.id]: override } : {}).get(check.id);
  return t?.warn ?? t?.fail;
}

/** Sequences and the integer keys they feed, near their maximum. */
const check: CheckDefinition = defineCheck({
  id: 'postgres.sequences',
  title: 'Sequences and integer keys near their maximum',
  requires: ['postgres'],
  unit: '%',
  // check_postgres sequence: warn 85%, critical 95% of the possible values used
  thresholds: { warn: '>= 85%', fail: '>= 95%', source: 'check_postgres sequence' },
  async run({ probes, config }) {
    const probe = probes.postgres.primary;
    const at = level(check, config.thresholds?.[check.id]);
    // Many sequences are read beside the other checks (this statement's time grows with them, theirs hardly does);
    // a few in the one session, where a second login (TLS, SCRAM, a backend) would cost more than they do.
    const { n } = (await probe.queryNext<{ n: number }>('SELECT count(*)::int AS n FROM pg_sequence'))[0]!;
    const [sql, params] = [sequencesSql(SHOWN), [at?.value ?? null, at?.op ?? null]];
    const rows = await (n >= ASIDE_FROM ? probe.queryAside<Ranked>(sql, params) : probe.query<Ranked>(sql, params));
    const { total, hidden, used, breaching } = rows[0]!;
    if (hidden) {
      const names = rows[0]!.hidden_names ?? [];
      return {
        status: 'error',
        message: `missing privilege: ${hidden} sequence${hidden > 1 ? 's are' : ' is'} unreadable (${names.join(', ')}); GRANT SELECT ON ALL SEQUENCES IN SCHEMA ${(rows[0]!.hidden_schemas ?? []).join(', ')} TO ${await currentUser(probe)}`,
      };
    }
    if (!used) return { value: 0, message: total ? `${total} sequences, none used yet` : 'no sequences' };
    const top = rows.map((s) => ({ s, pct: Number(s.q) / 1000 }));
    const feeds = (s: Ranked) => (s.column_name
      ? ` (feeds ${s.column_name}, ${s.column_type})`
      : ` (owned by no column, ${s.sequence_type} ${BigInt(s.increment_by) > 0n ? `up to ${s.max_value}` : `down to ${s.min_value}`})`);
    const details = top.map(({ s, pct }) => `${s.name}${feeds(s)}: ${pct}% used, last value ${s.last_value}`);
    if (at && breaching) details.push(`${grouped(breaching)} of ${grouped(total)} sequences at ${at.text}${breaching > SHOWN ? `; the ${SHOWN} most used above` : ''}`);
    return { value: top[0]!.pct, message: `${top[0]!.s.name}${feeds(top[0]!.s)} at ${top[0]!.pct}% of its range`, details };
  },
});
export default check;
