import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { DAY_MS } from '../verdicts.js';

const ID = 'postgres.database-growth';

/**
 * The size of the server's databases, and how much they grew since the weekly capacity run a week
 * before (6 to 8 days ago) — PgHero's 7-day growth, from nvcops' own run history instead of a
 * table of its own. No level: growth is the planning input the capacity review reads.
 */
export default defineCheck({
  id: ID,
  title: 'Database size and growth over 7 days',
  requires: ['postgres'],
  unit: 'bytes',
  async run(ctx) {
    const [row] = await ctx.probes.postgres.primary.query<{ bytes: string; databases: string }>(
      `SELECT sum(pg_database_size(oid))::bigint AS bytes, count(*) AS databases FROM pg_database WHERE datallowconn`,
    );
    const size = Number(row!.bytes);
    const now = ctx.now().getTime();
    const weekAgo = (await ctx.probes.history.runs({ command: 'weekly capacity', check: ID, days: 8 }, ctx.now()))
      .filter((r) => now - Date.parse(r.at) >= 6 * DAY_MS)
      .flatMap((r) => r.report.items.flatMap((i) => i.results).filter((x) => x.id === ID && x.observed).map((x) => ({ at: r.at, bytes: x.observed!.value })))
      .at(-1);
    const sized = `${row!.databases} databases: ${formatValue(size, 'bytes')}`;
    if (!weekAgo) return { status: 'skip', value: size, message: `${sized}; no weekly capacity run 6 to 8 days ago to compare with: the growth shows from next week's run` };
    const grew = size - weekAgo.bytes;
    const percent = weekAgo.bytes > 0 ? ` (${grew >= 0 ? '+' : ''}${((100 * grew) / weekAgo.bytes).toFixed(1)}%)` : '';
    const days = ((now - Date.parse(weekAgo.at)) / DAY_MS).toFixed(1);
    return {
      value: size,
      message: `${sized}, ${grew >= 0 ? 'grew' : 'shrank'} ${formatValue(Math.abs(grew), 'bytes')}${percent} since the weekly capacity run of ${weekAgo.at.slice(0, 10)} (${days} days ago)`,
    };
  },
});
