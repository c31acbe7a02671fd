import { archiveOf, backupsOf } from '../../probes/pgbackrest.js';
import { walContinuity } from '../backups-wal.js';
import { defineCheck } from '../../engine/check.js';
import { counted, formatValue } from '../../engine/units.js';

/**
 * The transaction log in pgBackRest's repository is continuous from the newest backup to the
 * server's current segment: a missing segment is a point no recovery can cross, and finished
 * segments still waiting are the data a recovery now would lose.
 */
export default defineCheck({
  id: 'backups.pgbackrest-wal',
  title: 'Transaction log continuous in the repository (pgBackRest)',
  nextStep: 'nvcops backup verify',
  requires: ['pgbackrest', 'postgres'],
  unit: 's',
  // The default RPO objective (dr.rpo, 5 min) bounds how long a finished segment may wait; three times it is a failure
  thresholds: { warn: '> 5m', fail: '> 15m', source: 'RPO objective 5 min (reference/operations.md §29 policy wal: continuous, rpo: 5m)' },
  timeoutMs: 120_000,
  async run({ probes, now }) {
    const stanza = await probes.pgbackrest.info();
    const newest = backupsOf(stanza).filter((b) => !b.error).at(-1);
    if (!newest?.archive.start) return { status: 'fail', message: `no pgBackRest backup of stanza "${stanza.name}": no point-in-time recovery is possible` };
    const archive = archiveOf(stanza, newest);
    if (!archive?.max) return { status: 'fail', message: `no WAL archived for stanza "${stanza.name}"` };
    // + 1: pg_walfile_name names the segment before a boundary, and right after a switch the position is on one.
    const [server] = await probes.postgres.primary.query<{ current: string | null; segment: string }>(
      `SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn() + 1) END AS current, current_setting('wal_segment_size') AS segment`,
    );
    if (!server?.current) return { status: 'error', message: `${probes.postgres.primary.name} is in recovery: the WAL position is the primary's; point postgres.url at it` };
    const repo = newest.database['repo-key'];
    const segments = await probes.pgbackrest.archivedSegments(repo, archive.id);
    const bytes = /^(\d+)(MB|kB)?$/.exec(server.segment);
    const segmentBytes = bytes ? Number(bytes[1]) * (bytes[2] === 'MB' ? 1024 * 1024 : bytes[2] === 'kB' ? 1024 : 1) : 16 * 1024 * 1024;
    const c = walContinuity(segments.map((s) => s.name), newest.archive.start, server.current, segmentBytes);
    const details = [
      `newest backup ${newest.label} starts at ${newest.archive.start}; repo${repo} archive ${archive.id} holds ${counted(segments.length, 'segment')}, ${archive.min} – ${archive.max}`,
      `server writes ${server.current}; ${counted(c.waiting, 'finished segment')} not yet in the repository`,
    ];
    if (c.gaps.length) {
      return { status: 'fail', message: `WAL gap in repo${repo} after backup ${newest.label}: ${c.gaps.join(', ')} missing: no point-in-time recovery across ${c.gaps.length === 1 ? 'it' : 'them'}`, details };
    }
    const arrived = segments.find((s) => s.name === c.newest)?.time;
    const lag = c.waiting && arrived ? Math.max(0, Math.round(now().getTime() / 1000 - arrived)) : 0;
    return {
      value: lag,
      message: c.waiting
        ? `${counted(c.waiting, 'finished segment')} waiting; the newest archived, ${c.newest}, arrived ${formatValue(lag, 's')} ago`
        : `continuous from ${newest.archive.start} to ${c.newest ?? archive.max}; nothing waiting`,
      details,
    };
  },
});
