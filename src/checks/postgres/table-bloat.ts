import { defineCheck } from '../../engine/check.js';
import { bloatVerdict } from '../verdicts.js';

/** The most bloated table, by estimated wasted bytes. */
export default defineCheck({
  id: 'postgres.table-bloat',
  title: 'Table bloat',
  requires: ['postgres'],
  unit: 'bytes',
  // check_postgres bloat: warning 1 GB, critical 5 GB wasted per relation
  thresholds: { warn: '> 1 GB', fail: '> 5 GB', source: 'check_postgres bloat' },
  run: async ({ probes, config }) => bloatVerdict(await probes.catalog.bloat('table'), config, 'table', (name) => `VACUUM FULL ${name} in a maintenance window (nvcops maintain db --vacuum --full --table ${name}), or pg_repack online`),
});
