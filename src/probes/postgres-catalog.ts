/**
 * What `maintain indexes`, `maintain db` and the weekly performance checks learn from PostgreSQL's
 * catalog: invalid, duplicate, unused and bloated indexes, table bloat, missing indexes. Each
 * function takes a query function, so the checks read through their read-only probe (CatalogProbe,
 * Probes.catalog) and an action through its maintenance session.
 */
import { parseSize } from '../engine/units.js';
import type { Config } from '../engine/config/index.js';
import { PrivilegeError } from '../engine/errors.js';
import type { PostgresProbe } from './postgres.js';

export type Query = <T extends Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;

// PgHero unused_index_megabytes: an unused index smaller than 10 MB is not worth a change.
const DEFAULT_UNUSED_MIN_SIZE = '10 MB';
// PgHero index_bloat_bytes: 100 MB of wasted space before an index counts as bloated.
const DEFAULT_BLOAT_MIN_SIZE = '100 MB';
// awesome-prometheus-alerts "Postgresql bloat index high": more than 80% of the index is waste.
const DEFAULT_BLOAT_RATIO = 80;

export interface IndexSettings {
  unusedMinSize: number;
  bloatMinSize: number;
  bloatRatio: number;
}

export function indexSettings(config: Config): IndexSettings {
  const c = config.maintenance?.indexes ?? {};
  return {
    unusedMinSize: parseSize(c.unusedMinSize ?? DEFAULT_UNUSED_MIN_SIZE)!,
    bloatMinSize: parseSize(c.bloatMinSize ?? DEFAULT_BLOAT_MIN_SIZE)!,
    bloatRatio: c.bloatRatio ?? DEFAULT_BLOAT_RATIO,
  };
}

export interface IndexRow {
  /** Quoted schema.index. */
  name: string;
  table: string;
  size: number;
  scans: number;
  unique: boolean;
  primary: boolean;
  valid: boolean;
  /** Backs a constraint (unique, primary key, exclusion): never dropped by nvcops. */
  constraint: boolean;
  am: string;
  columns: string;
  opclasses: string;
  exprs: string;
  pred: string;
  definition: string;
}

const INDEXES = `
  SELECT format('%I.%I', n.nspname, ci.relname) AS name, format('%I.%I', tn.nspname, ct.relname) AS "table",
         pg_relation_size(i.indexrelid) AS size, coalesce(s.idx_scan, 0) AS scans,
         i.indisunique AS unique, i.indisprimary AS primary, i.indisvalid AS valid,
         EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) AS constraint,
         am.amname AS am, i.indkey::text AS columns, i.indclass::text AS opclasses,
         coalesce(pg_get_expr(i.indexprs, i.indrelid), '') AS exprs, coalesce(pg_get_expr(i.indpred, i.indrelid), '') AS pred,
         pg_get_indexdef(i.indexrelid) AS definition
    FROM pg_index i
    JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ci.relnamespace
    JOIN pg_class ct ON ct.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = ct.relnamespace
    JOIN pg_am am ON am.oid = ci.relam
    LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = i.indexrelid
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
     -- an index still being built by CREATE INDEX CONCURRENTLY is invalid until it finishes: not a finding
     AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid)
   ORDER BY 1`;

export async function indexes(query: Query): Promise<IndexRow[]> {
  const rows = await query<Record<string, unknown>>(INDEXES);
  return rows.map((r) => ({ ...(r as unknown as IndexRow), size: Number(r.size), scans: Number(r.scans) }));
}

/** An index left behind by an interrupted REINDEX CONCURRENTLY (`_ccnew`, `_ccold`): drop it, never rebuild it. */
export const isLeftover = (name: string): boolean => /_cc(new|old)\d*"?$/.test(name);

/** Indexes whose columns are a prefix of another index on the same table (same method, expressions and predicate): PgHero duplicate_indexes. */
export function duplicates(all: IndexRow[]): { index: IndexRow; coveredBy: IndexRow }[] {
  const valid = all.filter((i) => i.valid);
  const prefix = (a: string, b: string) => {
    const x = a.split(' ');
    const y = b.split(' ');
    return x.length <= y.length && x.every((v, k) => v === y[k]);
  };
  return valid.flatMap((a) => {
    if (a.unique || a.primary || a.constraint) return [];
    const b = valid.find((b) =>
      b !== a && b.table === a.table && b.am === a.am && b.exprs === a.exprs && b.pred === a.pred && prefix(a.columns, b.columns) &&
      prefix(a.opclasses, b.opclasses) &&
      // Two identical indexes cover each other: keep the first by name (or the unique one).
      (a.columns !== b.columns || b.unique || b.name < a.name));
    return b ? [{ index: a, coveredBy: b }] : [];
  });
}

/** Valid, non-unique indexes of at least `minSize` with no scans here nor on any replica given. */
export async function unused(all: IndexRow[], minSize: number, replicas: Query[] = []): Promise<IndexRow[]> {
  const candidates = all.filter((i) => i.valid && !i.unique && !i.primary && !i.constraint && i.scans === 0 && i.size >= minSize);
  const usedElsewhere = new Set<string>();
  for (const replica of replicas) {
    const rows = await replica<{ name: string; scans: string }>(
      `SELECT format('%I.%I', schemaname, indexrelname) AS name, idx_scan AS scans FROM pg_stat_user_indexes WHERE idx_scan > 0`,
    );
    for (const r of rows) usedElsewhere.add(r.name);
  }
  return candidates.filter((i) => !usedElsewhere.has(i.name));
}

/** When the scan counters started (the last stats reset, or the server start). */
export async function statsSince(query: Query): Promise<Date> {
  const [row] = await query<{ since: Date }>(
    `SELECT coalesce((SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()), pg_postmaster_start_time()) AS since`,
  );
  return row!.since;
}

export interface Bloat {
  name: string;
  /** For an index, its table. */
  table?: string;
  size: number;
  wasted: number;
  ratio: number;
}

// Estimates from ioguix/pgsql-bloat-estimation (btree/btree_bloat.sql, table/table_bloat.sql): pages the
// rows would need at the fill factor, from pg_stats widths and reltuples, against the pages used.
const INDEX_BLOAT = `
  SELECT format('%I.%I', nspname, idxname) AS name, format('%I.%I', nspname, tblname) AS "table",
         bs * relpages AS size,
         CASE WHEN relpages > est_pages_ff THEN bs * (relpages - est_pages_ff) ELSE 0 END AS wasted,
         CASE WHEN relpages > est_pages_ff THEN 100 * (relpages - est_pages_ff)::float8 / relpages ELSE 0 END AS ratio
    FROM (
      SELECT coalesce(1 + ceil(reltuples / floor((bs - pageopqdata - pagehdr) * fillfactor / (100 * (4 + nulldatahdrwidth)::float8))), 0) AS est_pages_ff,
             bs, nspname, tblname, idxname, relpages, is_na
        FROM (
          SELECT maxalign, bs, nspname, tblname, idxname, reltuples, relpages, fillfactor, pagehdr, pageopqdata, is_na,
                 (index_tuple_hdr_bm + maxalign - CASE WHEN index_tuple_hdr_bm % maxalign = 0 THEN maxalign ELSE index_tuple_hdr_bm % maxalign END
                  + nulldatawidth + maxalign - CASE WHEN nulldatawidth = 0 THEN 0 WHEN nulldatawidth::int % maxalign = 0 THEN maxalign
                                                    ELSE nulldatawidth::int % maxalign END)::numeric AS nulldatahdrwidth
            FROM (
              SELECT n.nspname, i.tblname, i.idxname, i.reltuples, i.relpages, i.fillfactor,
                     current_setting('block_size')::numeric AS bs, 8 AS maxalign, 24 AS pagehdr, 16 AS pageopqdata,
                     CASE WHEN max(coalesce(s.null_frac, 0)) = 0 THEN 8 ELSE 8 + ((32 + 8 - 1) / 8) END AS index_tuple_hdr_bm,
                     sum((1 - coalesce(s.null_frac, 0)) * coalesce(s.avg_width, 1024)) AS nulldatawidth,
                     max(CASE WHEN i.atttypid = 'pg_catalog.name'::regtype THEN 1 ELSE 0 END) > 0 AS is_na
                FROM (
                  SELECT ct.relname AS tblname, ct.relnamespace, ic.idxname, ic.reltuples, ic.relpages, ic.fillfactor,
                         coalesce(a1.attname, a2.attname) AS attname, coalesce(a1.atttypid, a2.atttypid) AS atttypid,
                         CASE WHEN a1.attnum IS NULL THEN ic.idxname ELSE ct.relname END AS attrelname
                    FROM (
                      SELECT ci.relname AS idxname, ci.reltuples, ci.relpages, i.indrelid AS tbloid, i.indexrelid AS idxoid,
                             coalesce(substring(array_to_string(ci.reloptions, ' ') FROM 'fillfactor=([0-9]+)')::smallint, 90) AS fillfactor,
                             string_to_array(textin(int2vectorout(i.indkey)), ' ')::int[] AS indkey,
                             generate_series(1, i.indnatts) AS attpos
                        FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid
                       WHERE ci.relam = (SELECT oid FROM pg_am WHERE amname = 'btree') AND ci.relpages > 0 AND i.indisvalid
                    ) ic
                    JOIN pg_class ct ON ct.oid = ic.tbloid
                    LEFT JOIN pg_attribute a1 ON ic.indkey[ic.attpos] <> 0 AND a1.attrelid = ic.tbloid AND a1.attnum = ic.indkey[ic.attpos]
                    LEFT JOIN pg_attribute a2 ON ic.indkey[ic.attpos] = 0 AND a2.attrelid = ic.idxoid AND a2.attnum = ic.attpos
                ) i
                JOIN pg_namespace n ON n.oid = i.relnamespace
                JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = i.attrelname AND s.attname = i.attname
               WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
               GROUP BY 1, 2, 3, 4, 5, 6
            ) rows_data_stats
        ) rows_hdr_pdg_stats
    ) relation_stats
   WHERE NOT is_na
   ORDER BY wasted DESC`;

const TABLE_BLOAT = `
  SELECT format('%I.%I', schemaname, tblname) AS name, bs * tblpages AS size,
         CASE WHEN tblpages - est_tblpages_ff > 0 THEN (tblpages - est_tblpages_ff) * bs ELSE 0 END AS wasted,
         CASE WHEN tblpages > 0 AND tblpages - est_tblpages_ff > 0 THEN 100 * (tblpages - est_tblpages_ff) / tblpages::float8 ELSE 0 END AS ratio
    FROM (
      SELECT ceil(reltuples / ((bs - page_hdr) * fillfactor / (tpl_size * 100))) + ceil(toasttuples / 4) AS est_tblpages_ff,
             tblpages, bs, schemaname, tblname, is_na
        FROM (
          SELECT (4 + tpl_hdr_size + tpl_data_size + (2 * ma)
                  - CASE WHEN tpl_hdr_size % ma = 0 THEN ma ELSE tpl_hdr_size % ma END
                  - CASE WHEN ceil(tpl_data_size)::int % ma = 0 THEN ma ELSE ceil(tpl_data_size)::int % ma END) AS tpl_size,
                 (heappages + toastpages) AS tblpages, reltuples, toasttuples, bs, page_hdr, schemaname, tblname, fillfactor, is_na
            FROM (
              SELECT ns.nspname AS schemaname, tbl.relname AS tblname, tbl.reltuples, tbl.relpages AS heappages,
                     coalesce(toast.relpages, 0) AS toastpages, coalesce(toast.reltuples, 0) AS toasttuples,
                     coalesce(substring(array_to_string(tbl.reloptions, ' ') FROM 'fillfactor=([0-9]+)')::smallint, 100) AS fillfactor,
                     current_setting('block_size')::numeric AS bs, 8 AS ma, 24 AS page_hdr,
                     23 + CASE WHEN max(coalesce(s.null_frac, 0)) > 0 THEN (7 + count(s.attname)) / 8 ELSE 0::int END AS tpl_hdr_size,
                     sum((1 - coalesce(s.null_frac, 0)) * coalesce(s.avg_width, 0)) AS tpl_data_size,
                     bool_or(att.atttypid = 'pg_catalog.name'::regtype)
                       OR sum(CASE WHEN att.attnum > 0 THEN 1 ELSE 0 END) <> count(s.attname) AS is_na
                FROM pg_attribute att
                JOIN pg_class tbl ON att.attrelid = tbl.oid
                JOIN pg_namespace ns ON ns.oid = tbl.relnamespace
                LEFT JOIN pg_stats s ON s.schemaname = ns.nspname AND s.tablename = tbl.relname AND NOT s.inherited AND s.attname = att.attname
                LEFT JOIN pg_class toast ON tbl.reltoastrelid = toast.oid
               WHERE NOT att.attisdropped AND att.attnum > 0 AND tbl.relkind IN ('r', 'm')
                 AND ns.nspname NOT IN ('pg_catalog', 'information_schema') AND ns.nspname !~ '^pg_toast'
               GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
            ) s
        ) s2
    ) s3
   WHERE NOT is_na AND tblpages > 0
   ORDER BY wasted DESC`;

const toBloat = (r: Record<string, unknown>): Bloat => ({
  name: String(r.name), ...(r.table ? { table: String(r.table) } : {}), size: Number(r.size), wasted: Number(r.wasted), ratio: Number(r.ratio),
});

/**
 * Estimated bloat of every btree index (or table) with statistics. An index of a table never
 * analyzed, or whose columns the role may not read in pg_stats, has no estimate: `unestimated`
 * counts them so that a check can say it could not see them.
 */
export async function indexBloat(query: Query): Promise<{ bloat: Bloat[]; unestimated: number }> {
  const [rows, [count]] = await Promise.all([
    query<Record<string, unknown>>(INDEX_BLOAT),
    query<{ n: string }>(`SELECT count(*) AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                          WHERE c.relam = (SELECT oid FROM pg_am WHERE amname = 'btree') AND c.relpages > 0 AND i.indisvalid
                            AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'`),
  ]);
  return { bloat: rows.map(toBloat), unestimated: Math.max(0, Number(count!.n) - rows.length) };
}

export async function tableBloat(query: Query): Promise<{ bloat: Bloat[]; unestimated: number }> {
  const [rows, [count]] = await Promise.all([
    query<Record<string, unknown>>(TABLE_BLOAT),
    query<{ n: string }>(`SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                          WHERE c.relkind IN ('r', 'm') AND c.relpages > 0 AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'`),
  ]);
  return { bloat: rows.map(toBloat), unestimated: Math.max(0, Number(count!.n) - rows.length) };
}

/** A probe's memoised read-only query as a `Query`. */
const viaProbe = (probe: PostgresProbe): Query => (sql, params) => probe.query(sql, params);

/**
 * The catalog as the checks read it: through the run's read-only sessions, whose queries are memoised, so each
 * statement reaches the server once per run however many checks ask.
 */
export class CatalogProbe {
  private readonly primary: Query;
  private readonly replicas: Query[];

  constructor(primary: PostgresProbe, replicas: PostgresProbe[]) {
    this.primary = viaProbe(primary);
    this.replicas = replicas.map(viaProbe);
  }

  indexes(): Promise<IndexRow[]> {
    return indexes(this.primary);
  }

  /** Of `all`, the indexes of at least `minSize` with no scans on the primary nor on any replica. */
  unused(all: IndexRow[], minSize: number): Promise<IndexRow[]> {
    return unused(all, minSize, this.replicas);
  }

  statsSince(): Promise<Date> {
    return statsSince(this.primary);
  }

  bloat(kind: 'index' | 'table'): Promise<{ bloat: Bloat[]; unestimated: number }> {
    return (kind === 'index' ? indexBloat : tableBloat)(this.primary);
  }
}

/**
 * The relations (quoted names) this role may not VACUUM, ANALYZE, REINDEX or DROP: PostgreSQL lets
 * only the owner, the database owner or a superuser do it (17 adds the MAINTAIN privilege), and
 * otherwise VACUUM and ANALYZE skip the table with a warning instead of failing.
 */
export async function notMaintainable(q: Query, relations: string[]): Promise<string[]> {
  if (relations.length === 0) return [];
  const rows = await q<{ name: string }>(
    `SELECT r.name FROM unnest($1::text[]) AS r(name) JOIN pg_class c ON c.oid = r.name::regclass
      WHERE NOT (pg_has_role(c.relowner, 'USAGE')
             OR pg_has_role((SELECT datdba FROM pg_database WHERE datname = current_database()), 'USAGE')
             OR CASE WHEN current_setting('server_version_num')::int >= 170000 THEN has_table_privilege(c.oid, 'MAINTAIN') ELSE false END)`,
    [relations],
  );
  return rows.map((r) => r.name);
}

/** Throws before anything is done when the maintenance role may not act on some of the relations. */
export async function assertMaintainable(q: Query, relations: string[], what: string): Promise<void> {
  const denied = await notMaintainable(q, relations);
  if (denied.length === 0) return;
  const [{ role }] = (await q<{ role: string }>('SELECT current_user AS role')) as [{ role: string }];
  throw new PrivilegeError(
    `${what}: role ${role} may not act on ${denied.join(', ')}: only the owner, the database owner or a superuser may (PostgreSQL 17: GRANT MAINTAIN); set postgres.adminUrl to such a role`,
  );
}
