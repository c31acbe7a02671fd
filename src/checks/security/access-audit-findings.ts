import { defineCheck } from '../../engine/check.js';
import type { Status } from '../../engine/verdict.js';
import type { Severity } from '../access-findings.js';
import { where } from '../verdicts.js';

const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];

/** Access control audit: what the last `maintain access` found (high findings fail it, medium warn), from the run history. */
export default defineCheck({
  id: 'security.access-audit-findings',
  title: 'Findings of the last access control audit',
  requires: [],
  unit: 'count',
  async run(ctx) {
    const last = await ctx.probes.history.lastRunOf('maintain access', ctx.now());
    if (!last) return { status: 'error', message: `no nvcops maintain access run in ${where(ctx)} to read findings from: run it` };
    const results = last.report.items.flatMap((i) => i.results);
    // Each finding is one detail line "[severity] subject: finding — remedy" (src/checks/access-findings.ts).
    const findings = results.flatMap((r) => (r.details ?? []).filter((d) => /^\[(high|medium|low)\]/.test(d)));
    const count = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((f) => f.startsWith(`[${s}]`)).length]));
    const unseen = results.filter((r) => r.status === 'error' || r.status === 'skip').map((r) => `${r.id} ${r.status}: ${r.message}`);
    // An audit that saw nothing (every check skipped: no target configured) is no evidence of an audit.
    const status: Status = last.status === 'skip' ? 'error' : last.status;
    return {
      status,
      value: findings.length,
      message: `nvcops maintain access of ${last.at.slice(0, 10)}: ${SEVERITIES.map((s) => `${count[s]} ${s}`).join(', ')} findings${unseen.length ? `; not audited: ${unseen.map((u) => u.split(' ')[0]).join(', ')}` : ''}`,
      details: [...results.map((r) => `${r.id}: ${r.status} — ${r.message}`), ...findings.filter((f) => !f.startsWith('[low]'))],
    };
  },
});
