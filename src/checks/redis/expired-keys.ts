import { defineCheck } from '../../engine/check.js';

/** Expired keys, throughput, and whether active expiry keeps up (INFO stats: redis-cli info stats). */
export default defineCheck({
  id: 'redis.expired-keys',
  title: 'Redis expired keys and throughput',
  requires: ['redis'],
  unit: '%',
  // redis expire.c ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE = 10: active expiry aims to keep expired-but-present keys under 10%
  thresholds: { warn: '> 10%', source: 'redis expire.c ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE' },
  async run({ probes }) {
    const info = await probes.redis.info();
    const stale = Number(info.stats?.expired_stale_perc);
    if (!Number.isFinite(stale)) return { status: 'error', message: 'INFO stats has no expired_stale_perc (Redis older than 6.0?)' };
    const s = info.stats!;
    return {
      value: stale,
      message: `${stale}% of keys probably expired but not yet removed; ${s.expired_keys} keys expired, ${s.evicted_keys} evicted, ${s.instantaneous_ops_per_sec} ops/sec, ${s.total_commands_processed} commands since start`,
      details: stale > 10 ? ['active expiry cannot keep up: raise active-expire-effort (1-10) or spread key expiry times'] : [],
    };
  },
});
