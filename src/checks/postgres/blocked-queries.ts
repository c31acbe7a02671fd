import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { clientSessions, describeSession, sessions } from '../../probes/postgres-views.js';

/** Sessions waiting on a lock, and who holds them up. */
export default defineCheck({
  id: 'postgres.blocked-queries',
  title: 'Sessions waiting on locks',
  nextStep: 'nvcops incident db',
  requires: ['postgres'],
  unit: 's',
  // check_postgres lockwait: warn 1 minute, critical 2 minutes of waiting on a lock
  thresholds: { warn: '> 1m', fail: '> 2m', source: 'check_postgres lockwait' },
  async run({ probes }) {
    const all = await sessions(probes.postgres.primary);
    const byPid = new Map(all.map((s) => [s.pid, s]));
    const waiting = clientSessions(all)
      .filter((s) => s.wait_event_type === 'Lock')
      .sort((a, b) => (b.lock_wait_s ?? 0) - (a.lock_wait_s ?? 0));
    if (!waiting.length) return { value: 0, message: 'no session is waiting on a lock' };
    const longest = waiting[0]!;
    const details = waiting.slice(0, 10).flatMap((s) => [
      `waiting ${formatValue(Math.round(s.lock_wait_s ?? 0), 's')} — ${describeSession(s)}`,
      ...(s.blocked_by ?? []).map((pid) => {
        const blocker = byPid.get(pid);
        return `    blocked by ${blocker ? `${describeSession(blocker)} [${blocker.state ?? '?'}]` : `pid ${pid}`}`;
      }),
    ]);
    const roots = [...new Set(waiting.flatMap((s) => s.blocked_by ?? []))].filter((pid) => !waiting.some((w) => w.pid === pid));
    return {
      value: Math.round(longest.lock_wait_s ?? 0),
      message: `${waiting.length} session${waiting.length > 1 ? 's' : ''} waiting on locks; longest ${formatValue(Math.round(longest.lock_wait_s ?? 0), 's')}; blocked by pid ${roots.join(', ') || '?'}`,
      details,
    };
  },
});
