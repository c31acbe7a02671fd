import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';

interface Wal { files: number; bytes: number; expected: number; max_wal_size: number; wal_keep_size: number }

/**
 * pg_wal's size and file count against what checkpoints keep: max_wal_size (or wal_keep_size when larger).
 * More means something holds WAL back: a slot, a failing archive_command, checkpoints that cannot keep up.
 */
export default defineCheck({
  id: 'postgres.wal-size',
  title: 'WAL directory size (pg_wal)',
  nextStep: 'nvcops incident db',
  requires: ['postgres'],
  unit: '%',
  // check_postgres wal_files warns at 10 and fails at 15 files, the ceiling of the checkpoint_segments days; the same
  // 1 : 1.5 steps over today's ceiling, max_wal_size, "a soft limit" exceeded only when WAL is held back (PostgreSQL docs, WAL configuration).
  thresholds: { warn: '> 100%', fail: '> 150%', source: 'check_postgres wal_files (10/15 files, scaled to max_wal_size); PostgreSQL WAL configuration' },
  async run({ probes }) {
    // pg_ls_waldir() is granted to pg_monitor.
    const [w] = await probes.postgres.primary.query<Wal>(
      `SELECT count(*)::int AS files, coalesce(sum(size), 0)::float8 AS bytes,
              greatest(pg_size_bytes(current_setting('max_wal_size')), pg_size_bytes(current_setting('wal_keep_size')))::float8 AS expected,
              pg_size_bytes(current_setting('max_wal_size'))::float8 AS max_wal_size, pg_size_bytes(current_setting('wal_keep_size'))::float8 AS wal_keep_size
       FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$'`,
    );
    const value = Math.round((1000 * w!.bytes) / w!.expected) / 10;
    return {
      value,
      message: `pg_wal holds ${w!.files} WAL file${w!.files === 1 ? '' : 's'}, ${formatValue(w!.bytes, 'bytes')}: ${value}% of ${w!.expected === w!.max_wal_size ? 'max_wal_size' : 'wal_keep_size'} ${formatValue(w!.expected, 'bytes')}`,
      details: [`max_wal_size ${formatValue(w!.max_wal_size, 'bytes')}, wal_keep_size ${formatValue(w!.wal_keep_size, 'bytes')}`],
    };
  },
});
