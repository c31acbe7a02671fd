import { defineCheck } from '../../engine/check.js';
import type { Incident } from '../../probes/incidents.js';
import { timers } from '../incident-timers.js';
import { SEVERITY_LEVELS } from '../../runbook/severity.js';
import { formatAge } from '../../incident/time.js';
import { daysSince, where } from '../verdicts.js';
import { compareText } from '../../engine/order.js';
import { counted } from '../../engine/units.js';

/** Why a drill did not exercise the response (undefined when it did): it counts once acknowledged and resolved. */
const unfinished = (i: Incident): string | undefined =>
  !i.resolvedAt ? `still ${i.status}${i.acknowledgedAt ? '' : ', never acknowledged'}: resolve it with nvcops incident resolve ${i.id} --note "…"`
    : !i.acknowledgedAt ? 'resolved without acknowledgement: the 5-minute acknowledgement was never exercised'
      : undefined;

/** Incident response drill: the newest drill among the incident records (`nvcops incident open --drill`) that was acknowledged and resolved, and how it went. */
export default defineCheck({
  id: 'security.incident-drill',
  title: 'Last incident response drill (nvcops incident open --drill)',
  requires: [],
  unit: 'days',
  // The runbook lists the drill on the monthly Security Assessment; third Mondays are at most 35 days apart (PCI DSS 12.10.2's yearly test is the floor)
  thresholds: { fail: '> 35 days', source: 'runbook Monthly Operations › Third Monday: Security Assessment (monthly); PCI DSS 12.10.2 (at least yearly)' },
  async run(ctx) {
    const environment = ctx.config.environment ?? null;
    const drills = (await ctx.probes.incidents())
      .filter((i) => i.drill && i.environment === environment && i.openedAt <= ctx.now().toISOString())
      .sort((a, b) => compareText(a.openedAt, b.openedAt));
    if (!drills.length) {
      return {
        status: 'fail',
        message: `no incident response drill recorded in ${where(ctx)}: run one and record it with nvcops incident open --drill --severity P1 --title "…", then ack, note and resolve it`,
      };
    }
    // A drill opened and left, or closed without anyone acknowledging it, showed nothing of the response: it does not count.
    const judged = drills.map((i) => ({ i, why: unfinished(i) }));
    const notCounted = judged.filter((d) => d.why).map(({ i, why }) => `${i.id} opened ${i.openedAt.slice(0, 10)} does not count: ${why}`);
    const last = judged.filter((d) => !d.why).at(-1)?.i;
    const recorded = `${counted(drills.length, 'drill')} recorded in ${where(ctx)}`;
    if (!last) {
      return {
        status: 'fail',
        message: `no incident response drill in ${where(ctx)} was acknowledged and resolved: ${notCounted.join('; ')}`,
        details: [recorded],
      };
    }
    const t = timers(last, ctx.now());
    const took = (ms: number | undefined, target: string) => (ms === undefined ? `not done (target ${target})` : `${formatAge(ms)} (target ${target})`);
    const age = daysSince(ctx, last.openedAt);
    return {
      value: age,
      message: `last drill ${last.id} [${last.severity}] ${age} days ago (${last.openedAt.slice(0, 10)}): resolved ${last.resolvedAt!.slice(0, 10)} by ${last.resolvedBy}`,
      details: [
        `${last.id}: ${last.title} — opened by ${last.openedBy}`,
        `acknowledged: ${took(t.ackMs, '5 min')}; response: ${took(t.responseMs, SEVERITY_LEVELS[last.severity].response)}; resolved: ${formatAge(t.resolveMs!)}`,
        ...notCounted,
        recorded,
      ],
    };
  },
});
