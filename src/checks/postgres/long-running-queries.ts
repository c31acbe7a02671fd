import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { clientSessions, describeSession, sessions } from '../../probes/postgres-views.js';

/** Statements that have been running for long (autovacuum and replication are left out). */
export default defineCheck({
  id: 'postgres.long-running-queries',
  title: 'Long-running queries',
  requires: ['postgres'],
  unit: 's',
  // PgHero long_running_query_sec = 60; fail at 5 minutes (check_postgres query_time documentation example)
  thresholds: { warn: '> 60s', fail: '> 5m', source: 'PgHero long_running_query_sec; check_postgres query_time' },
  async run({ probes }) {
    const running = clientSessions(await sessions(probes.postgres.primary))
      .filter((s) => s.state === 'active' || s.state === 'fastpath function call')
      .sort((a, b) => (b.query_s ?? 0) - (a.query_s ?? 0));
    if (!running.length) return { value: 0, message: 'no query running' };
    const longest = running[0]!;
    const slow = running.filter((s) => (s.query_s ?? 0) >= 1);
    return {
      value: Math.round(longest.query_s ?? 0),
      message: `${running.length} running; longest ${formatValue(Math.round(longest.query_s ?? 0), 's')} (pid ${longest.pid})`,
      details: slow.slice(0, 10).map((s) => `running ${formatValue(Math.round(s.query_s ?? 0), 's')} — ${describeSession(s)}`),
    };
  },
});
