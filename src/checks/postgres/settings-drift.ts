import { defineCheck } from '../../engine/check.js';
import { readSettings, settingsChanges } from '../../probes/postgres-settings.js';
import { acceptedSettings } from '../../probes/settings-baseline.js';

/**
 * The primary's settings and pg_hba.conf against the baseline last accepted on record (SOX change
 * control): a change nobody recorded is a finding until it is accepted with --accept-settings.
 */
export default defineCheck({
  id: 'postgres.settings-drift',
  title: 'Settings and pg_hba.conf as last accepted',
  requires: ['postgres'],
  unit: 'count',
  // check_postgres settings_checksum: any difference from the recorded checksum is critical
  thresholds: { fail: '> 0', source: 'check_postgres settings_checksum' },
  async run({ probes, config }) {
    const server = probes.postgres.primary;
    const [now, baseline] = await Promise.all([readSettings(server), probes.state().then((s) => acceptedSettings(s, config.environment ?? null, server.address))]);
    const accept = `nvcops weekly security --accept-settings --by NAME`;
    if (!baseline) {
      return {
        status: 'warn',
        message: `no accepted baseline for ${server.address}: review its ${Object.keys(now.items).length} settings and pg_hba.conf lines (fingerprint ${now.fingerprint.slice(0, 12)}) and record them with ${accept}`,
      };
    }
    const since = `the baseline accepted by ${baseline.by} on ${baseline.at.slice(0, 10)} (audit seq ${baseline.seq})`;
    if (baseline.fingerprint === now.fingerprint) return { value: 0, message: `settings and pg_hba.conf as in ${since}, fingerprint ${now.fingerprint.slice(0, 12)}` };
    const changes = settingsChanges(baseline.items, now);
    return {
      value: changes.length,
      message: `${changes.length} change${changes.length === 1 ? '' : 's'} since ${since}, none on record: check each went through change control, then ${accept}`,
      details: changes,
    };
  },
});
