import { defineCheck } from '../../engine/check.js';

const CHECK_TIMEOUT_MS = 90_000;

/** `pgbackrest check`: the configuration is right and a WAL switch reaches the repository (archiving works end to end). */
export default defineCheck({
  id: 'backups.pgbackrest-check',
  title: 'WAL archiving works end to end (pgbackrest check)',
  nextStep: 'nvcops backup verify',
  requires: ['pgbackrest'],
  unit: 'count',
  // pgBackRest's own monitoring advice: `pgbackrest check` after setup and regularly; any error is a broken archive
  thresholds: { fail: '> 0', source: 'pgBackRest user guide: check command (archive_command and repository end to end)' },
  // check waits up to pgBackRest's archive-timeout (default 60 s) for the switched segment.
  timeoutMs: CHECK_TIMEOUT_MS,
  async run({ probes }) {
    const stanza = probes.pgbackrest.settings.stanza;
    try {
      await probes.pgbackrest.check(CHECK_TIMEOUT_MS - 5_000);
      return { value: 0, message: `pgbackrest check passed for stanza "${stanza}": a switched WAL segment reached the repository` };
    } catch (e) {
      return { value: 1, message: (e as Error).message };
    }
  },
});
