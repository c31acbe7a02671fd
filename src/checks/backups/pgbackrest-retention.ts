import { defineCheck } from '../../engine/check.js';
import { formatValue, parseDuration } from '../../engine/units.js';

/**
 * The recoverable window pgBackRest keeps (its retention settings, as they act on the repository:
 * from the oldest backup to the newest archived WAL) reaches back as far as backups.retention asks.
 * The value is how much it falls short.
 */
export default defineCheck({
  id: 'backups.pgbackrest-retention',
  title: 'Recovery reaches back as far as the retention requires (pgBackRest)',
  requires: ['pgbackrest'],
  unit: 's',
  // dalibo check_pgbackrest `retention --retention-age`: the oldest backup must be at least as old as the retention
  thresholds: { fail: '> 0s', source: 'backups.retention (dalibo check_pgbackrest retention --retention-age)' },
  timeoutMs: 120_000,
  async run({ config, probes, now }) {
    const wanted = config.backups?.retention;
    if (!wanted) return { status: 'skip', message: 'backups.retention is not set: name how far back a point-in-time recovery must reach (e.g. 30d)' };
    const window = await probes.pgbackrest.recoverableWindow();
    if (!window) return { status: 'fail', message: `no pgBackRest backup of stanza "${probes.pgbackrest.settings.stanza}": nothing can be recovered` };
    const reach = Math.max(0, (now().getTime() - window.from.getTime()) / 1000);
    const short = Math.max(0, Math.round(parseDuration(wanted)! / 1000 - reach));
    const span = `recoverable from ${window.from.toISOString()} to ${window.to.toISOString()} (${formatValue(Math.round(reach), 's')} back)`;
    return { value: short, message: short ? `${span}: ${formatValue(short, 's')} short of backups.retention ${wanted}` : `${span}: covers backups.retention ${wanted}` };
  },
});
