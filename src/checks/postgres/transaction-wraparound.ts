import { defineCheck } from '../../engine/check.js';
import { grouped } from '../../engine/units.js';

/** Transaction-ID age of the oldest database against autovacuum_freeze_max_age. */
export default defineCheck({
  id: 'postgres.transaction-wraparound',
  title: 'Transaction-ID wraparound',
  requires: ['postgres'],
  unit: '%',
  // check_postgres autovac_freeze: 90% / 95% of autovacuum_freeze_max_age
  thresholds: { warn: '>= 90%', fail: '>= 95%', source: 'check_postgres autovac_freeze' },
  async run({ probes }) {
    const rows = await probes.postgres.primary.query<{ datname: string; age: number; max: number }>(
      `SELECT datname, age(datfrozenxid)::int8 AS age, current_setting('autovacuum_freeze_max_age')::int8 AS max
       FROM pg_database ORDER BY age(datfrozenxid) DESC`,
    );
    const oldest = rows[0]!;
    const age = Number(oldest.age);
    const max = Number(oldest.max);
    // Wraparound stops writes 3 million transactions short of 2^31.
    const left = 2 ** 31 - 3_000_000 - age;
    return {
      value: Math.round((1000 * age) / max) / 10,
      message: `oldest ${oldest.datname}: age ${grouped(age)} of autovacuum_freeze_max_age ${grouped(max)}; ${grouped(left)} transactions before the server stops writes`,
      details: rows.map((r) => `${r.datname}: age ${grouped(Number(r.age))}`),
    };
  },
});
