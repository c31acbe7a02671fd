import { isoDay } from '../../compliance/checks.js';
import { defineCheck } from '../../engine/check.js';

const DAYS = 90;

/** `maintain access` ran, and could read everything, within the last 90 days (run history of this environment). */
export default defineCheck({
  id: 'compliance.access-review',
  title: `Access review (maintain access) within ${DAYS} days`,
  requires: [],
  unit: 'days',
  async run(ctx) {
    const now = ctx.now();
    const runs = await ctx.probes.history.runs({ command: 'maintain access', days: DAYS }, now);
    // A run that could not read everything (error) or had nothing configured (skip) is not a review.
    const complete = runs.filter((r) => r.status !== 'error' && r.status !== 'skip');
    const last = complete.at(-1);
    if (!last) {
      const partial = runs.length ? `; ${runs.length} run${runs.length === 1 ? '' : 's'} could not read everything (${runs.map((r) => `${isoDay(r.at)} ${r.status}`).join(', ')})` : '';
      return { status: 'fail', message: `no complete access review in the last ${DAYS} days${partial} — run nvcops maintain access and work its findings` };
    }
    const age = Math.floor((now.getTime() - Date.parse(last.at)) / 86_400_000);
    const findings = last.report.items.flatMap((i) => i.results).reduce((n, r) => n + (r.details?.length ?? 0), 0);
    return {
      status: 'pass', value: age,
      message: `maintain access run by ${last.by} on ${isoDay(last.at)} (${age} days ago; its verdict: ${last.status}, ${findings} finding${findings === 1 ? '' : 's'})`,
      details: [`run history: ${complete.length} complete access review${complete.length === 1 ? '' : 's'} in the last ${DAYS} days; latest ${last.at} on ${last.host}`],
    };
  },
});
