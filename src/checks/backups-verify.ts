import type { CheckContext } from '../engine/check.js';
import type { CheckOutput } from '../engine/verdict.js';
import { counted, formatValue } from '../engine/units.js';
import { PGBACKREST_TAKES_DB } from './backups-freshness.js';
import { backupIdParts, unreadableSince } from '../probes/backups.js';

/** backups.verify: the newest backup of each kind (default), or every backup. */
const everyBackup = (ctx: CheckContext) => ctx.config.backups?.verify === 'all';

/** How many of the chosen backups fail their manifest's size and sha256. */
export async function verifyChecksums(ctx: CheckContext): Promise<CheckOutput> {
  const backups = ctx.probes.backups;
  const { broken } = await backups.list();
  const chosen = await backups.selection(everyBackup(ctx));
  const results = await Promise.all(chosen.map(async (m) => ({ m, r: await backups.check(m) })));
  const bad = results.flatMap(({ m, r }) => (r.ok ? [] : [`${m.id}: ${r.problem}`]));
  const details = [
    ...results.map(({ m, r }) => (r.ok ? `${m.id} (${m.kind}, ${formatValue(m.size, 'bytes')}): SHA-256 matches` : `${m.id}: ${r.problem}`)),
    ...broken.map((b) => `unreadable manifest ${b}`),
  ];
  if (!chosen.length && !broken.length) return { status: 'fail', message: `no backup to verify in ${backups.directory}` };
  const failing = bad.length + broken.length;
  return {
    value: failing,
    message: failing ? [...bad, ...broken.map((b) => `unreadable manifest ${b.slice(0, b.indexOf(':'))}`)].join('; ') : chosen.length === 1 ? `${chosen[0]!.id} matches its manifest` : `${chosen.length} backups match their manifests`,
    details,
  };
}

/**
 * The chosen database dumps match their manifests (size, sha256), pg_restore --list reads them, and every table the manifest counted has its data entry.
 * A dump whose manifest cannot be read fails: when it is the newest, an older readable one does not stand in for it.
 */
export async function verifyRestorable(ctx: CheckContext): Promise<CheckOutput> {
  const backups = ctx.probes.backups;
  const every = everyBackup(ctx);
  const { backups: listed, broken } = await backups.list();
  const newest = await backups.newest('db');
  const unreadable = unreadableSince(broken, 'db', every ? undefined : newest);
  const dumps = every ? listed.filter((b) => b.kind === 'db') : unreadable.length ? [] : [newest].filter((b) => b !== undefined);
  if (!dumps.length && !unreadable.length && ctx.config.backups?.pgbackrest) return { status: 'skip', message: PGBACKREST_TAKES_DB };
  if (!dumps.length && !unreadable.length) return { status: 'fail', message: `no database backup in ${backups.directory} to read` };
  const why = (b: string) => (every ? '' : backupIdParts(b) ? ' (the newest database backup)' : ' (its name does not tell its kind or time: it may be the newest database backup)');
  const failures = unreadable.map((b) => `unreadable manifest ${b}${why(b)}`);
  const details = [...failures];
  for (const m of dumps) {
    // pg_restore --list reads only the table of contents at the start: a truncated or altered dump still lists.
    const integrity = await backups.check(m);
    if (!integrity.ok) {
      failures.push(`${m.id}: ${integrity.problem}`);
      details.push(`${m.id}: does not match its manifest`);
      continue;
    }
    try {
      const toc = await backups.toc(m, ctx.signal);
      const missing = Object.keys(m.postgres?.rowCounts ?? {}).filter((t) => !toc.tableData.has(t));
      if (missing.length) failures.push(`${m.id}: no data entry for ${missing.join(', ')}`);
      details.push(`${m.id}: ${toc.entries} table-of-contents entr${toc.entries === 1 ? 'y' : 'ies'}, data for ${counted(toc.tableData.size, 'table')}`);
    } catch (e) {
      failures.push(`${m.id}: ${(e as Error).message}`);
      details.push(`${m.id}: unreadable`);
    }
  }
  return {
    value: failures.length,
    message: failures.length ? failures.join('; ') : `pg_restore reads ${dumps.length === 1 ? dumps[0]!.id : `all ${dumps.length} dumps`}`,
    details,
  };
}
