import { defineCheck } from '../../engine/check.js';
import { daysSince, where } from '../verdicts.js';
import { judgedSomething } from '../../state/store.js';

/** Access control audit: when `maintain access` (access_audit.py) last ran, from the run history. */
export default defineCheck({
  id: 'security.access-audit-age',
  title: 'Access control audit done this month (nvcops maintain access)',
  requires: [],
  unit: 'days',
  // Monthly Security Assessment: one audit per month, and third Mondays are at most 35 days apart
  thresholds: { fail: '> 35 days', source: 'runbook Monthly Operations › Third Monday: Security Assessment (monthly; 28–35 days between third Mondays)' },
  async run(ctx) {
    const last = await ctx.probes.history.lastRunOf('maintain access', ctx.now());
    if (!last) return { status: 'fail', message: `no access control audit recorded in ${where(ctx)}: run nvcops maintain access` };
    if (!judgedSomething(last)) {
      return { status: 'fail', message: `the last nvcops maintain access (${last.at.slice(0, 10)}, by ${last.by}) judged nothing: every check skipped (no target configured)` };
    }
    const age = daysSince(ctx, last.at);
    return { value: age, message: `last nvcops maintain access ${age} days ago (${last.at.slice(0, 10)}, by ${last.by}): ${last.status}` };
  },
});
