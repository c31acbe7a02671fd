import { defineCheck } from '../../engine/check.js';
import { PrivilegeError } from '../../engine/errors.js';
import { formatValue } from '../../engine/units.js';

interface ReplicaState {
  recovery: boolean;
  lag_s: number | null;
  paused: boolean | null;
  receiver_pid: number | null;
  receiver: string | null;
}

// PgHero's replica-side lag: zero when everything received is replayed, else the age of the last replayed transaction.
const LAG = `SELECT pg_is_in_recovery() AS recovery,
  CASE WHEN pg_is_in_recovery() THEN
    CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
         ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END END AS lag_s,
  CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() END AS paused,
  (SELECT pid FROM pg_stat_wal_receiver) AS receiver_pid,
  (SELECT status FROM pg_stat_wal_receiver) AS receiver`;

/** How far each replica's replay is behind, measured on the replica. */
export default defineCheck({
  id: 'postgres.replication-lag',
  title: 'Replication lag',
  nextStep: 'nvcops incident db',
  requires: ['replicas'],
  unit: 's',
  // PgHero: lag "good" under 5 s; awesome-prometheus-alerts pg_replication_lag_seconds > 5; fail at 30 s (runbook issue)
  thresholds: { warn: '> 5s', fail: '> 30s', source: 'PgHero, awesome-prometheus-alerts (5 s)' },
  async run({ probes }) {
    const outcomes = await Promise.all(
      probes.postgres.replicas.map(async (p) => {
        try {
          const [row] = await p.query<ReplicaState>(LAG);
          return { p, row: row!, error: undefined };
        } catch (error) {
          return { p, row: undefined, error: error as Error };
        }
      }),
    );
    const details: string[] = [];
    const problems: string[] = [];
    let worst = 0;
    let cannotSee: string | undefined;
    for (const { p, row, error } of outcomes) {
      if (error || !row) {
        details.push(`${p.name}: ${error?.message}`);
        cannotSee ??= error?.message;
        continue;
      }
      if (!row.recovery) {
        problems.push(`${p.name} is not in recovery: it is a primary, not a replica`);
        details.push(`${p.name}: not a replica (pg_is_in_recovery() = false)`);
        continue;
      }
      // A receiver that runs (it has a pid) but whose state is hidden: the role may not see it, which says nothing about replication.
      const hidden = row.receiver_pid !== null && row.receiver === null;
      if (hidden) {
        cannotSee ??= new PrivilegeError(`PostgreSQL ${p.name}: missing privilege: pg_stat_wal_receiver is hidden; GRANT pg_monitor (or pg_read_all_stats) to the nvcops role`).message;
      } else if (row.receiver !== 'streaming') problems.push(`${p.name}: WAL receiver ${row.receiver ?? 'not running'}`);
      const lag = Math.round((row.lag_s ?? 0) * 10) / 10;
      worst = Math.max(worst, lag);
      const receiver = hidden ? 'state hidden (missing privilege)' : (row.receiver ?? 'not running');
      details.push(`${p.name}: lag ${formatValue(lag, 's')}, WAL receiver ${receiver}${row.paused ? ', replay PAUSED' : ''}`);
    }
    if (problems.length) return { status: 'fail', value: worst, message: problems.join('; '), details };
    if (cannotSee) return { status: 'error', message: cannotSee, details };
    return { value: worst, message: `${outcomes.length} replica${outcomes.length > 1 ? 's' : ''}, worst lag ${formatValue(worst, 's')}`, details };
  },
});
