import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { duplicates } from '../../probes/postgres-catalog.js';

/** Indexes whose columns are a prefix of another index on the same table: the longer one already serves their queries. */
export default defineCheck({
  id: 'postgres.duplicate-indexes',
  title: 'Duplicate indexes',
  requires: ['postgres'],
  unit: 'count',
  // PgHero duplicate_indexes: any covered index is a warning
  thresholds: { warn: '> 0', source: 'PgHero duplicate_indexes' },
  async run({ probes }) {
    const found = duplicates(await probes.catalog.indexes());
    return {
      value: found.length,
      message: `${found.length} indexes covered by another index's leading columns`,
      details: found.map((d) => `${d.index.name} (${formatValue(d.index.size, 'bytes')}) is covered by ${d.coveredBy.name} — drop it: nvcops maintain indexes --drop`),
    };
  },
});
