import { backupsOf, backupTime, describeBackup } from '../../probes/pgbackrest.js';
import { defineCheck } from '../../engine/check.js';

/** The newest pgBackRest backup (any type: an incremental one restores as well as a full) is no older than the schedule allows. */
export default defineCheck({
  id: 'backups.pgbackrest-freshness',
  title: 'Database backed up every 6 hours (pgBackRest)',
  nextStep: 'nvcops backup db',
  requires: ['pgbackrest'],
  unit: 's',
  // Runbook Backup Schedule "Database: Every 6 hours": warn once a run is late (+1 h for the run itself), fail after a missed run
  thresholds: { warn: '> 7h', fail: '> 12h', source: 'runbook Backup Schedule: database every 6 hours' },
  async run({ probes, now }) {
    const stanza = await probes.pgbackrest.info();
    const all = backupsOf(stanza);
    const newest = all.filter((b) => !b.error).at(-1);
    const damaged = all.filter((b) => b.error).map((b) => `${b.label}: pgBackRest found page checksum errors`);
    if (!newest) return { status: 'fail', message: `no pgBackRest backup of stanza "${stanza.name}" (${stanza.status.message})`, details: damaged };
    const age = Math.max(0, Math.round(now().getTime() / 1000 - newest.timestamp.stop));
    return { value: age, message: `newest backup ${newest.label} (${newest.type}) finished ${backupTime(newest.timestamp.stop)}`, details: [...all.slice(-5).map(describeBackup), ...damaged] };
  },
});
