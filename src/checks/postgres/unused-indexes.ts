import { defineCheck } from '../../engine/check.js';
import { formatValue } from '../../engine/units.js';
import { duplicates, indexSettings } from '../../probes/postgres-catalog.js';

/** Indexes nothing has scanned since the stats reset (here or on a replica): they cost writes and space. */
export default defineCheck({
  id: 'postgres.unused-indexes',
  title: 'Unused indexes',
  requires: ['postgres'],
  unit: 'count',
  // PgHero lists every non-unique index with no scans and >= 10 MB (unused_index_megabytes) as a finding
  thresholds: { warn: '> 0', source: 'PgHero unused_indexes' },
  async run({ probes, config }) {
    const { unusedMinSize } = indexSettings(config);
    const all = await probes.catalog.indexes();
    // A duplicate is reported (and dropped) as a duplicate.
    const covered = new Set(duplicates(all).map((d) => d.index.name));
    const found = (await probes.catalog.unused(all, unusedMinSize)).filter((i) => !covered.has(i.name));
    const since = await probes.catalog.statsSince();
    const total = found.reduce((n, i) => n + i.size, 0);
    return {
      value: found.length,
      message: `${found.length} non-unique indexes >= ${formatValue(unusedMinSize, 'bytes')} with no scans since ${since.toISOString()} (${formatValue(total, 'bytes')})`,
      details: found.map((i) => `${i.name} on ${i.table}, ${formatValue(i.size, 'bytes')} — drop it: nvcops maintain indexes --drop (DROP INDEX CONCURRENTLY)`),
    };
  },
});
