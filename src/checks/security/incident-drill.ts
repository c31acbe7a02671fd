import { defineCheck } from '../../engine/check.js';
import { listIncidents, timers } from '../../incident/records.js';
import { SEVERITY_LEVELS } from '../../runbook/severity.js';
import { formatAge } from '../../incident/time.js';
import { daysSince, where } from '../../reviews/history.js';
import { compareText } from '../../engine/order.js';

/** Incident response drill: the newest drill among the incident records (`nvcops incident open --drill`), and how it went. */
export default defineCheck({
  id: 'security.incident-drill',
  title: 'Last incident response drill (nvcops incident open --drill)',
  item: 'Incident response drill',
  requires: [],
  unit: 'days',
  // The runbook lists the drill on the monthly Security Assessment; third Mondays are at most 35 days apart (PCI DSS 12.10.2's yearly test is the floor)
  thresholds: { fail: '> 35 days', source: 'runbook Monthly Operations › Third Monday: Security Assessment (monthly); PCI DSS 12.10.2 (at least yearly)' },
  async run(ctx) {
    const environment = ctx.config.environment ?? null;
    const drills = (await listIncidents(await ctx.probes.state()))
      .filter((i) => i.drill && i.environment === environment && i.openedAt <= ctx.now().toISOString())
      .sort((a, b) => compareText(a.openedAt, b.openedAt));
    const last = drills.at(-1);
    if (!last) {
      return {
        status: 'fail',
        message: `no incident response drill recorded in ${where(ctx)}: run one and record it with nvcops incident open --drill --severity P1 --title "…", then ack, note and resolve it`,
      };
    }
    const t = timers(last, ctx.now());
    const took = (ms: number | undefined, target: string) => (ms === undefined ? `not done (target ${target})` : `${formatAge(ms)} (target ${target})`);
    const outcome = last.resolvedAt ? `resolved ${last.resolvedAt.slice(0, 10)} by ${last.resolvedBy}` : `still ${last.status}: resolve it with nvcops incident resolve ${last.id} --note "…"`;
    const age = daysSince(ctx, last.openedAt);
    return {
      value: age,
      message: `last drill ${last.id} [${last.severity}] ${age} days ago (${last.openedAt.slice(0, 10)}): ${outcome}`,
      details: [
        `${last.id}: ${last.title} — opened by ${last.openedBy}`,
        `acknowledged: ${took(t.ackMs, '5 min')}; response: ${took(t.responseMs, SEVERITY_LEVELS[last.severity].response)}; resolved: ${last.resolvedAt ? formatAge(t.resolveMs!) : 'not yet'}`,
        `${drills.length} drill${drills.length === 1 ? '' : 's'} recorded in ${where(ctx)}`,
      ],
    };
  },
});
