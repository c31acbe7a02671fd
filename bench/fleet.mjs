// A fleet in one run (issue #19): `nvcops --env all health db` over 20 environments beside the same
// command in one environment, against local throwaway servers (every environment names the same
// PostgreSQL and Redis: the point is nvcops's own cost of running them at once). Target: 20
// environments take at most 2x one environment's wall time. The two commands run in turn, one of each
// per round, and the ratio is the median of the rounds' ratios (as bench/run.mjs does).
//
// Run alone with `npm run build && node bench/fleet.mjs`; `npm run bench` runs it after bench/run.mjs.
// Env: FLEET_RUNS (rounds, 7), FLEET_ENVS (environments, 20), FLEET_STATE=postgres (the state store in the
// same PostgreSQL, as a team shares it, instead of a local directory).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadHarness } from '../scripts/harness.mjs';

const CLI = new URL('../bin/nvcops.js', import.meta.url).pathname;
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor((s.length - 1) / 2)]; };

export async function benchFleet({ runs = Number(process.env.FLEET_RUNS ?? 7), envs = Number(process.env.FLEET_ENVS ?? 20) } = {}) {
  const { startPostgres, startRedis, stopLeftovers } = await loadHarness();
  const work = mkdtempSync(join(tmpdir(), 'nvcops-bench-fleet-'));
  const stops = [stopLeftovers];
  try {
    console.log(`\n# fleet: ${envs} environments of health db (--env all) beside one, ${runs} rounds (after 1 to warm up)`);
    const server = await startPostgres();
    stops.push(() => server.stop());
    const redis = await startRedis(['--slowlog-log-slower-than', '1000000']);
    if (process.env.FLEET_STATE === 'postgres') await server.sql('CREATE DATABASE fleet_state');
    stops.push(() => redis.stop());
    const config = join(work, 'nvcops.yaml');
    const one = { postgres: { url: server.monitorUrl }, redis: { url: redis.url } };
    writeFileSync(config, stringify({
      state: process.env.FLEET_STATE === 'postgres' ? { url: server.urlFor('postgres', 'fleet_state') } : { path: join(work, 'state') },
      environments: Object.fromEntries(Array.from({ length: envs }, (_, i) => [`env${String(i + 1).padStart(2, '0')}`, one])),
    }));
    const commands = {
      one: ['--config', config, '--env', 'env01', 'health', 'db', '--format', 'json'],
      all: ['--config', config, '--env', 'all', 'health', 'db', '--format', 'json'],
    };
    const check = spawnSync(process.execPath, [CLI, ...commands.all], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (check.status !== 0 && check.status !== 1) console.log(check.stderr.trim());
    const doc = JSON.parse(check.stdout);
    console.log(`one --env all run: ${doc.environments.length} environments, ${doc.summary.total} checks, status ${doc.status} (exit ${check.status})`);
    const times = { one: [], all: [] };
    for (let round = -1; round < runs; round++) {
      for (const [name, args] of Object.entries(commands)) {
        const t0 = performance.now();
        spawnSync(process.execPath, [CLI, ...args], { stdio: 'ignore' });
        if (round >= 0) times[name].push(performance.now() - t0);
      }
    }
    const ratio = median(times.all.map((t, r) => t / times.one[r]));
    console.log(`one environment        ${median(times.one).toFixed(1).padStart(8)} ms`);
    console.log(`${`${envs} environments`.padEnd(22)} ${median(times.all).toFixed(1).padStart(8)} ms`);
    console.log(`${envs} environments take ${ratio.toFixed(2)}x one environment's wall time (target <= 2x: ${ratio <= 2 ? 'met' : 'MISSED'})`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchFleet();
