import { defineCheck } from '../../engine/check.js';
import { DAY_MS, where } from '../verdicts.js';
import { judgedSomething } from '../../state/store.js';

const WEEKS = 4;

/** Infrastructure scaling review: did `weekly capacity` (Monday: Capacity Planning) run in each of the last four weeks? */
export default defineCheck({
  id: 'capacity.weekly-runs',
  title: 'Weekly capacity reviews held in the last 4 weeks (nvcops weekly capacity)',
  requires: [],
  unit: 'count',
  // Runbook Weekly Operations: capacity planning every Monday; a missed week warns, a month without one fails
  thresholds: { warn: '< 4', fail: '< 1', source: 'runbook Weekly Operations › Monday: Capacity Planning (every week)' },
  async run(ctx) {
    const kept = await ctx.probes.history.runsOf('weekly capacity', WEEKS * 7, ctx.now());
    // A run that judged nothing (every check skipped: no target configured) held no review.
    const runs = kept.filter(judgedSomething);
    const now = ctx.now().getTime();
    // Week 0 is the seven days up to now, week 3 the oldest.
    const weekOf = (at: string) => Math.min(WEEKS - 1, Math.floor((now - Date.parse(at)) / (7 * DAY_MS)));
    const held = new Set(runs.map((r) => weekOf(r.at)));
    const details = Array.from({ length: WEEKS }, (_, w) => {
      const inWeek = kept.filter((r) => weekOf(r.at) === w);
      const from = new Date(now - (w + 1) * 7 * DAY_MS).toISOString().slice(0, 10);
      const to = new Date(now - w * 7 * DAY_MS).toISOString().slice(0, 10);
      return `${from} – ${to}: ${inWeek.length ? inWeek.map((r) => `${r.at.slice(0, 10)} ${judgedSomething(r) ? r.status : 'judged nothing (every check skipped)'} (by ${r.by})`).join(', ') : 'no weekly capacity run'}`;
    });
    const message = runs.length
      ? `${held.size} of the last ${WEEKS} weeks had a weekly capacity run (${runs.length} runs)`
      : `no weekly capacity run in the last ${WEEKS} weeks in ${where(ctx)}: run nvcops weekly capacity every Monday`;
    return { value: held.size, message, details };
  },
});
