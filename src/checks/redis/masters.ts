import { defineCheck } from '../../engine/check.js';
import type { RedisNode } from '../../probes/redis.js';

/** Pairs of a SENTINEL REPLICAS entry (a flat key, value list) as a record. */
const record = (flat: string[]): Record<string, string> => Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i]!, flat[2 * i + 1]!]));

/**
 * Exactly one master among the instances behind the sentinels: the master they name and each replica
 * they list, asked directly for its role (a replica promoted by hand while the master still runs is two masters).
 */
export default defineCheck({
  id: 'redis.masters',
  title: 'Exactly one Redis master',
  requires: ['redis'],
  unit: 'count',
  // awesome-prometheus-alerts "Redis missing master" (no master: critical) and "Redis too many masters" (more than one: critical)
  async run({ probes }) {
    const redis = probes.redis;
    if (redis.target.mode !== 'sentinel') return { status: 'skip', message: 'not behind sentinels: one server, or a cluster (redis.cluster judges its masters)' };
    const master = (await redis.nodes())[0]!;
    let listed: string[][] | undefined;
    let lastError: Error | undefined;
    for (const sentinel of redis.sentinels()) {
      try {
        listed = (await sentinel.call('SENTINEL', 'REPLICAS', redis.target.name)) as string[][];
        break;
      } catch (e) {
        lastError = e as Error;
      }
    }
    if (!listed) return { status: 'error', message: `no sentinel listed the replicas of ${redis.target.name}: ${lastError?.message}` };
    const replicas = listed.map(record).filter((r) => !(r.flags ?? '').split(',').some((f) => f === 's_down' || f === 'o_down' || f === 'disconnected'));
    const nodes: RedisNode[] = [master, ...replicas.map((r) => redis.instance(r.ip!, Number(r.port)))];
    const roles = await Promise.all(nodes.map((node) => node.info().then((i) => ({ node, role: i.replication?.role ?? '?', error: undefined }), (error: Error) => ({ node, role: undefined, error }))));
    const details = roles.map((r) => `${r.node.address}: ${r.error ? r.error.message : r.role === 'slave' ? 'replica' : r.role}`);
    const masters = roles.filter((r) => r.role === 'master');
    if (masters.length > 1) return { status: 'fail', value: masters.length, message: `${masters.length} masters: ${masters.map((r) => r.node.address).join(', ')} (a replica promoted outside Sentinel?)`, details };
    const broken = roles.find((r) => r.error);
    if (!masters.length && roles[0]!.role) return { status: 'fail', value: 0, message: `no master: ${master.address}, which the sentinels name, says it is a ${roles[0]!.role === 'slave' ? 'replica' : roles[0]!.role}`, details };
    if (broken) return { status: 'error', message: broken.error!.message, details };
    return { status: 'pass', value: 1, message: `one master, ${master.address}, and ${replicas.length} replica${replicas.length === 1 ? '' : 's'} that say they are replicas`, details };
  },
});
