// A fleet in one run (issue #19): `nvcops --env all health db` over 20 environments beside the same
// command in one environment, against local throwaway servers. Each environment is its own PostgreSQL
// and its own Redis (its own ports, passwords and data), as a fleet's environments are; "one
// environment" is the first of them, run alone (`--env env01`): the same work, one twentieth of it.
// Target: 20 environments take at most 2x one environment's wall time. The two commands run in turn, one
// of each per round, and the ratio is the median of the rounds' ratios (as bench/run.mjs does).
// The servers run on the same machine as nvcops: on a machine of two cores, 20 environments' servers
// answer on the same two cores as nvcops's one thread runs on.
//
// Run alone with `npm run build && node bench/fleet.mjs`; `npm run bench` runs it after bench/run.mjs.
// Env: FLEET_RUNS (rounds, 7), FLEET_ENVS (environments, 20), FLEET_STATE=postgres (the state store in the
// first environment's PostgreSQL, as a team shares it, instead of a local directory), FLEET_SERVERS=shared
// (every environment names the same one PostgreSQL and Redis: nvcops's own cost alone, for comparison),
// FLEET_CONCURRENCY (--env-concurrency, default app/fleet.ts FLEET_CONCURRENCY).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadHarness } from '../scripts/harness.mjs';
import { median } from './results.mjs';

const CLI = new URL('../bin/nvcops.js', import.meta.url).pathname;

export async function benchFleet({ runs = Number(process.env.FLEET_RUNS ?? 7), envs = Number(process.env.FLEET_ENVS ?? 20) } = {}) {
  const { startPostgres, startRedis, stopLeftovers } = await loadHarness();
  const work = mkdtempSync(join(tmpdir(), 'nvcops-bench-fleet-'));
  const stops = [stopLeftovers];
  try {
    const shared = process.env.FLEET_SERVERS === 'shared';
    console.log(`\n# fleet: ${envs} environments of health db (--env all) beside one, ${runs} rounds (after 1 to warm up); ${shared ? 'every environment names the same PostgreSQL and Redis (FLEET_SERVERS=shared)' : 'each environment its own PostgreSQL and Redis'}`);
    const servers = [];
    // Two at a time: initdb is most of a start, and the machine has few cores.
    for (let i = 0; i < (shared ? 1 : envs); i += 2) {
      servers.push(...await Promise.all(Array.from({ length: Math.min(2, envs - i) }, async () => {
        const pg = await startPostgres();
        stops.push(() => pg.stop());
        const redis = await startRedis(['--slowlog-log-slower-than', '1000000']);
        stops.push(() => redis.stop());
        return { pg, redis };
      })));
      if (shared) break;
    }
    const first = servers[0].pg;
    if (process.env.FLEET_STATE === 'postgres') await first.sql('CREATE DATABASE fleet_state');
    const config = join(work, 'nvcops.yaml');
    const environment = (i) => {
      const { pg, redis } = servers[shared ? 0 : i];
      return { postgres: { url: pg.monitorUrl }, redis: { url: redis.url } };
    };
    writeFileSync(config, stringify({
      state: process.env.FLEET_STATE === 'postgres' ? { url: first.urlFor('postgres', 'fleet_state') } : { path: join(work, 'state') },
      environments: Object.fromEntries(Array.from({ length: envs }, (_, i) => [`env${String(i + 1).padStart(2, '0')}`, environment(i)])),
    }));
    const commands = {
      one: ['--config', config, '--env', 'env01', 'health', 'db', '--format', 'json'],
      all: ['--config', config, '--env', 'all', 'health', 'db', '--format', 'json', ...(process.env.FLEET_CONCURRENCY ? ['--env-concurrency', process.env.FLEET_CONCURRENCY] : [])],
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
    // Where the time goes, from one more run of each (not timed above): nvcops's CPU time (bash's `times`
    // after it, for the child's user + system) and the servers' (their processes' and their exited
    // backends' user + system, from /proc), beside the wall time those cores had.
    const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
    const pids = servers.flatMap(({ pg, redis }) => [pg.pid(), redis.process.pid]);
    const serverCpu = () => pids.reduce((sum, pid) => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return sum + [11, 12, 13, 14].reduce((t, f) => t + Number(fields[f]), 0) / ticks;
    }, 0);
    const cpu = {};
    for (const [name, args] of Object.entries(commands)) {
      const before = serverCpu();
      const t0 = performance.now();
      const r = spawnSync('bash', ['-c', '"$@" >/dev/null 2>&1; times', 'bash', process.execPath, CLI, ...args], { encoding: 'utf8' });
      const wall = performance.now() - t0;
      const [, um, us, sm, ss] = /\n(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(r.stdout) ?? [];
      cpu[name] = { wall, nvcops: (Number(um) * 60 + Number(us)) * 1000, servers: (serverCpu() - before) * 1000 };
    }
    console.log(`one environment        ${median(times.one).toFixed(1).padStart(8)} ms`);
    console.log(`${`${envs} environments`.padEnd(22)} ${median(times.all).toFixed(1).padStart(8)} ms`);
    for (const [name, c] of Object.entries(cpu)) {
      console.log(`  CPU of one more run, ${name === 'one' ? 'one environment' : `${envs} environments`}: nvcops ${c.nvcops.toFixed(0)} ms, its servers ${c.servers.toFixed(0)} ms, in ${c.wall.toFixed(0)} ms of wall time`);
    }
    console.log(`${envs} environments take ${ratio.toFixed(2)}x one environment's wall time (target <= 2x: ${ratio <= 2 ? 'met' : 'MISSED'})`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchFleet();
