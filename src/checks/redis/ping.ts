import { defineCheck } from '../../engine/check.js';
import { PrivilegeError, refusedNvcops } from '../../engine/errors.js';
import type { RedisNode } from '../../probes/redis.js';

/** One node's answer: its round trip, or why there is none (`refused`: the server answered, refusing nvcops' login or PING to this user). */
interface Ping { node: RedisNode; ms?: number; error?: string; refused?: Error }

/** Redis answers PING (every node of a cluster), and how long the round trip takes. */
export default defineCheck({
  id: 'redis.ping',
  title: 'Redis answers PING',
  nextStep: 'nvcops health db',
  requires: ['redis'],
  unit: 'ms',
  // redis_exporter/APA alert on redis_up == 0; latency levels follow check_tcp's defaults for a loopback service
  thresholds: { warn: '> 100ms', fail: '> 1s', source: 'monitoring-plugins check_tcp style response time' },
  timesRoundTrip: true,
  async run({ probes }) {
    let nodes;
    try {
      nodes = await probes.redis.nodes();
    } catch (e) {
      return { status: refusedNvcops(e) ? 'error' : 'fail', message: (e as Error).message };
    }
    const pings = await Promise.all(
      nodes.map(async (node): Promise<Ping> => {
        // A refusal while connecting (login, SELECT) names its own fix; only a refused PING needs "+ping".
        let pinging = false;
        try {
          await node.connect();
          pinging = true;
          const t0 = performance.now();
          const reply = await node.call('PING');
          const ms = Math.round((performance.now() - t0) * 10) / 10;
          return reply === 'PONG' ? { node, ms } : { node, error: `answered ${String(reply)} to PING` };
        } catch (e) {
          const error = e instanceof PrivilegeError && pinging ? `${e.message} (the user needs "+ping")` : (e as Error).message;
          return { node, error, ...(refusedNvcops(e) && { refused: e as Error }) };
        }
      }),
    );
    const details = nodes.length > 1 ? pings.map((p) => `${p.node.address}: ${p.error ?? `PONG in ${p.ms} ms`}`) : undefined;
    const down = pings.filter((p) => p.error && !p.refused);
    if (down.length) {
      const message = pings.length > 1 ? `${down.length} of ${pings.length} not answering: ${down[0]!.error}` : down[0]!.error!;
      return { status: 'fail', message, ...(details && { details }) };
    }
    const refused = pings.find((p) => p.refused);
    if (refused) {
      return { status: 'error', message: refused.error!, ...(details && { details }) };
    }
    const slowest = pings.reduce((a, b) => (b.ms! > a.ms! ? b : a));
    return { value: slowest.ms!, message: nodes.length > 1 ? `${nodes.length} nodes PONG` : `${slowest.node.address} PONG`, ...(details && { details }) };
  },
});
