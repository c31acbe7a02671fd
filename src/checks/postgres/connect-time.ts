import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';

/** The primary and every replica accept a connection, and how long that takes. */
export default defineCheck({
  id: 'postgres.connect-time',
  title: 'PostgreSQL accepts connections',
  item: 'All services running (target: 99.9% uptime)',
  requires: ['postgres'],
  unit: 'ms',
  // monitoring-plugins check_pgsql: DEFAULT_WARN 2 s, DEFAULT_CRIT 8 s
  thresholds: { warn: '> 2s', fail: '> 8s', source: 'monitoring-plugins check_pgsql' },
  timesRoundTrip: true,
  async run({ probes }) {
    const { primary, replicas } = probes.postgres;
    const servers = [primary, ...replicas];
    const outcomes = await Promise.all(
      servers.map((p) => p.connect().then(({ connectMs }) => ({ p, connectMs, error: undefined }), (error: Error) => ({ p, connectMs: undefined, error }))),
    );
    const details = outcomes.map((o) =>
      o.error ? `${o.p.name} (${o.p.address}): DOWN — ${o.error.message}` : `${o.p.name} (${o.p.address}): up, connect ${formatValue(o.connectMs!, 'ms')}`,
    );
    const down = outcomes.filter((o) => o.error);
    if (down.length) {
      return { status: 'fail', message: `${down.map((o) => o.p.name).join(', ')} not accepting connections: ${down[0]!.error!.message}`, details };
    }
    const slowest = outcomes.reduce((a, b) => (b.connectMs! > a.connectMs! ? b : a));
    return {
      value: Math.round(slowest.connectMs! * 10) / 10,
      message: servers.length > 1 ? `${servers.length} servers up, slowest ${slowest.p.name}` : `${primary.name} up`,
      details,
    };
  },
});
