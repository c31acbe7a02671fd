import { defineCheck } from '../../engine/check.js';
import { LoginRefusedError, PrivilegeError } from '../../engine/errors.js';
import { parseInfo, type ClusterNodeLine } from '../../probes/redis.js';

/** How far back failovers count towards flapping: the daily checklist's period. */
const WINDOW_MS = 24 * 3600_000;

/** Who served a slot range at a run: its node id and address. */
interface Owner { id: string; address: string }

/** What the cluster was at a run: kept as the check's facts, compared at the next run. */
interface Facts {
  /** The highest cluster_current_epoch a node reported: every failover raises it. */
  epoch: number;
  /** Master of each slot range, keyed by the range as CLUSTER NODES writes it (`0-5460`). */
  masters: Record<string, Owner>;
  /** When a run saw cluster_current_epoch rise since the one before, and by how much; only those in the window. */
  bumps: Array<{ at: string; by: number }>;
}

const short = (o: Owner) => `${o.address} (${o.id.slice(0, 8)})`;
const failing = (l: ClusterNodeLine) => l.flags.filter((f) => f === 'fail' || f === 'fail?');

/**
 * Redis Cluster failing over since the last run, and flapping: cluster_current_epoch rising (each
 * failover raises it) more than once in 24 h, naming the slot ranges whose master changed; a node
 * flagged failing or a node saying cluster_state is not ok fails outright.
 */
export default defineCheck({
  id: 'redis.cluster-flapping',
  title: 'Redis Cluster failovers and flapping since the last run',
  requires: ['redis'],
  unit: 'count',
  // awesome-prometheus-alerts RedisClusterFlapping: changes(redis_connected_slaves[1m]) > 1 is critical; here a failover
  // (cluster_current_epoch rising) since the last run warns and more than one in 24 h fails.
  thresholds: { warn: '> 0', fail: '> 1', source: 'awesome-prometheus-alerts RedisClusterFlapping' },
  async run(ctx) {
    const redis = ctx.probes.redis;
    if (redis.mode !== 'cluster') return { status: 'skip', message: 'not a cluster: set redis.cluster to check it for failovers and flapping' };
    const lines = await redis.clusterNodes();
    const nodes = await redis.nodes();
    const views = await Promise.all(nodes.map((node) => node.call('CLUSTER', 'INFO').then(
      (t) => ({ node, info: parseInfo(String(t)).default!, error: undefined }),
      (error: Error) => ({ node, info: undefined, error }),
    )));
    const refused = views.find((v) => v.error instanceof LoginRefusedError || v.error instanceof PrivilegeError);
    if (refused) return { status: 'error', message: refused.error!.message };
    const answered = views.filter((v) => v.info);
    const epoch = Math.max(...answered.map((v) => Number(v.info!.cluster_current_epoch)));
    const masters: Record<string, Owner> = {};
    for (const l of lines.filter((x) => x.flags.includes('master') && !failing(x).length)) {
      for (const range of l.slots.filter((s) => !s.startsWith('['))) masters[range] = { id: l.id, address: l.address };
    }
    const details = views.map((v) => `${v.node.address}: ${v.error ? v.error.message : `cluster_state ${v.info!.cluster_state}, cluster_current_epoch ${v.info!.cluster_current_epoch}`}`);

    const previous = await ctx.probes.history.previousFacts('redis.cluster-flapping', ctx.now());
    const was = previous?.facts as Facts | undefined;
    const since = ctx.now().getTime() - WINDOW_MS;
    const earlier = (was?.bumps ?? []).filter((b) => Date.parse(b.at) >= since);
    const by = was && epoch > was.epoch ? epoch - was.epoch : 0;
    const bumps = by ? [...earlier, { at: ctx.now().toISOString(), by }] : earlier;

    const down = [
      ...views.filter((v) => v.error).map((v) => `${v.node.address} unreachable`),
      ...answered.filter((v) => v.info!.cluster_state !== 'ok').map((v) => `${v.node.address} says cluster_state ${v.info!.cluster_state}`),
      ...lines.filter((l) => failing(l).includes('fail')).map((l) => `${l.address} flagged fail`),
    ];
    const suspected = lines.filter((l) => failing(l).includes('fail?')).map((l) => `${l.address} flagged fail? (not answering for cluster-node-timeout)`);
    const change = (() => {
      if (!was || !answered.length) return undefined;
      if (epoch < was.epoch) return { value: 0, message: `cluster_current_epoch went down from ${was.epoch} to ${epoch}: a rebuilt cluster; compared from this run on` };
      if (!by) {
        const before = earlier.reduce((n, b) => n + b.by, 0);
        return { value: 0, message: `no failover since the last run (${previous!.at}), cluster_current_epoch ${epoch}${before ? `; ${before} in the last 24 h before it` : ''}` };
      }
      const moved = Object.entries(was.masters).flatMap(([range, then]) => {
        const now = masters[range];
        return now?.id === then.id ? [] : [`slots ${range}: master ${short(then)} replaced by ${now ? short(now) : 'none'}`];
      });
      const total = bumps.reduce((n, b) => n + b.by, 0);
      const what = moved.length ? moved.join('; ') : 'the masters are the ones of the last run (failed over and back?)';
      const flapping = total > 1 ? `flapping: cluster_current_epoch rose ${total} times in 24 h; ` : '';
      return { value: total, message: `${flapping}failover since the last run (${previous!.at}), cluster_current_epoch ${was.epoch} → ${epoch}: ${what}` };
    })();
    // Nothing answered: the facts of the last run stay the ones to compare with.
    const facts: Facts | undefined = answered.length ? { epoch, masters, bumps: epoch < (was?.epoch ?? 0) ? [] : bumps } : was;
    const kept = facts ? { facts: { ...facts } } : {};
    const also = change?.value ? [change.message] : [];
    if (down.length) return { status: 'fail', value: change?.value, message: [...down, ...suspected, ...also].join('; '), details, ...kept };
    if (suspected.length) return { status: 'warn', value: change?.value, message: [...suspected, ...also].join('; '), details, ...kept };
    if (!change) return { value: 0, message: `no previous run to compare: cluster_current_epoch ${epoch} and the masters seen now are kept for the next run`, details, ...kept };
    return { ...change, details, ...kept };
  },
});
