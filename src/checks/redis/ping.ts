import { defineCheck } from '../../engine/check.js';

/** Redis answers PING, and how long the round trip takes. */
export default defineCheck({
  id: 'redis.ping',
  title: 'Redis answers PING',
  item: 'All services running (target: 99.9% uptime)',
  requires: ['redis'],
  unit: 'ms',
  // redis_exporter/APA alert on redis_up == 0; latency levels follow check_tcp's defaults for a loopback service
  thresholds: { warn: '> 100ms', fail: '> 1s', source: 'monitoring-plugins check_tcp style response time' },
  async run({ probes }) {
    const redis = probes.redis;
    let reply: unknown;
    let ms: number;
    try {
      await redis.connect();
      // The round trip alone: connecting and loading the driver are not the server's latency.
      const t0 = performance.now();
      reply = await redis.call('PING');
      ms = performance.now() - t0;
    } catch (e) {
      return { status: 'fail', message: (e as Error).message };
    }
    if (reply !== 'PONG') return { status: 'fail', message: `${redis.address} answered ${String(reply)} to PING` };
    return { value: Math.round(ms * 10) / 10, message: `${redis.address} PONG` };
  },
});
