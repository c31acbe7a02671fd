import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';

interface Slot { slot_name: string; active: boolean; wal_status: string | null; retained: number | null; max_wal_size: number }

/**
 * WAL held back by replication slots, active or not, as a share of max_wal_size: a slot that keeps more than
 * a checkpoint would (wal_status `extended`) is a consumer falling behind; `unreserved` loses the WAL at the next checkpoint.
 */
export default defineCheck({
  id: 'postgres.slot-wal',
  title: 'WAL held back by replication slots',
  nextStep: 'nvcops incident db',
  requires: ['postgres'],
  unit: '%',
  // PostgreSQL pg_replication_slots.wal_status: "extended" past max_wal_size (warn); "unreserved" fails outright. check_postgres replication_slots measures the same bytes.
  thresholds: { warn: '> 100%', source: 'PostgreSQL wal_status extended/unreserved; check_postgres replication_slots' },
  async run({ probes }) {
    const slots = await probes.postgres.primary.query<Slot>(
      `SELECT slot_name, active, wal_status,
              pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END, restart_lsn)::float8 AS retained,
              pg_size_bytes(current_setting('max_wal_size'))::float8 AS max_wal_size
       FROM pg_replication_slots ORDER BY retained DESC NULLS LAST`,
    );
    if (!slots.length) return { value: 0, message: 'no replication slots' };
    const limit = slots[0]!.max_wal_size;
    const share = (bytes: number) => Math.round((1000 * bytes) / limit) / 10;
    const details = slots.map((s) => `${s.slot_name} (${s.active ? 'active' : 'inactive'}): ${s.retained === null ? 'no WAL reserved' : `holds ${formatValue(s.retained, 'bytes')} (${share(s.retained)}% of max_wal_size ${formatValue(limit, 'bytes')})`}${s.wal_status ? `, wal_status ${s.wal_status}` : ''}`);
    const worst = slots[0]!;
    const value = share(worst.retained ?? 0);
    const unreserved = slots.filter((s) => s.wal_status === 'unreserved');
    if (unreserved.length) {
      return { status: 'fail', value, message: `${unreserved.map((s) => s.slot_name).join(', ')}: WAL beyond max_slot_wal_keep_size (wal_status unreserved): removed at the next checkpoint, and the slot's consumer must then be rebuilt`, details };
    }
    return { value, message: `${worst.slot_name} holds the most WAL: ${formatValue(worst.retained ?? 0, 'bytes')}, ${value}% of max_wal_size`, details };
  },
});
