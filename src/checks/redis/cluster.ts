import { defineCheck } from '../../engine/check.js';
import { parseInfo } from '../../probes/redis.js';

const SLOTS = 16384;

/** Every node of the cluster is reachable and healthy, the cluster says ok, and every slot is served. */
export default defineCheck({
  id: 'redis.cluster',
  title: 'Redis Cluster state and slot coverage',
  requires: ['redis'],
  unit: '%',
  // awesome-prometheus-alerts / redis_exporter mixin: cluster_state not ok, or slots failing, is critical
  thresholds: { fail: '< 100%', source: 'awesome-prometheus-alerts Redis cluster' },
  async run({ probes }) {
    const redis = probes.redis;
    if (redis.mode !== 'cluster') return { status: 'skip', message: 'not a cluster: set redis.cluster to check cluster state and slot coverage' };
    const lines = await redis.clusterNodes();
    const nodes = await redis.nodes();
    const views = await Promise.all(
      nodes.map((node) => node.call('CLUSTER', 'INFO').then((t) => ({ node, info: parseInfo(String(t)).default!, error: undefined }), (error: Error) => ({ node, info: undefined, error }))),
    );
    const covered = new Set<number>();
    for (const l of lines) {
      if (!l.flags.includes('master') || l.flags.some((f) => f === 'fail' || f === 'fail?')) continue;
      for (const range of l.slots.filter((s) => !s.startsWith('['))) {
        const [a, b] = range.split('-').map(Number);
        for (let s = a!; s <= (b ?? a!); s++) covered.add(s);
      }
    }
    const pct = Math.floor((10_000 * covered.size) / SLOTS) / 100;
    const details = lines.map((l) => {
      const view = views.find((v) => v.node.address === l.address);
      const role = l.flags.includes('master') ? `master, ${l.slots.filter((s) => !s.startsWith('[')).join(' ') || 'no slots'}` : `replica of ${l.master.slice(0, 8)}`;
      const flags = l.flags.filter((f) => !['myself', 'master', 'slave'].includes(f));
      return `${l.address} (${role})${flags.length ? ` [${flags.join(',')}]` : ''}: ${view?.error ? view.error.message : `cluster_state ${view?.info?.cluster_state}`}`;
    });
    const problems = [
      ...views.filter((v) => v.error).map((v) => `${v.node.address} unreachable`),
      ...views.filter((v) => v.info && v.info.cluster_state !== 'ok').map((v) => `${v.node.address} says cluster_state ${v.info!.cluster_state}`),
      ...lines.filter((l) => l.flags.some((f) => f === 'fail' || f === 'fail?')).map((l) => `${l.address} flagged ${l.flags.filter((f) => f.startsWith('fail')).join(',')}`),
    ];
    const masters = lines.filter((l) => l.flags.includes('master')).length;
    const summary = `${masters} masters, ${lines.length - masters} replicas; ${covered.size} of ${SLOTS} slots served`;
    if (problems.length) return { status: 'fail', value: pct, message: `${[...new Set(problems)].join('; ')}; ${summary}`, details };
    return { value: pct, message: summary, details };
  },
});
