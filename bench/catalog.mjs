// Catalog scale (issue #23): `nvcops health db` on databases of 10, 1,000 and 10,000 tables, each table with
// a primary key (an index), a serial (a sequence) and one row, all analysed; generated on the fly, one DO
// block per database, in one throwaway server. The sizes run in turn, one of each per round, and each
// ratio is the median of the rounds' ratios to the smallest size (as bench/run.mjs does). Target: the
// largest size takes at most 2x the smallest's wall time.
//
// Where the time goes, from one more run at each size: each check's own time (--concurrency 1, so that
// no check waits for another's statement on the one connection), and the server's time for every
// statement (log_min_duration_statement = 0). At the largest size, postgres.sequences' statement is
// timed beside pg_sequences' own last_value (the floor of any reading of 10,000 sequences: each is
// opened), in fresh connections as the monitoring role, wall and the backend's CPU time.
//
// Run alone with `npm run build && node bench/catalog.mjs`; `npm run bench` runs it after bench/run.mjs.
// Env: BENCH_TABLES (sizes, 10,1000,10000), CATALOG_RUNS (rounds, 5).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import pg from 'pg';
import { stringify } from 'yaml';
import { loadHarness } from '../scripts/harness.mjs';
import { keepSection, median, printTable } from './results.mjs';

const CLI = new URL('../bin/nvcops.js', import.meta.url).pathname;

/** The statement postgres.sequences sends, compiled from its source as the harness is. */
async function sequencesStatement() {
  const outfile = new URL('../node_modules/.cache/nvcops/sequences.mjs', import.meta.url).pathname;
  mkdirSync(join(outfile, '..'), { recursive: true });
  await build({
    entryPoints: [new URL('../src/checks/postgres/sequences.ts', import.meta.url).pathname],
    outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning',
  });
  const { sequencesSql, SHOWN } = await import(outfile);
  return sequencesSql(SHOWN);
}

/** A backend's CPU time so far (ms), from /proc when the server runs on this machine and it may be read. */
const cpuOf = (pid) => {
  try { return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6; } catch { return NaN; }
};

/** One statement in a fresh connection: wall and backend CPU (ms). */
async function timeFresh(url, sql, params = []) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const [{ pid }] = (await c.query('SELECT pg_backend_pid() AS pid')).rows;
    const cpu0 = cpuOf(pid);
    const t0 = performance.now();
    await c.query(sql, params);
    return { wall: performance.now() - t0, cpu: cpuOf(pid) - cpu0 };
  } finally {
    await c.end();
  }
}

export async function benchCatalog({
  sizes = (process.env.BENCH_TABLES ?? '10,1000,10000').split(',').map(Number),
  runs = Number(process.env.CATALOG_RUNS ?? 5),
} = {}) {
  if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    console.error(`BENCH_TABLES: "${process.env.BENCH_TABLES}" is not a list of at least two table counts (e.g. 10,1000,10000)`);
    process.exit(2);
  }
  const { startPostgres, stopLeftovers } = await loadHarness();
  const work = mkdtempSync(join(tmpdir(), 'nvcops-bench-catalog-'));
  const stops = [stopLeftovers];
  try {
    console.log(`\n# catalog scale: health db on ${sizes.join(' / ')} tables (each with an index, a sequence and a row), ${runs} rounds (after 1 to warm up)`);
    // One DO block makes every table of a database in one transaction: room for their locks.
    const server = await startPostgres({ settings: { max_locks_per_transaction: Math.max(64, Math.ceil(Math.max(...sizes) / 20)) } });
    stops.push(() => server.stop());
    const configs = {};
    for (const n of sizes) {
      const db = `catalog_${n}`;
      await server.sql(`CREATE DATABASE ${db}`);
      const c = new pg.Client({ connectionString: server.urlFor('postgres', db) });
      await c.connect();
      const t0 = performance.now();
      await c.query(`DO $$ BEGIN FOR i IN 1..${n} LOOP
        EXECUTE format('CREATE TABLE t%s (id serial PRIMARY KEY, v int); INSERT INTO t%s (v) VALUES (1)', i, i);
      END LOOP; END $$`);
      await c.query('ANALYZE');
      await c.query('GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO nvcops_monitor');
      await c.end();
      console.log(`${db}: ${n} tables made and analysed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const config = join(work, `${db}.yaml`);
      writeFileSync(config, stringify({ postgres: { url: server.urlFor('nvcops_monitor', db) }, state: { path: join(work, `state-${n}`) } }));
      configs[n] = config;
    }
    const args = (n, extra = []) => [CLI, 'health', 'db', '--config', configs[n], '--format', 'json', ...extra];

    // Where the time goes: one run each, checks one at a time, every statement's server time logged.
    await server.sql('ALTER SYSTEM SET log_min_duration_statement = 0');
    await server.sql('SELECT pg_reload_conf()');
    const profile = {};
    for (const n of sizes) {
      const from = statSync(server.logFile).size;
      const r = spawnSync(process.execPath, args(n, ['--concurrency', '1']), { encoding: 'utf8', maxBuffer: 1 << 26 });
      const log = readFileSync(server.logFile, 'utf8').slice(from);
      const serverMs = [...log.matchAll(/duration: ([\d.]+) ms/g)].reduce((a, m) => a + Number(m[1]), 0);
      const doc = JSON.parse(r.stdout);
      const checks = Object.fromEntries(doc.items.flatMap((i) => i.results).map((c) => [c.id, { ms: c.durationMs, status: c.status }]));
      profile[n] = { serverMs, statements: (log.match(/duration: /g) ?? []).length, checks, summary: doc.summary };
    }
    await server.sql('ALTER SYSTEM RESET log_min_duration_statement');
    await server.sql('SELECT pg_reload_conf()');

    const times = Object.fromEntries(sizes.map((n) => [n, []]));
    for (let round = -1; round < runs; round++) {
      for (const n of sizes) {
        const t0 = performance.now();
        spawnSync(process.execPath, args(n), { stdio: 'ignore' });
        if (round >= 0) times[n].push(performance.now() - t0);
      }
    }
    const [small] = sizes;
    const large = sizes[sizes.length - 1];
    const ratioTo = (n) => median(times[n].map((t, r) => t / times[small][r]));

    console.log('\n## catalog scale: health db at each size (wall: median of the rounds; server and statements: the profiling run)');
    printTable(sizes.map((n) => ({
      tables: n, 'wall ms': median(times[n]), [`x ${small}`]: ratioTo(n), 'server ms': profile[n].serverMs, statements: profile[n].statements,
      verdicts: Object.entries(profile[n].summary).filter(([k, v]) => v && k !== 'total').map(([k, v]) => `${v} ${k}`).join(', '),
    })));
    // Checks whose own time grows with the catalog, largest first.
    const grown = Object.keys(profile[large].checks)
      .filter((id) => profile[large].checks[id].ms - (profile[small].checks[id]?.ms ?? 0) >= 5)
      .sort((a, b) => profile[large].checks[b].ms - profile[large].checks[a].ms);
    console.log(`\n## catalog scale: each check's own time (ms, --concurrency 1, one run) where it grows by 5 ms or more`);
    printTable(grown.map((id) => ({ check: id, ...Object.fromEntries(sizes.map((n) => [`${n} tables`, profile[n].checks[id].ms])) })));
    const changed = Object.keys(profile[small].checks).filter((id) => sizes.some((n) => profile[n].checks[id]?.status !== profile[small].checks[id].status));
    if (changed.length) console.log(`verdicts that differ between sizes: ${changed.map((id) => `${id} (${sizes.map((n) => profile[n].checks[id]?.status).join(' / ')})`).join(', ')}`);

    // postgres.sequences beside pg_sequences' own last_value, at the largest size, in fresh connections.
    const url = server.urlFor('nvcops_monitor', `catalog_${large}`);
    const statement = await sequencesStatement();
    const floor = 'SELECT count(last_value) FROM pg_sequences';
    const seq = { check: [], floor: [] };
    for (let round = 0; round < Math.max(runs, 5); round++) {
      seq.check.push(await timeFresh(url, statement, [85, '>=']));
      seq.floor.push(await timeFresh(url, floor));
    }
    const med = (a, k) => median(a.map((x) => x[k]));
    console.log(`\n## catalog scale: postgres.sequences' statement beside pg_sequences' own last_value, ${large} sequences, fresh connections (medians)`);
    printTable([
      { statement: "postgres.sequences' (ranked, top 5 and totals)", 'wall ms': med(seq.check, 'wall'), 'backend CPU ms': med(seq.check, 'cpu') },
      { statement: floor, 'wall ms': med(seq.floor, 'wall'), 'backend CPU ms': med(seq.floor, 'cpu') },
    ]);
    const seqRatio = median(seq.check.map((x, r) => x.wall / seq.floor[r].wall));

    return keepSection('catalog scale', {
      ratios: [{ name: `health db, ${large} tables`, baseline: `${small} tables`, ratio: ratioTo(large), target: { max: 2 } }],
      data: {
        sizes,
        wallMs: Object.fromEntries(sizes.map((n) => [n, times[n]])),
        profile,
        sequences: { statementMs: seq.check, pgSequencesLastValueMs: seq.floor, ratio: seqRatio },
      },
      notes: [
        `postgres.sequences' statement takes ${seqRatio.toFixed(2)}x pg_sequences' own last_value on ${large} sequences (for information: reading each sequence's last value opens it, whatever asks)`,
        'rounds share this machine with whatever else runs: compare the ratios, not the times, with another run',
      ],
    });
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchCatalog();
