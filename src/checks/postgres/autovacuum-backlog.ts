import { defineCheck } from '../../engine/check.js';
import { autovacuumTrigger, onPrimary } from '../../probes/postgres-views.js';

/** Tables past autovacuum's own vacuum threshold (the table's storage parameters where set) that it has not processed yet. */
export default defineCheck({
  id: 'postgres.autovacuum-backlog',
  title: 'Autovacuum backlog',
  requires: ['postgres'],
  unit: 'count',
  // awesome-prometheus-alerts "table not auto vacuumed": a table waiting past its threshold is a warning
  thresholds: { warn: '> 0', source: 'awesome-prometheus-alerts Postgresql table not auto vacuumed' },
  async run({ probes }) {
    const probe = probes.postgres.primary;
    await onPrimary(probe, 'dead rows');
    const rows = await probe.query<{ name: string; dead: string; limit: string; running: boolean; off: boolean }>(
      `SELECT format('%I.%I', s.schemaname, s.relname) AS name, s.n_dead_tup AS dead,
              round(v.trigger)::bigint AS limit,
              EXISTS (SELECT 1 FROM pg_stat_progress_vacuum p WHERE p.relid = s.relid) AS running,
              NOT current_setting('autovacuum')::bool OR coalesce(c.reloptions::text ~ 'autovacuum_enabled=(false|off)', false) AS off
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
        CROSS JOIN LATERAL (SELECT ${autovacuumTrigger('vacuum')} AS trigger) v
        WHERE s.n_dead_tup > v.trigger
        ORDER BY s.n_dead_tup DESC`,
    );
    const waiting = rows.filter((r) => !r.running);
    return {
      value: waiting.length,
      message: `${waiting.length} tables past autovacuum's vacuum threshold and not being vacuumed${rows.length > waiting.length ? ` (${rows.length - waiting.length} in progress)` : ''}`,
      details: waiting.map((r) => `${r.name}: ${r.dead} dead tuples (threshold ${r.limit})${r.off ? ', autovacuum is off for it' : ''} — nvcops maintain db --vacuum --analyze --table ${r.name}; if this recurs raise autovacuum_max_workers or lower its cost delay`),
    };
  },
});
