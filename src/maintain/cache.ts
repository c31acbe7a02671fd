/** `maintain cache --flush` (redis-cli FLUSHDB): one database, or only the keys matching a pattern. */
import type { ActionPlan } from '../engine/action.js';
import { UsageError } from '../engine/errors.js';
import type { PlanContext } from '../app/act.js';
import { parseInfo } from '../probes/redis.js';

/** Keys removed per UNLINK, and asked for per SCAN: small enough not to block the server. */
const BATCH = 500;

export interface CacheOptions {
  flush?: boolean;
  db?: number;
  pattern?: string;
}

async function planFlush(ctx: PlanContext, opts: CacheOptions): Promise<ActionPlan> {
  if (!opts.flush) throw new UsageError('maintain cache: say what to do: --flush (one database with --db N, or only keys matching --pattern GLOB)');
  if (ctx.config.redis?.cluster) throw new UsageError('maintain cache --flush: a Redis Cluster has one database per node; flush it node by node with redis-cli');
  // The database the connection is set up with (redis.url's /N), unless --db names another.
  const db = opts.db ?? ctx.probes.redis.target.database;
  const { redis } = await ctx.probes.redis.connect();
  await redis.select(db);
  const keys = await redis.dbsize();
  const memory = parseInfo(await redis.info('memory')).memory?.used_memory_human ?? 'unknown';
  const where = `database ${db} of ${ctx.probes.redis.address}`;

  if (opts.pattern) {
    const pattern = opts.pattern;
    let matching = 0;
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', BATCH);
      cursor = next;
      matching += found.length;
    } while (cursor !== '0');
    return {
      action: 'maintain cache',
      target: `Redis ${where}`,
      summary: [`database ${db}: ${keys} keys, ${matching} matching ${pattern}; server memory used ${memory}`],
      warnings: matching ? [`removes ${matching} keys matching ${pattern}: the application misses them until it fills them again`] : [],
      confirmEnvAlways: true,
      steps: matching === 0 ? [] : [{
        title: `UNLINK the keys matching ${pattern} in database ${db} (SCAN, batches of ${BATCH})`,
        async run(step) {
          let removed = 0;
          let c = '0';
          do {
            const [next, found] = await redis.scan(c, 'MATCH', pattern, 'COUNT', BATCH);
            c = next;
            if (found.length) removed += await redis.unlink(...found);
            step.progress(`${removed} removed`);
            if (step.signal.aborted) throw new Error(`interrupted after removing ${removed} keys; run it again to remove the rest`);
          } while (c !== '0');
          return `${removed} keys removed; database ${db}: ${keys} → ${await redis.dbsize()} keys`;
        },
      }],
    };
  }
  return {
    action: 'maintain cache',
    target: `Redis ${where}`,
    summary: [`database ${db}: ${keys} keys; server memory used ${memory}`],
    warnings: keys ? [`FLUSHDB removes every one of the ${keys} keys in database ${db}: the application misses them until it fills them again, and the database behind it takes that load`] : [],
    confirmEnvAlways: true,
    steps: keys === 0 ? [] : [{
      title: `FLUSHDB ASYNC on database ${db}`,
      async run() {
        await redis.flushdb('ASYNC');
        return `database ${db}: ${keys} → ${await redis.dbsize()} keys (memory is freed in the background)`;
      },
    }],
  };
}

/** A server that stops answering while the plan reads it: nothing was done (exit 3), not an internal error (70). */
export async function planCache(ctx: PlanContext, opts: CacheOptions): Promise<ActionPlan> {
  try {
    return await planFlush(ctx, opts);
  } catch (e) {
    throw e instanceof UsageError ? e : ctx.probes.redis.explain(e);
  }
}
