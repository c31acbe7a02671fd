import { defineCheck } from '../../engine/check.js';
import { SEVERITIES } from '../../probes/security-events.js';
import { outgrownText, withReviews } from '../security-reviews.js';

const DAY_MS = 86_400_000;

/** The last 24 hours of security events: every high-severity one has been reviewed (`nvcops health security ack`). */
export default defineCheck({
  id: 'security.alerts-reviewed',
  title: 'High-severity security events reviewed (24 h)',
  nextStep: 'nvcops health security',
  requires: [],
  unit: 'count',
  timeoutMs: 30_000,
  // Runbook checklist "Security alerts reviewed": one unreviewed high-severity event leaves the line open
  thresholds: { fail: '> 0', source: 'runbook Morning Health Check checklist' },
  async run({ probes, now }) {
    const scan = await probes.securityEvents(DAY_MS, now());
    const read = scan.sources.filter((s) => s.state === 'read');
    const broken = scan.sources.filter((s) => s.state === 'error');
    if (!read.length && !broken.length) {
      return { status: 'skip', message: 'no source of security events configured: set logs.application, logs.postgres or redis.url' };
    }
    const acks = await probes.securityAcks();
    const open = withReviews(scan.events, acks).filter((e) => !e.reviewed);
    const high = open.filter((e) => e.severity === 'high');
    const count = (list: { severity: string }[]) => SEVERITIES.map((s) => `${list.filter((e) => e.severity === s).length} ${s}`).join(', ');
    const details = [
      ...high.slice(0, 10).map((e) => `${e.id} ${e.time} ${e.kind}${e.user ? ` user ${e.user}` : ''}${e.from ? ` from ${e.from}` : ''}${e.outgrown ? ` (${outgrownText(e.outgrown, e)})` : ''}: ${e.message.slice(0, 160)}`),
      ...scan.sources.map((s) => `${s.name}: ${s.state === 'error' ? 'ERROR ' : ''}${s.note}`),
    ];
    const message = `${scan.events.length} events in 24 h (${count(scan.events)}); unreviewed: ${count(open)}${high.length ? ` — review with: nvcops health security, then nvcops health security ack <id…> --note …` : ''}`;
    if (!high.length && broken.length) {
      return { status: 'error', message: `cannot read ${broken.map((s) => s.name).join(', ')}: ${broken[0]!.note}`, details };
    }
    return { value: high.length, message, details };
  },
});
