import { defineCheck } from '../../engine/check.js';
import { LoginRefusedError, PrivilegeError } from '../../engine/errors.js';

/**
 * Every configured sentinel answers, has the quorum to fail the master over (SENTINEL CKQUORUM: enough
 * sentinels reachable to authorise a failover and a majority to elect one) and names the same master.
 */
export default defineCheck({
  id: 'redis.sentinel-quorum',
  title: 'Redis Sentinel quorum reachable and agreeing',
  requires: ['redis'],
  unit: 'count',
  // redis.io Sentinel docs (SENTINEL CKQUORUM): no quorum means no failover; awesome-prometheus-alerts counts a lost sentinel as a warning.
  async run({ probes }) {
    const redis = probes.redis;
    if (redis.target.mode !== 'sentinel') return { status: 'skip', message: 'not behind sentinels: set redis.sentinels and redis.name to check their quorum' };
    const name = redis.target.name;
    const views = await Promise.all(redis.sentinels().map(async (node) => {
      try {
        // A sentinel without the quorum answers with an error reply: its words are the verdict, any other error is the sentinel's.
        const quorum = String(await node.call('SENTINEL', 'CKQUORUM', name).catch((e: Error) => {
          const no = /NOQUORUM.*/.exec(e.message);
          if (!no) throw e;
          return no[0];
        }));
        const master = (await node.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as string[] | null;
        return { node, quorum, master: master ? `${master[0]}:${master[1]}` : 'no master', error: undefined };
      } catch (error) {
        return { node, quorum: undefined, master: undefined, error: error as Error };
      }
    }));
    const details = views.map((v) => `${v.node.address}: ${v.error ? v.error.message : `${v.quorum}; master ${v.master}`}`);
    const answered = views.filter((v) => !v.error);
    const refused = views.filter((v) => v.error instanceof LoginRefusedError || v.error instanceof PrivilegeError);
    // nvcops not let in is not the sentinels being down.
    if (refused.length && answered.length + refused.length === views.length && !answered.some((v) => !v.quorum!.startsWith('OK'))) {
      return { status: 'error', message: refused[0]!.error!.message, details };
    }
    if (!answered.length) return { status: 'fail', value: 0, message: `no sentinel answered: nothing can fail ${name} over`, details };
    const noQuorum = answered.find((v) => !v.quorum!.startsWith('OK'));
    if (noQuorum) return { status: 'fail', value: answered.length, message: `${noQuorum.node.address}: ${noQuorum.quorum}`, details };
    const masters = [...new Set(answered.map((v) => v.master!))];
    if (masters.length > 1) return { status: 'fail', value: answered.length, message: `the sentinels disagree on the master of ${name}: ${answered.map((v) => `${v.node.address} says ${v.master}`).join(', ')}`, details };
    const silent = views.filter((v) => v.error);
    if (silent.length) return { status: 'warn', value: answered.length, message: `${silent.length} of ${views.length} sentinels did not answer (${silent.map((v) => v.node.address).join(', ')}); the others have the quorum for ${name} at ${masters[0]}`, details };
    return { status: 'pass', value: answered.length, message: `${views.length} sentinel${views.length > 1 ? 's' : ''} answer, have the quorum and agree: ${name} is at ${masters[0]}`, details };
  },
});
