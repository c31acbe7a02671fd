import { defineCheck } from '../../engine/check.js';
import { PrivilegeError } from '../../engine/errors.js';
import { formatValue } from '../../engine/units.js';

interface Standby { name: string; client: string | null; state: string | null; behind: number | null }

// Measured where WAL is written: each standby's replay position behind the primary's current one (behind what it received, on a cascading replica).
const STANDBYS = `SELECT coalesce(nullif(application_name, ''), pid::text) AS name, client_addr::text AS client, state,
  pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END, replay_lsn)::float8 AS behind
  FROM pg_stat_replication ORDER BY behind DESC NULLS LAST`;

/** How many bytes of WAL each standby has still to replay, seen from the primary (pg_stat_replication). */
export default defineCheck({
  id: 'postgres.replication-bytes',
  title: 'Replication lag in bytes',
  nextStep: 'nvcops incident db',
  requires: ['postgres'],
  unit: 'bytes',
  // pgMonitor PGReplicationByteLag: warning 50 MiB, critical 100 MiB (MB here is 1024² bytes)
  thresholds: { warn: '> 50MB', fail: '> 100MB', source: 'pgMonitor PGReplicationByteLag' },
  async run({ probes }) {
    const primary = probes.postgres.primary;
    const standbys = await primary.query<Standby>(STANDBYS);
    // Without pg_read_all_stats the rows of other roles' walsenders show no state: the lag is hidden, not zero.
    if (standbys.some((s) => s.state === null)) {
      throw new PrivilegeError(`PostgreSQL ${primary.name} (${primary.address}): missing privilege: pg_stat_replication hides the standbys' positions; GRANT pg_monitor (or pg_read_all_stats) to the nvcops role`);
    }
    if (!standbys.length) return { value: 0, message: 'no standby is streaming from the primary' };
    const details = standbys.map((s) => `${s.name}${s.client ? ` (${s.client})` : ''}: ${s.state}, ${s.behind === null ? 'no replay position reported yet' : `${formatValue(s.behind, 'bytes')} behind`}`);
    const worst = standbys[0]!;
    return { value: worst.behind ?? 0, message: `${standbys.length} standby${standbys.length > 1 ? 's' : ''}; ${worst.name} furthest behind: ${formatValue(worst.behind ?? 0, 'bytes')} of WAL not yet replayed`, details };
  },
});
