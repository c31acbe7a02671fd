import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { clientSessions, describeSession, sessions } from '../../probes/postgres-views.js';
import type { PostgresProbe } from '../../probes/postgres.js';

interface Holder { kind: 'slot' | 'standby'; name: string; active: boolean; xmin_age: number }

// What else holds the xmin horizon back on the primary: slots (a standby's with hot_standby_feedback, or a logical one's
// catalog_xmin) and standbys streaming without a slot whose feedback sets the walsender's backend_xmin.
const HOLDERS = `SELECT 'slot' AS kind, slot_name AS name, active, greatest(age(xmin), age(catalog_xmin))::int AS xmin_age
  FROM pg_replication_slots WHERE xmin IS NOT NULL OR catalog_xmin IS NOT NULL
UNION ALL
SELECT 'standby', coalesce(nullif(application_name, ''), 'walsender') || coalesce(' (' || host(client_addr) || ')', ''), true, age(backend_xmin)::int
  FROM pg_stat_replication WHERE backend_xmin IS NOT NULL
ORDER BY xmin_age DESC`;

/** The oldest open transaction of one server's clients (every session of the role's view: pg_monitor). */
async function oldestOn(p: PostgresProbe) {
  const open = clientSessions(await sessions(p)).filter((s) => s.xact_s !== null).sort((a, b) => b.xact_s! - a.xact_s!);
  return { p, open };
}

/**
 * A transaction kept open, whatever it does meanwhile (many short statements are never "idle in
 * transaction" for long, nor one long query), holds its snapshot and so vacuum's xmin horizon: no
 * row deleted since can be removed anywhere in the cluster. Standbys with hot_standby_feedback and
 * replication slots hold it too, so replicas' sessions count and the slots are listed.
 */
export default defineCheck({
  id: 'postgres.oldest-transaction',
  title: 'Oldest open transaction (xmin horizon)',
  nextStep: 'nvcops incident db',
  requires: ['postgres'],
  unit: 's',
  // awesome-prometheus-alerts "long-running transaction" > 2 min; check_postgres txn_time (its example: critical 10 minutes)
  thresholds: { warn: '> 2m', fail: '> 10m', source: 'awesome-prometheus-alerts long-running transaction (2 min); check_postgres txn_time (10 min)' },
  async run({ probes }) {
    const primary = probes.postgres.primary;
    const [servers, holders] = await Promise.all([
      Promise.all([primary, ...probes.postgres.replicas].map(oldestOn)),
      primary.query<Holder>(HOLDERS),
    ]);
    const open = servers.flatMap(({ p, open: o }) => o.map((s) => ({ server: p.name, s }))).sort((a, b) => b.s.xact_s! - a.s.xact_s!);
    const details = [
      ...open.filter((o) => o.s.xact_s! >= 1).slice(0, 10).map((o) => `${o.server}: transaction open ${formatValue(Math.round(o.s.xact_s!), 's')} (${o.s.state ?? '?'}) — ${describeSession(o.s)}`),
      ...holders.map((h) => `${h.kind === 'slot' ? `slot ${h.name}${h.active ? '' : ' (INACTIVE)'}` : `standby ${h.name} (hot_standby_feedback)`} holds xmin ${h.xmin_age} transactions back`),
    ];
    const oldest = open[0];
    const value = oldest ? Math.round(oldest.s.xact_s!) : 0;
    const longest = oldest ? `oldest open transaction ${formatValue(value, 's')} on ${oldest.server} (pid ${oldest.s.pid}, ${oldest.s.state ?? '?'})` : 'no open transaction';
    // An inactive slot's hold is judged by postgres.replication-slots (any inactive slot warns); here it is named.
    return { value, message: `${longest}${holders.length ? `; xmin also held by ${holders.map((h) => `${h.kind} ${h.name}${h.active ? '' : ' (inactive)'}`).join(', ')}` : ''}`, details };
  },
});
