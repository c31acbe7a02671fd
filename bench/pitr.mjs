// Point-in-time recovery (issue #17): `nvcops backup restore-db --to T --target-dir D` beside what an
// operator types by hand for the same result: `pgbackrest restore` with --type=time, the same --target,
// --target-action=promote (and --archive-mode=off, as nvcops gives a copy), the port and listen address
// of the copy in its postgresql.auto.conf, `pg_ctl -w start`, then `psql` asked every 0.1 s until
// pg_is_in_recovery() is false: the restored copy answers as a promoted primary. nvcops does the same
// and reads the point it recovered to. Against a database generated on the fly (pgbench -i,
// server-side) in a throwaway server archiving to an encrypted posix repository
// (test/support/pgbackrest.ts). Both sides are timed from the command's start to its exit: nvcops'
// own cost is its start, reading the recoverable window (pgbackrest info, repo-ls), its plan and its
// audit record, shown by itself as `--dry-run` (for information). The restored servers are stopped
// after each side, their directories removed and `sync` run, outside the timing: a side does not
// start while the disk still writes the last one's copy. The two run in turn, the first of a round alternating, and the
// ratio is the median of the rounds' ratios (as bench/run.mjs does). Target: nvcops <= 1.10x by hand.
//
// Run alone with `npm run build && node bench/pitr.mjs`; `npm run bench` runs it after the fleet.
// Env: BENCH_PITR_MB (database size, 256; 1024 for the 1 GB), PITR_RUNS (rounds, 5).
// Needs pgbackrest and pgbench: apt-get install pgbackrest postgresql-contrib
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadHarness } from '../scripts/harness.mjs';
import { median } from './results.mjs';

const CLI = new URL('../bin/nvcops.js', import.meta.url).pathname;
/** pgbench_accounts is about 13 MB a scale unit, with its index and the other tables about 15 MB. */
const MB_PER_SCALE = 15;

export async function benchPitr({ mb = Number(process.env.BENCH_PITR_MB ?? 256), runs = Number(process.env.PITR_RUNS ?? 5) } = {}) {
  if (spawnSync('sh', ['-c', 'command -v pgbackrest'], { stdio: 'ignore' }).status !== 0) {
    console.log('\n# point-in-time restore: skipped, pgbackrest missing (apt-get install pgbackrest)');
    return undefined;
  }
  const { startArchivingPostgres, freePort, ownedTempDir, asServerUser, postgresBin, serverUser, stopLeftovers } = await loadHarness();
  const stops = [stopLeftovers];
  const work = ownedTempDir('nvcops-bench-pitr-');
  try {
    const scale = Math.max(1, Math.round(mb / MB_PER_SCALE));
    console.log(`\n# point-in-time restore: pgbench scale ${scale} (~${mb} MB), ${runs} rounds, nvcops and pgbackrest by hand in turn`);
    const s = await startArchivingPostgres({ global: { 'archive-timeout': '10' } });
    stops.push(() => s.stop());
    const t0 = performance.now();
    const init = spawnSync(join(postgresBin(), 'pgbench'), ['-i', '-I', 'dtGvp', '-s', String(scale), '-q', s.urlFor('postgres', 'postgres', '')], { env: { ...process.env, PGPASSWORD: s.password }, encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`pgbench -i: ${init.stderr}`);
    const size = Number((await s.sql("SELECT pg_database_size('postgres') AS n"))[0].n);
    console.log(`generated ${(size / 2 ** 20).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await s.pgbackrest(['backup', '--type=full']);
    // pgBackRest restores to T from a backup whose stop time (whole seconds, taken as the backup ends) is before T.
    const stop = JSON.parse((await s.pgbackrest(['info', '--output=json'])).stdout)[0].backup.at(-1).timestamp.stop;
    await s.sql('SELECT pg_sleep(greatest(0, $1::float8 - extract(epoch FROM clock_timestamp())))', [stop + 1.5]);
    // Rows after the backup, a time T between them, rows after T: the restore replays WAL up to T.
    await s.sql('CREATE TABLE payments (id serial PRIMARY KEY, amount numeric NOT NULL)');
    await s.sql('INSERT INTO payments (amount) SELECT g FROM generate_series(1, 100000) g');
    const [{ t }] = await s.sql('SELECT clock_timestamp() AS t');
    await s.sql("SELECT pg_sleep(0.2)");
    await s.sql('INSERT INTO payments (amount) SELECT g FROM generate_series(1, 1000) g');
    await s.archiveNow();
    const target = t.toISOString().replace('T', ' ').replace('Z', '+00');

    const config = join(work, 'nvcops.yaml');
    writeFileSync(config, stringify({ postgres: { url: s.monitorUrl, adminUrl: s.url }, backups: { pgbackrest: s.nvcopsConfig }, state: { path: join(work, 'state') } }));
    const env = { ...process.env, ...s.env };
    const dirOf = (name, round) => join(work, `${name.replace(/\W+/g, '-')}-${round}`);
    // As the pgBackRest user (runuser when root), as nvcops runs it (backups.pgbackrest.user).
    const asUser = (argv) => (process.getuid?.() === 0 ? ['runuser', '-u', serverUser(), '--', ...argv] : argv);
    const psql = join(postgresBin(), 'psql');
    const pgCtl = join(postgresBin(), 'pg_ctl');
    const byHand = [
      'mkdir -m 700 "$1"',
      'pgbackrest "--config=$2" "--stanza=$3" restore "--pg1-path=$1" --archive-mode=off --type=time "--target=$4" --target-action=promote',
      `printf "port = %s\\nlisten_addresses = '127.0.0.1'\\nunix_socket_directories = '%s'\\n" "$5" "$1" >> "$1/postgresql.auto.conf"`,
      '"$6" -D "$1" -l "$1/restore.log" -w start >/dev/null',
      'until [ "$("$7" -h 127.0.0.1 -p "$5" -U postgres -d postgres -Atc "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ]; do sleep 0.1; done',
    ].join(' && ');
    const sides = {
      nvcops: (dir, port) => spawnSync(process.execPath, [CLI, 'backup', 'restore-db', '--to', t.toISOString(), '--target-dir', dir, '--port', String(port), '--yes', '--format', 'json', '--config', config], { env, encoding: 'utf8' }),
      // nvcops' fixed cost, for information: start, config, the window read from pgBackRest, the plan; nothing restored.
      'nvcops --dry-run': (dir) => spawnSync(process.execPath, [CLI, 'backup', 'restore-db', '--to', t.toISOString(), '--target-dir', dir, '--dry-run', '--config', config], { env, encoding: 'utf8' }),
      // What nvcops does, typed by hand: the directory, the restore, the copy's port, the start, the wait for promotion.
      'pgbackrest by hand': (dir, port) => {
        const [file, ...args] = asUser(['sh', '-c', byHand, 'sh', dir, s.pgbackrestConfig, s.stanza, target, String(port), pgCtl, psql]);
        return spawnSync(file, args, { env: { ...env, PGPASSWORD: s.password, PGSSLMODE: 'require' }, encoding: 'utf8', cwd: '/' });
      },
    };
    const stopServer = async (dir) => {
      if (existsSync(join(dir, 'postmaster.pid'))) await asServerUser(pgCtl, ['-D', dir, '-m', 'immediate', '-w', 'stop'], '/');
    };
    const times = Object.fromEntries(Object.keys(sides).map((name) => [name, []]));
    const inner = [];
    for (let round = -1; round < runs; round++) {
      const order = Object.keys(sides);
      if (round % 2 !== 0) order.reverse();
      for (const name of order) {
        const dir = dirOf(name, round + 1);
        const port = await freePort();
        const t1 = performance.now();
        const r = sides[name](dir, port);
        const ms = performance.now() - t1;
        if (r.status !== 0) throw new Error(`${name} (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
        if (round >= 0) times[name].push(ms);
        // nvcops' own time from its restore's start to the promoted copy answering: the rest of its wall time is its own cost.
        if (round >= 0 && name === 'nvcops') inner.push(JSON.parse(r.stdout).outcomes.at(-1).data.durationMs);
        await stopServer(dir);
        rmSync(dir, { recursive: true, force: true });
        // What the side left for the disk to write (its restored copy) is written before the next side starts.
        spawnSync('sync');
      }
    }
    // The last restore of each side, started again, to show both recovered to the same rows (outside the timing).
    for (const name of ['nvcops', 'pgbackrest by hand']) {
      const dir = dirOf(`check ${name}`, 0);
      const port = await freePort();
      const r = sides[name](dir, port);
      if (r.status !== 0) throw new Error(`${name} (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
      const q = spawnSync(psql, ['-At', '-c', 'SELECT count(*) FROM payments', s.urlFor('postgres', 'postgres', '').replace(`:${s.port}/`, `:${port}/`)], { env: { ...process.env, PGPASSWORD: s.password }, encoding: 'utf8' });
      console.log(`restored (${name}): payments has ${q.stdout.trim() || q.stderr.trim()} rows (100000 committed by T, 1000 after)`);
      await stopServer(dir);
    }

    const ratio = median(times.nvcops.map((x, r) => x / times['pgbackrest by hand'][r]));
    for (const [name, ts] of Object.entries(times)) console.log(`${name.padEnd(22)} ${median(ts).toFixed(0).padStart(8)} ms   (${ts.map((x) => x.toFixed(0)).join(', ')})`);
    console.log(`${'  restore to answering'.padEnd(22)} ${median(inner).toFixed(0).padStart(8)} ms   (${inner.join(', ')}): from the start of its pgbackrest restore until the promoted copy answered, timed inside nvcops`);
    const own = median(times.nvcops.map((x, r) => x - inner[r]));
    console.log(`nvcops' own cost (its wall time less that, per round): ${own.toFixed(0)} ms (start, config, the window read from pgBackRest, the plan, stopping the restored copy's clock, the audit trail)`);
    console.log(`nvcops backup restore-db takes ${ratio.toFixed(3)}x pgbackrest restore by hand (target <= 1.10x: ${ratio <= 1.1 ? 'met' : 'MISSED'})`);
    const result = { bench: 'pitr', mb, bytes: size, scale, runs, medianMs: { ...Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.round(median(v))])), 'nvcops restore to answering': median(inner), 'nvcops own': Math.round(own) }, times: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.map(Math.round)])), ratio: Number(ratio.toFixed(3)), target: 1.1, met: ratio <= 1.1 };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPitr();
