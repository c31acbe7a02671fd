import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';

interface Archiver {
  mode: string;
  archived_count: number;
  last_archived_wal: string | null;
  last_archived_time: string | null;
  archived_s: number | null;
  failed_count: number;
  last_failed_wal: string | null;
  last_failed_time: string | null;
  failing: boolean;
  ready: number;
}

/** WAL archiving (the runbook's transaction log backup) is on, not failing, and keeping up. */
export default defineCheck({
  id: 'backups.wal-archiving',
  title: 'WAL archiving (pg_stat_archiver)',
  item: 'Backup verification completed',
  requires: ['postgres'],
  unit: 'count',
  // check_postgres archive_ready: 10 / 15 WAL segments waiting to be archived
  thresholds: { warn: '> 10', fail: '> 15', source: 'check_postgres archive_ready' },
  async run({ probes }) {
    const [a] = await probes.postgres.primary.query<Archiver>(
      `SELECT current_setting('archive_mode') AS mode, archived_count, last_archived_wal, last_archived_time::text,
              extract(epoch FROM now() - last_archived_time)::float8 AS archived_s,
              failed_count, last_failed_wal, last_failed_time::text,
              coalesce(last_failed_time > coalesce(last_archived_time, '-infinity'), false) AS failing,
              (SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready')::int AS ready
       FROM pg_stat_archiver`,
    );
    const last = a!.last_archived_time ? `last archived ${a!.last_archived_wal} ${formatValue(Math.round(a!.archived_s ?? 0), 's')} ago` : 'nothing archived yet';
    if (a!.mode === 'off') return { status: 'fail', message: 'archive_mode is off: WAL is not archived, so no point-in-time recovery between backups' };
    if (a!.failing) {
      return {
        status: 'fail',
        value: a!.ready,
        message: `archive_command failing: ${a!.last_failed_wal} failed at ${a!.last_failed_time} (${a!.failed_count} failures since stats reset); ${last}`,
      };
    }
    return { value: a!.ready, message: `${a!.ready} segments waiting; ${last}; ${a!.failed_count} failures since stats reset` };
  },
});
