import { defineCheck } from '../../engine/check.js';

/**
 * Settings changed (ALTER SYSTEM, the config file) and reloaded that take effect only at a restart:
 * the server runs other than it is configured, and the next restart — planned or not — changes it.
 */
export default defineCheck({
  id: 'postgres.pending-restart',
  title: 'Settings waiting for a restart',
  requires: ['postgres'],
  unit: 'count',
  // pgMonitor PGSettingsPendingRestart: any setting pending a restart alerts
  thresholds: { warn: '> 0', source: 'pgMonitor PGSettingsPendingRestart' },
  async run({ probes }) {
    const servers = [probes.postgres.primary, ...probes.postgres.replicas];
    const pending = await Promise.all(servers.map(async (server) => ({
      server,
      rows: await server.query<{ name: string; setting: string; unit: string | null }>('SELECT name, setting, unit FROM pg_settings WHERE pending_restart ORDER BY name'),
    })));
    const lines = pending.flatMap(({ server, rows }) => rows.map((r) => `${server.name}: ${r.name} (running ${r.setting}${r.unit ? ` ${r.unit}` : ''}; the new value needs a restart)`));
    return {
      value: lines.length,
      message: lines.length
        ? `${lines.length} setting${lines.length === 1 ? '' : 's'} changed but not in effect until a restart: restart in a maintenance window, or undo the change (ALTER SYSTEM RESET, the config file) and reload`
        : 'no setting is waiting for a restart',
      ...(lines.length > 0 && { details: lines }),
    };
  },
});
