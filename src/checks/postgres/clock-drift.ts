import { defineCheck } from '../../engine/check.js';
import { CLOCK_THRESHOLDS, clockLine, provenDrift, readClock } from '../clock-offset.js';

/**
 * Each server's clock against nvcops' host (clock_timestamp(), not now(): the statement's own moment).
 * Log lines and audit records of servers whose clocks disagree cannot be put in order (PCI DSS 10.6).
 */
export default defineCheck({
  id: 'postgres.clock-drift',
  title: 'PostgreSQL clock in sync with nvcops\' host',
  requires: ['postgres'],
  unit: 'ms',
  thresholds: CLOCK_THRESHOLDS,
  async run({ probes }) {
    const servers = [probes.postgres.primary, ...probes.postgres.replicas];
    const readings = await Promise.all(servers.map(async (server) => {
      await server.connect();
      const reading = await readClock(async () => Number((await server.exec<{ ms: string }>('SELECT extract(epoch FROM clock_timestamp()) * 1000 AS ms'))[0]!.ms));
      return { server, reading };
    }));
    const worst = readings.reduce((a, b) => (provenDrift(b.reading) > provenDrift(a.reading) ? b : a));
    return {
      value: Math.round(provenDrift(worst.reading)),
      message: `${worst.server.name}: ${clockLine(worst.reading)}`,
      ...(readings.length > 1 && { details: readings.map((r) => `${r.server.name}: ${clockLine(r.reading)}`) }),
    };
  },
});
