import { defineCheck } from '../../engine/check.js';
import { LoginRefusedError } from '../../engine/errors.js';
import { formatValue } from '../../engine/units.js';

/** The primary and every replica accept a connection, and how long that takes. */
export default defineCheck({
  id: 'postgres.connect-time',
  title: 'PostgreSQL accepts connections',
  nextStep: 'nvcops incident db',
  requires: ['postgres'],
  unit: 'ms',
  // monitoring-plugins check_pgsql: DEFAULT_WARN 2 s, DEFAULT_CRIT 8 s
  thresholds: { warn: '> 2s', fail: '> 8s', source: 'monitoring-plugins check_pgsql' },
  timesRoundTrip: true,
  async run({ probes }) {
    const { primary, replicas } = probes.postgres;
    const servers = [primary, ...replicas];
    // A refused login is an answer: the server is up for its applications, nvcops cannot see it.
    const outcomes = await Promise.all(
      servers.map((p) => p.connect().then(
        ({ connectMs }) => ({ p, connectMs, error: undefined, refused: false }),
        (error: Error) => ({ p, connectMs: undefined, error, refused: error instanceof LoginRefusedError }),
      )),
    );
    const refused = outcomes.filter((o) => o.refused);
    const down = outcomes.filter((o) => o.error && !o.refused);
    const details = outcomes.map((o) =>
      !o.error ? `${o.p.name} (${o.p.address}): up, connect ${formatValue(o.connectMs!, 'ms')}`
        : o.refused ? o.error.message
          : `${o.p.name} (${o.p.address}): DOWN — ${o.error.message}`,
    );
    if (down.length) {
      return { status: 'fail', message: `${down.map((o) => o.p.name).join(', ')} not accepting connections: ${down[0]!.error!.message}`, details };
    }
    if (refused.length) {
      return { status: 'error', message: refused.length > 1 ? `${refused.length} servers refused nvcops' login: ${refused[0]!.error!.message}` : refused[0]!.error!.message, details };
    }
    const slowest = outcomes.reduce((a, b) => (b.connectMs! > a.connectMs! ? b : a));
    return {
      value: Math.round(slowest.connectMs! * 10) / 10,
      message: servers.length > 1 ? `${servers.length} servers up, slowest ${slowest.p.name}` : `${primary.name} up`,
      details,
    };
  },
});
