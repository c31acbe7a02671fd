import { defineCheck } from '../../engine/check.js';
import { bloatVerdict } from '../verdicts.js';

/** The most bloated btree index, by estimated wasted bytes. */
export default defineCheck({
  id: 'postgres.index-bloat',
  title: 'Index bloat',
  requires: ['postgres'],
  unit: 'bytes',
  // PgHero index_bloat_bytes flags 100 MB wasted; check_postgres bloat warns at 1 GB wasted per relation
  thresholds: { warn: '> 100 MB', fail: '> 1 GB', source: 'PgHero index_bloat_bytes, check_postgres bloat' },
  run: async ({ probes, config }) => bloatVerdict(await probes.catalog.bloat('index'), config, 'index', (name) => `REINDEX INDEX CONCURRENTLY ${name} (nvcops maintain indexes)`),
});
