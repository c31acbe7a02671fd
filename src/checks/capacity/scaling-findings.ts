import { defineCheck } from '../../engine/check.js';
import { worst } from '../../engine/report.js';
import { MONTH_WINDOW_DAYS, where } from '../verdicts.js';
import { judgedSomething } from '../../state/store.js';

/** Infrastructure scaling review: what the month's `weekly capacity` runs found — the latest verdict and the warnings that keep coming back. */
export default defineCheck({
  id: 'capacity.scaling-findings',
  title: 'Findings of the month\'s weekly capacity reviews',
  requires: [],
  unit: 'count',
  async run(ctx) {
    const kept = await ctx.probes.history.runsOf('weekly capacity', MONTH_WINDOW_DAYS, ctx.now());
    if (!kept.length) return { status: 'error', message: `no weekly capacity run in the last ${MONTH_WINDOW_DAYS} days in ${where(ctx)}: nothing to review` };
    // Runs that judged nothing (every check skipped) found nothing either way.
    const runs = kept.filter(judgedSomething);
    const latest = runs.at(-1);
    if (!latest) {
      const skipped = kept[0]!.report.items.flatMap((i) => i.results)[0]?.message ?? 'no checks';
      return { status: 'error', message: `the month's ${kept.length} weekly capacity runs evaluated nothing (every check skipped: ${skipped})` };
    }
    const results = runs.map((r) => r.report.items.flatMap((i) => i.results));
    const ids = [...new Set(results.flat().map((r) => r.id))];
    const rows = ids.map((id) => {
      const seen = results.map((rs) => rs.find((r) => r.id === id)).filter((r) => r !== undefined);
      const bad = seen.filter((r) => r.status === 'warn' || r.status === 'fail');
      return { id, seen: seen.length, bad: bad.length, last: seen.at(-1)! };
    });
    // Two or more weeks of the month at warn or fail is a pattern, not a blip.
    const recurring = rows.filter((r) => r.bad >= 2);
    const status = worst([latest.status, recurring.length ? 'warn' : 'pass']);
    const details = rows
      .sort((a, b) => b.bad - a.bad)
      .map((r) => `${r.id}: warn or fail in ${r.bad} of ${r.seen} runs; latest ${r.last.status} — ${r.last.message}`);
    const message = `${runs.length} weekly capacity runs since ${runs[0]!.at.slice(0, 10)}, latest ${latest.at.slice(0, 10)} ${latest.status}; ${
      recurring.length ? `recurring: ${recurring.map((r) => r.id).join(', ')}` : 'no recurring warnings'}`;
    return { status, value: recurring.length, message, details };
  },
});
