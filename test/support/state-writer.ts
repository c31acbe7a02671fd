/**
 * A separate writer process for the state tests: appends audit records (and a run to the history)
 * to the store a config names, so concurrency is tested between processes, not promises.
 * Usage: node state-writer.mjs '<config json>' <count|forever> <tag>
 */
import { hostname } from 'node:os';
import type { Config } from '../../src/engine/config/index.js';
import { openStore } from '../../src/state/index.js';

const [spec, count, tag] = process.argv.slice(2);
const store = await openStore(JSON.parse(spec!) as Config);
for (let i = 0; count === 'forever' || i < Number(count); i++) {
  const now = new Date().toISOString();
  await store.audit.append({
    operation: `${tag}-${i}`, phase: 'event', action: 'test write', by: tag!, host: hostname(), environment: 'test',
    args: ['test', String(i)], version: 'test', startedAt: now, endedAt: now, outcome: 'ok', details: { writer: tag, i, pad: 'x'.repeat(i % 7 * 300) },
  });
  await store.records.put('counter', tag!, { i }, { by: tag! });
}
await store.close();
