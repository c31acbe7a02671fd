import { defineCheck } from '../../engine/check.js';
import { counted, formatValue } from '../../engine/units.js';

interface ArchiverRow {
  mode: string;
  command: string;
  library: string | null;
  in_recovery: boolean;
  archived_count: string;
  last_archived_wal: string | null;
  last_archived_age: number | null;
  failed_count: string;
  last_failed_wal: string | null;
  last_failed_time: Date | null;
  failing: boolean;
}

/**
 * The transaction log backup is continuous: archiving is on, the archiver's last attempt did not
 * fail, and no finished WAL segment has waited long to be archived (that wait is the data a
 * point-in-time recovery would lose).
 */
export default defineCheck({
  id: 'backups.wal-archiving',
  title: 'Transaction log archived continuously',
  requires: ['postgres'],
  unit: 's',
  // The default RPO objective (dr.rpo, 5 min) bounds how long a finished segment may wait; three times it is a failure
  thresholds: { warn: '> 5m', fail: '> 15m', source: 'RPO objective 5 min (reference/operations.md §29 policy wal: continuous, rpo: 5m)' },
  async run({ probes }) {
    const primary = probes.postgres.primary;
    const [a] = await primary.query<ArchiverRow>(
      `SELECT current_setting('archive_mode') AS mode, current_setting('archive_command') AS command,
              current_setting('archive_library', true) AS library, pg_is_in_recovery() AS in_recovery,
              archived_count, last_archived_wal, extract(epoch FROM now() - last_archived_time)::float8 AS last_archived_age,
              failed_count, last_failed_wal, last_failed_time,
              coalesce(last_failed_time > coalesce(last_archived_time, '-infinity'), false) AS failing
         FROM pg_stat_archiver`,
    );
    if (!a) return { status: 'error', message: 'pg_stat_archiver returned no row' };
    const [ready] = await primary.query<{ count: string; oldest_age: number | null }>(
      `SELECT count(*) AS count, extract(epoch FROM now() - min(modification))::float8 AS oldest_age
         FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'`,
    );
    const waiting = Number(ready?.count ?? 0);
    const lastArchived = a.last_archived_wal
      ? `last archived ${a.last_archived_wal} ${formatValue(a.last_archived_age ?? 0, 's')} ago`
      : 'nothing archived since the statistics were reset';
    const details = [
      `archive_mode ${a.mode}; ${a.library ? `archive_library ${a.library}` : `archive_command ${a.command ? `'${a.command}'` : '(empty)'}`}`,
      `${a.archived_count} segments archived, ${a.failed_count} failed attempts; ${lastArchived}`,
      `${counted(waiting, 'finished segment')} waiting to be archived`,
    ];
    if (a.mode === 'off') {
      return { status: 'fail', message: 'archive_mode is off: the transaction log is not backed up (runbook: database every 6 hours + transaction log backup)', details };
    }
    if (a.in_recovery && a.mode !== 'always') {
      return { status: 'error', message: `${primary.name} is in recovery and archive_mode is ${a.mode}: archiving happens on the primary; point postgres.url at it`, details };
    }
    if (a.failing) {
      return {
        status: 'fail',
        message: `archiving is failing: ${a.last_failed_wal} could not be archived (last failure ${a.last_failed_time?.toISOString()}; ${a.failed_count} failed attempts); ${counted(waiting, 'segment')} waiting`,
        details,
      };
    }
    if (!a.command && !a.library) {
      return { status: 'fail', message: 'archive_mode is on but archive_command is empty: segments pile up and nothing is archived', details };
    }
    const lag = waiting ? Math.round(ready?.oldest_age ?? 0) : 0;
    return {
      value: lag,
      message: waiting ? `oldest of ${counted(waiting, 'waiting segment')} has waited ${formatValue(lag, 's')}; ${lastArchived}` : `no segment waiting; ${lastArchived}`,
      details,
    };
  },
});
