/** `maintain indexes` (optimize_indexes.py): rebuild invalid and bloated indexes, drop unused and duplicate ones with --drop. */
import type { ActionPlan, ActionStep } from '../engine/action.js';
import { formatValue, parseDuration } from '../engine/units.js';
import type { PostgresProbe } from '../probes/postgres.js';
import type { PlanContext } from '../app/act.js';
import { DEFAULT_LOCK_TIMEOUT } from './db.js';
import { assertMaintainable, duplicates, indexBloat, indexes, indexSettings, isLeftover, statsSince, unused, type Query } from '../probes/postgres-catalog.js';

const size = (n: number) => formatValue(n, 'bytes');

/** REINDEX INDEX CONCURRENTLY; when it fails it leaves an invalid `<name>_ccnew` behind, which this removes so a re-run starts clean. */
function reindexStep(session: PostgresProbe, name: string, details: string[]): ActionStep {
  return {
    title: `REINDEX INDEX CONCURRENTLY ${name}`,
    details,
    async run() {
      const leftovers = async () =>
        (await session.exec<{ name: string }>(
          `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE NOT i.indisvalid AND format('%I.%I', n.nspname, c.relname) ~ ('^' || regexp_replace($1, '"?$', '') || '_ccnew[0-9]*"?$')`,
          [name],
        )).map((r) => r.name);
      const before = new Set(await leftovers());
      const [{ size: old }] = (await session.exec<{ size: string }>(`SELECT pg_relation_size($1::regclass) AS size`, [name])) as [{ size: string }];
      try {
        await session.exec(`REINDEX INDEX CONCURRENTLY ${name}`);
      } catch (e) {
        const mine = (await leftovers()).filter((l) => !before.has(l));
        for (const l of mine) await session.exec(`DROP INDEX CONCURRENTLY IF EXISTS ${l}`);
        throw new Error(`${(e as Error).message}${mine.length ? `; removed the unfinished copy ${mine.join(', ')}` : ''}`);
      }
      const [{ size: now }] = (await session.exec<{ size: string }>(`SELECT pg_relation_size($1::regclass) AS size`, [name])) as [{ size: string }];
      return `rebuilt: ${size(Number(old))} → ${size(Number(now))}`;
    },
  };
}

function dropStep(session: PostgresProbe, name: string, bytes: number, details: string[]): ActionStep {
  return {
    title: `DROP INDEX CONCURRENTLY ${name}`,
    details,
    async run() {
      await session.exec(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
      return `dropped, ${size(bytes)} freed`;
    },
  };
}

export async function planIndexes(ctx: PlanContext, opts: { drop?: boolean }): Promise<ActionPlan> {
  const settings = indexSettings(ctx.config);
  const session = ctx.probes.maintenanceSession(parseDuration(ctx.config.maintenance?.vacuum?.lockTimeout ?? DEFAULT_LOCK_TIMEOUT)!);
  const q: Query = (sql, params) => session.exec(sql, params);
  const replicas: Query[] = ctx.config.postgres?.replicas.length
    ? ctx.probes.postgres.replicas.map((r) => (sql: string, params?: unknown[]) => r.query(sql, params))
    : [];
  const all = await indexes(q);
  const invalid = all.filter((i) => !i.valid);
  const dup = duplicates(all);
  const dupNames = new Set(dup.map((d) => d.index.name));
  const idle = (await unused(all, settings.unusedMinSize, replicas)).filter((i) => !dupNames.has(i.name));
  const { bloat } = await indexBloat(q);
  // An unused or duplicate index is a drop candidate: rebuilding it would be wasted work.
  const dropCandidates = new Set([...dupNames, ...idle.map((i) => i.name)]);
  const bloated = bloat.filter((b) => b.wasted >= settings.bloatMinSize && b.ratio >= settings.bloatRatio && !dropCandidates.has(b.name));
  const since = await statsSince(q);

  const steps: ActionStep[] = [];
  for (const i of invalid) {
    if (isLeftover(i.name)) steps.push(dropStep(session, i.name, i.size, [`invalid: left behind by an interrupted REINDEX CONCURRENTLY on ${i.table}`]));
    else steps.push(reindexStep(session, i.name, [`invalid (a CREATE INDEX CONCURRENTLY or REINDEX that failed) on ${i.table}, ${size(i.size)}`, i.definition]));
  }
  for (const b of bloated) {
    steps.push(reindexStep(session, b.name, [`bloated: about ${size(b.wasted)} of ${size(b.size)} wasted (${b.ratio.toFixed(0)}%)`]));
  }
  const drops = [
    ...dup.map((d) => ({ index: d.index, why: `duplicate: its columns are a prefix of ${d.coveredBy.name} (${d.coveredBy.definition})` })),
    ...idle.map((i) => ({ index: i, why: `unused: no scans since ${since.toISOString()}${replicas.length ? ' here or on the replicas' : ''}, ${size(i.size)}` })),
  ];
  if (opts.drop) for (const d of drops) steps.push(dropStep(session, d.index.name, d.index.size, [d.why, d.index.definition]));

  await assertMaintainable(q, [...invalid.map((i) => i.name), ...bloated.map((b) => b.name), ...(opts.drop ? drops.map((d) => d.index.name) : [])], 'maintain indexes');
  const dropBytes = drops.reduce((n, d) => n + d.index.size, 0);
  const bloatBytes = bloated.reduce((n, b) => n + b.wasted, 0);
  const reclaim = (opts.drop ? dropBytes : 0) + bloatBytes;
  const summary = [
    `${invalid.length} invalid, ${dup.length} duplicate, ${idle.length} unused (no scans, >= ${size(settings.unusedMinSize)}, not unique or primary), ${bloated.length} bloated (>= ${size(settings.bloatMinSize)} and >= ${settings.bloatRatio}% wasted) of ${all.length} indexes`,
    `space to reclaim: about ${size(reclaim)}${opts.drop ? '' : ` (${size(dropBytes)} more with --drop)`}`,
  ];
  if (!opts.drop) for (const d of drops) summary.push(`not planned without --drop: ${d.index.name} — ${d.why}`);
  if (drops.length) summary.push(`scan counters start at ${since.toISOString()} (the last stats reset or server start): the longer ago, the surer "unused" is`);
  return {
    action: 'maintain indexes',
    target: `PostgreSQL ${session.address}`,
    summary,
    warnings: steps.length
      ? ['CONCURRENTLY builds and drops without blocking writes, but each waits for transactions that use the table to finish; a REINDEX needs free disk space as large as the index']
      : [],
    steps,
  };
}
