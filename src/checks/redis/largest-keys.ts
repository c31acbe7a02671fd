import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { maskSecrets } from '../../engine/redact.js';

/** Bounded work: at most this many keys are sampled with SCAN, each measured with MEMORY USAGE (SAMPLES 5). */
const SAMPLE_KEYS = 1000;

/** The largest keys in a sample: one big value blocks the server while it is read, written or deleted. */
export default defineCheck({
  id: 'redis.largest-keys',
  title: 'Redis largest keys (sampled)',
  requires: ['redis'],
  unit: 'bytes',
  // Huawei Cloud DCS "How Do I Avoid Big Keys": keep strings within 10 KB (bigger keys block the single-threaded server)
  thresholds: { warn: '> 10 kB', source: 'Huawei Cloud DCS big-key guidance' },
  timeoutMs: 20_000,
  async run({ probes, signal }) {
    const redis = probes.redis;
    const sizes: { key: string; bytes: number }[] = [];
    let cursor = '0';
    do {
      const [next, keys] = (await redis.call('SCAN', cursor, 'COUNT', 200)) as [string, string[]];
      cursor = next;
      for (const key of keys) {
        if (sizes.length >= SAMPLE_KEYS || signal.aborted) break;
        const bytes = Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', 5));
        // Key names carry application data (card:<PAN>): masked as soon as they are measured.
        if (Number.isFinite(bytes)) sizes.push({ key: maskSecrets(key), bytes });
      }
    } while (cursor !== '0' && sizes.length < SAMPLE_KEYS && !signal.aborted);
    if (sizes.length === 0) return { value: 0, message: 'no keys in this database' };
    sizes.sort((a, b) => b.bytes - a.bytes);
    const top = sizes.slice(0, 5);
    return {
      value: top[0]!.bytes,
      message: `largest of ${sizes.length} sampled keys: ${top[0]!.key} ${formatValue(top[0]!.bytes, 'bytes')}`,
      details: top.map((k) => `${k.key}: ${formatValue(k.bytes, 'bytes')}${k.bytes > 10 * 1024 ? ' — split it (hash buckets, chunks) or compress the value; delete large keys with UNLINK' : ''}`),
    };
  },
});
