import { defineCheck } from '../../engine/check.js';
import { infoNumber, type RedisNode } from '../../probes/redis.js';
import { ago, restartsVerdict } from '../verdicts.js';

/** What one node was at a run: kept as the check's facts, compared at the next run. */
interface Node {
  /** host:port that answered (behind sentinels: the master they named). */
  address: string;
  /** INFO server run_id: new at every start. */
  runId: string;
  /** now − uptime_in_seconds. */
  started: string;
  role: string;
}

/**
 * A restart or a role change since the last run, for each node nvcops checks (behind sentinels: the
 * master they name, keyed by its name, so a failover shows as the master moving), judged against the
 * facts the previous run kept.
 */
export default defineCheck({
  id: 'redis.restarts-failovers',
  title: 'Redis restarts and failovers since the last run',
  requires: ['redis'],
  unit: 'count',
  // A restart (new run_id) warns: promcat "[Redis] Low UpTime" (< 1 h); a role change or the master moving fails (awesome-prometheus-alerts master/role flapping, critical).
  thresholds: { warn: '> 0', source: 'promcat Redis Low UpTime; awesome-prometheus-alerts Redis replication/role changes' },
  async run(ctx) {
    const redis = ctx.probes.redis;
    const nodes = await redis.nodes();
    const key = (node: RedisNode) => (redis.target.mode === 'sentinel' ? `master ${redis.target.name}` : node.address);
    const read = async (node: RedisNode): Promise<Node> => {
      const info = await node.info();
      const uptime = infoNumber(info, 'server', 'uptime_in_seconds');
      return { address: node.address, runId: info.server?.run_id ?? '', started: new Date(ctx.now().getTime() - uptime * 1000).toISOString(), role: info.replication?.role ?? '' };
    };
    const outcomes = await Promise.all(nodes.map((node) => read(node).then((now) => ({ node, now, error: undefined }), (error: Error) => ({ node, now: undefined, error }))));
    const previous = await ctx.probes.history.previousFacts('redis.restarts-failovers', ctx.now());
    const before = (previous?.facts.nodes ?? {}) as Record<string, Node | undefined>;
    const failovers: string[] = [];
    const restarts: string[] = [];
    const details: string[] = [];
    for (const { node, now, error } of outcomes) {
      if (!now) {
        details.push(`${node.address}: ${error!.message}`);
        continue;
      }
      details.push(`${now.address}: ${now.role === 'slave' ? 'replica' : now.role}, up ${ago(ctx, now.started)}, run_id ${now.runId}`);
      const was = before[key(node)];
      if (!was) continue;
      const name = redis.target.mode === 'sentinel' ? key(node) : now.address;
      if (redis.target.mode === 'sentinel' && was.address !== now.address) failovers.push(`failover: ${name} moved from ${was.address} to ${now.address}`);
      else if (was.role !== now.role) failovers.push(now.role === 'master' ? `${name} was promoted: a replica at the last run, now a master` : `${name} is now a replica: a master at the last run`);
      else if (was.runId !== now.runId) restarts.push(`${name} restarted ${ago(ctx, now.started)} ago`);
    }
    const seen = outcomes.filter((o) => o.now);
    const facts = { nodes: { ...before, ...Object.fromEntries(seen.map((o) => [key(o.node), o.now!])) } };
    return restartsVerdict({ failovers, restarts, unread: outcomes.find((o) => o.error)?.error, previousAt: previous?.at, nothing: 'no restart or failover', details, facts });
  },
});
