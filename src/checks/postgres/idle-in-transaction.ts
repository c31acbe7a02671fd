import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { clientSessions, describeSession, sessions } from '../../probes/postgres-views.js';

/** Sessions left idle inside an open transaction hold locks and keep vacuum from cleaning up. */
export default defineCheck({
  id: 'postgres.idle-in-transaction',
  title: 'Sessions idle in transaction',
  nextStep: 'nvcops incident db',
  requires: ['postgres'],
  unit: 's',
  // check_postgres txn_idle has no default; the peer baseline runs it with -w 5m -c 15m (the runbook issue: older than 5 minutes)
  thresholds: { warn: '> 5m', fail: '> 15m', source: 'check_postgres txn_idle -w 5m -c 15m' },
  async run({ probes }) {
    const idle = clientSessions(await sessions(probes.postgres.primary))
      .filter((s) => s.state === 'idle in transaction' || s.state === 'idle in transaction (aborted)')
      .sort((a, b) => (b.state_s ?? 0) - (a.state_s ?? 0));
    if (!idle.length) return { value: 0, message: 'no session is idle in a transaction' };
    const longest = idle[0]!;
    return {
      value: Math.round(longest.state_s ?? 0),
      message: `${idle.length} session${idle.length > 1 ? 's' : ''} idle in transaction; longest ${formatValue(Math.round(longest.state_s ?? 0), 's')}`,
      details: idle.slice(0, 10).map((s) => `idle ${formatValue(Math.round(s.state_s ?? 0), 's')} — ${describeSession(s)}`),
    };
  },
});
