import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';

interface Slot { slot_name: string; slot_type: string; active: boolean; wal_status: string | null; retained: number | null }

/** Replication slots nobody reads keep WAL on disk until it fills. */
export default defineCheck({
  id: 'postgres.replication-slots',
  title: 'Inactive replication slots',
  requires: ['postgres'],
  unit: 'bytes',
  // PgHero: any inactive slot is a warning; awesome-prometheus-alerts "unused replication slot"
  thresholds: { warn: '> 0B', source: 'PgHero replication slots; awesome-prometheus-alerts' },
  async run({ probes }) {
    const slots = await probes.postgres.primary.query<Slot>(
      `SELECT slot_name, slot_type, active, wal_status,
              pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END, restart_lsn)::float8 AS retained
       FROM pg_replication_slots ORDER BY retained DESC NULLS LAST`,
    );
    if (!slots.length) return { value: 0, message: 'no replication slots' };
    const details = slots.map((s) => `${s.slot_name} (${s.slot_type}): ${s.active ? 'active' : 'INACTIVE'}, retains ${formatValue(s.retained ?? 0, 'bytes')}${s.wal_status ? `, wal_status ${s.wal_status}` : ''}`);
    const lost = slots.filter((s) => s.wal_status === 'lost');
    if (lost.length) return { status: 'fail', message: `${lost.map((s) => s.slot_name).join(', ')}: WAL needed by the slot was removed (wal_status lost); its consumer must be rebuilt`, details };
    const inactive = slots.filter((s) => !s.active);
    const retained = inactive.reduce((n, s) => n + (s.retained ?? 0), 0);
    return {
      value: retained,
      message: inactive.length
        ? `${inactive.length} inactive slot${inactive.length > 1 ? 's' : ''} (${inactive.map((s) => s.slot_name).join(', ')}) retain ${formatValue(retained, 'bytes')} of WAL`
        : `${slots.length} slot${slots.length > 1 ? 's' : ''}, all active`,
      details,
    };
  },
});
