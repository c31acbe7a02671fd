import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';

interface Prepared { gid: string; owner: string; database: string; age_s: number; max: number }

// pg_prepared_xacts is readable by every role; max_prepared_transactions = 0 means none can exist.
const PREPARED = `SELECT p.gid, p.owner, p.database, extract(epoch FROM now() - p.prepared)::float8 AS age_s,
  current_setting('max_prepared_transactions')::int AS max
  FROM (SELECT 1) one LEFT JOIN pg_prepared_xacts p ON true ORDER BY p.prepared NULLS LAST`;

/**
 * A transaction prepared for two-phase commit and never committed or rolled back: it keeps its locks
 * and holds back vacuum's xmin horizon until someone runs COMMIT/ROLLBACK PREPARED, across restarts.
 */
export default defineCheck({
  id: 'postgres.prepared-transactions',
  title: 'Forgotten prepared transactions',
  nextStep: 'nvcops incident db',
  requires: ['postgres'],
  unit: 's',
  // check_postgres prepared_txns: warning 1 second, critical 30 seconds (its defaults)
  thresholds: { warn: '> 1s', fail: '> 30s', source: 'check_postgres prepared_txns' },
  async run({ probes }) {
    const rows = await probes.postgres.primary.query<Prepared>(PREPARED);
    const prepared = rows.filter((r) => r.gid !== null);
    if (!prepared.length) {
      return { value: 0, message: rows[0]!.max === 0 ? 'none (max_prepared_transactions = 0: two-phase commit is off)' : 'no prepared transaction waiting' };
    }
    const oldest = prepared[0]!;
    return {
      value: Math.round(oldest.age_s),
      message: `${prepared.length} prepared transaction${prepared.length > 1 ? 's' : ''} not committed or rolled back; oldest '${oldest.gid}' prepared ${formatValue(Math.round(oldest.age_s), 's')} ago — COMMIT PREPARED or ROLLBACK PREPARED it once its transaction manager is known`,
      details: prepared.slice(0, 10).map((p) => `'${p.gid}' by ${p.owner} in database ${p.database}, prepared ${formatValue(Math.round(p.age_s), 's')} ago`),
    };
  },
});
