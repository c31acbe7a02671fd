/**
 * A fleet in one run (issue #19 part 3): `--env a,b,c` / `--env all` runs a check command in each
 * environment, one report, the worst exit code; history and runbook today read every environment's
 * runs from the shared PostgreSQL state store.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nvcops, startNvcops, writeConfig } from './support/cli.js';
import { connectedTo, until } from './support/until.js';
import { freePort, secretsIn, startPostgres, startRedis, type PgServer, type RedisServer } from './support/servers.js';

const STATE_PASSWORD = 'fleet-state-Pw-7d1q';

describe('--env a,b,c and --env all', () => {
  let pg: PgServer;
  let frozen: PgServer;
  let redis: RedisServer;
  let config: string;
  let stateUrl: string;
  const ENVS = ['healthy', 'dead', 'frozen'];

  beforeAll(async () => {
    [pg, frozen, redis] = await Promise.all([startPostgres(), startPostgres(), startRedis(['--slowlog-log-slower-than', '1000000'])]);
    await pg.sql(`CREATE ROLE nvcops_state LOGIN PASSWORD '${STATE_PASSWORD}'`);
    await pg.sql('CREATE DATABASE fleet_state OWNER nvcops_state');
    stateUrl = pg.urlFor('nvcops_state', 'fleet_state', STATE_PASSWORD);
    const dead = await freePort();
    config = writeConfig({
      state: { url: stateUrl },
      environments: {
        healthy: { postgres: { url: pg.monitorUrl }, redis: { url: redis.url } },
        dead: { postgres: { url: `postgres://nvcops_monitor:${pg.monitorPassword}@127.0.0.1:${dead}/postgres` } },
        frozen: { postgres: { url: frozen.monitorUrl } },
      },
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.all([pg?.stop(), frozen?.stop(), redis?.stop()]);
  });

  const healthDb = (env: string, ...args: string[]) => nvcops(['--config', config, '--env', env, 'health', 'db', '--timeout', '8s', ...args], { timeoutMs: 90_000 });

  it('runs every environment at once: a dead port and a frozen server are their own fail, the others report; exit code of the worst', async () => {
    process.kill(frozen.pid(), 'SIGSTOP');
    let r;
    try {
      r = await healthDb('all', '--format', 'json');
    } finally {
      process.kill(frozen.pid(), 'SIGCONT');
    }
    expect(r.exitCode, r.stderr).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ schemaVersion: 2, command: 'health db', environments: ENVS, status: 'fail', exitCode: 2 });
    const byEnv = Object.fromEntries(doc.reports.map((x: { environment: string }) => [x.environment, x]));
    expect(Object.keys(byEnv)).toEqual(ENVS);
    const statusOf = (env: string, id: string) => byEnv[env].items.flatMap((i: { results: { id: string; status: string }[] }) => i.results).find((x: { id: string }) => x.id === id)?.status;
    expect(byEnv.healthy).toMatchObject({ status: 'pass', exitCode: 0, interrupted: false });
    expect(statusOf('healthy', 'redis.ping')).toBe('pass');
    expect(byEnv.dead).toMatchObject({ status: 'fail', exitCode: 2 });
    expect(statusOf('dead', 'postgres.connect-time')).toBe('fail');
    expect(byEnv.frozen.exitCode).toBe(2);
    expect(statusOf('frozen', 'postgres.connect-time')).toBe('fail');
    // Every result names its environment.
    for (const rep of doc.reports) for (const item of rep.items) for (const res of item.results) expect(res.environment).toBe(rep.environment);
    expect(doc.summary.total).toBe(doc.reports.reduce((n: number, x: { summary: { total: number } }) => n + x.summary.total, 0));
    expect(secretsIn(r.stdout + r.stderr, STATE_PASSWORD, pg, frozen, redis)).toEqual([]);
  }, 120_000);

  it('prints a section per environment and one summary table; a single environment keeps its own report shape', async () => {
    const r = await healthDb('healthy,dead');
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toContain('── environment healthy ──');
    expect(r.stdout).toContain('── environment dead ──');
    expect(r.stdout).toMatch(/nvcops health db in 2 environments — FAIL \(exit 2\)/);
    expect(r.stdout).toMatch(/^checklist line\s+healthy\s+dead$/m);
    expect(r.stdout).toMatch(/^Database connections healthy\s+pass\s+fail$/m);
    expect(r.stdout).toMatch(/^exit code\s+0\s+2$/m);
    const md = await healthDb('healthy,dead', '--format', 'markdown');
    expect(md.stdout).toMatch(/^\| Database connections healthy \| pass \| fail \|$/m);

    const one = await healthDb('healthy', '--format', 'json');
    expect(one.exitCode).toBe(0);
    const report = JSON.parse(one.stdout);
    expect(report).toMatchObject({ command: 'health db', environment: 'healthy', status: 'pass' });
    expect(report.reports).toBeUndefined();
    expect(report.items[0].results[0].environment).toBeUndefined();
  }, 120_000);

  it('JUnit and nagios carry the environment on every result, on stdout and in --report files', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nvcops-fleet-')), 'fleet.xml');
    const r = await healthDb('dead,healthy', '--format', 'junit', '--report', `junit=${file}`);
    expect(r.exitCode).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe(`${r.stdout}\n`);
    const xml = new XMLParser({ ignoreAttributes: false, isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) }).parse(r.stdout);
    const suites = xml.testsuites.testsuite as { '@_name': string; properties: { property: { '@_value': string }[] }; testcase: { '@_classname': string; failure?: unknown }[] }[];
    expect(suites.length).toBeGreaterThan(2);
    for (const s of suites) {
      const env = s.properties.property[0]!['@_value'];
      expect(['dead', 'healthy']).toContain(env);
      expect(s['@_name'].startsWith(`${env}: `)).toBe(true);
      // Jenkins splits at the last dot: the package is nvcops.<command>, the class the environment's checklist line.
      for (const t of s.testcase) expect(t['@_classname'].startsWith(`nvcops.health-db.${env}: `)).toBe(true);
    }
    expect(suites.filter((s) => s.testcase.some((t) => t.failure)).map((s) => s.properties.property[0]!['@_value'])).toEqual(['dead']);
    expect(Number(xml.testsuites['@_failures'])).toBeGreaterThan(0);

    const nag = await healthDb('dead,healthy', '--format', 'nagios');
    expect(nag.stdout.split('\n')[0]).toBe('NVCOPS CRITICAL - health db in 2 environments: dead CRITICAL');
    expect(nag.stdout).toMatch(/^\[healthy\] NVCOPS OK - health db: /m);

    // Prometheus: one HELP and TYPE per family, every environment's samples under it, as promtool requires.
    const prom = await healthDb('dead,healthy', '--format', 'prometheus');
    // (execa strips the output's final newline; the format ends with one)
    const lint = await execa('promtool', ['check', 'metrics'], { input: `${prom.stdout}\n`, reject: false });
    expect([lint.exitCode, `${lint.stdout}${lint.stderr}`]).toEqual([0, '']);
    expect(prom.stdout.match(/^# TYPE nvcops_check_status /gm)).toHaveLength(1);
    for (const env of ['dead', 'healthy']) expect(prom.stdout).toMatch(new RegExp(`^nvcops_run_exit_code\\{environment="${env}",`, 'm'));
  }, 120_000);

  it('history and runbook today --env all read every environment\'s runs from the shared PostgreSQL store', async () => {
    // Each environment's run went into the history under its environment (the runs above).
    const all = await nvcops(['--config', config, '--env', 'all', 'history', '--command', 'health db', '--format', 'json']);
    expect(all.exitCode, all.stderr).toBe(0);
    const entries = JSON.parse(all.stdout) as { environment: string; command: string }[];
    expect(new Set(entries.map((e) => e.environment))).toEqual(new Set(ENVS));
    const two = JSON.parse((await nvcops(['--config', config, '--env', 'dead,frozen', 'history', '--format', 'json', '--limit', '2'])).stdout) as { environment: string }[];
    expect(two).toHaveLength(2);
    for (const e of two) expect(['dead', 'frozen']).toContain(e.environment);
    const human = await nvcops(['--config', config, '--env', 'all', 'history']);
    for (const env of ENVS) expect(human.stdout).toMatch(new RegExp(`health db\\s+${env}\\s`));

    const today = await nvcops(['--config', config, '--env', 'all', 'runbook', 'today', '--format', 'json']);
    expect(today.exitCode, today.stderr).toBe(0);
    const doc = JSON.parse(today.stdout);
    expect(doc.environments).toEqual(ENVS);
    expect(doc.store).toContain('fleet_state');
    for (const day of doc.days) {
      const row = day.due.find((d: { command: string }) => d.command === 'nvcops health db');
      expect(row?.runs.length, day.environment).toBeGreaterThan(0);
    }
    const text = await nvcops(['--config', config, '--env', 'healthy,dead', 'runbook', 'today']);
    expect(text.stdout).toMatch(/environment healthy: \d+ due/);
    expect(text.stdout).toMatch(/environment dead: \d+ due/);
    expect(secretsIn(all.stdout + today.stdout + text.stdout, STATE_PASSWORD, pg)).toEqual([]);
  }, 120_000);

  it('SIGTERM stops the fleet: the running environment reports itself interrupted, those not started are not started, exit 143', async () => {
    process.kill(frozen.pid(), 'SIGSTOP');
    try {
      const child = startNvcops(['--config', config, '--env', 'healthy,frozen,dead', 'health', 'db', '--timeout', '60s', '--env-concurrency', '1', '--format', 'json'], mkdtempSync(join(tmpdir(), 'nvcops-fleet-state-')));
      await until('nvcops has connected to the frozen server', () => connectedTo(frozen.port));
      child.kill('SIGTERM');
      const r = await child;
      expect(r.exitCode, r.stderr).toBe(143);
      const doc = JSON.parse(r.stdout);
      expect(doc).toMatchObject({ exitCode: 143, interrupted: true, environments: ['healthy', 'frozen', 'dead'] });
      expect(doc.reports.map((x: { environment: string; exitCode: number }) => [x.environment, x.exitCode])).toEqual([['healthy', 0], ['frozen', 143], ['dead', 143]]);
      expect(doc.reports[1].interrupted).toBe(true);
      expect(doc.reports[2]).toMatchObject({ items: [], error: 'the run was stopped before this environment started' });
    } finally {
      process.kill(frozen.pid(), 'SIGCONT');
    }
  }, 120_000);

  it('the run lock is per environment: one held elsewhere is that environment\'s exit 75, the others run', async () => {
    process.kill(frozen.pid(), 'SIGSTOP');
    const holder = startNvcops(['--config', config, '--env', 'frozen', 'health', 'db', '--timeout', '60s'], mkdtempSync(join(tmpdir(), 'nvcops-fleet-state-')));
    try {
      await until('the other run has connected to the frozen server', () => connectedTo(frozen.port));
      const r = await healthDb('healthy,frozen', '--if-running', 'exit', '--format', 'json');
      const doc = JSON.parse(r.stdout);
      expect(doc.reports.map((x: { environment: string; exitCode: number }) => [x.environment, x.exitCode])).toEqual([['healthy', 0], ['frozen', 75]]);
      expect(doc.reports[1].error).toMatch(/^health db @ frozen: another run is still going/);
      expect(r.exitCode).toBe(75);
      const junit = await healthDb('healthy,frozen', '--if-running', 'exit', '--format', 'junit');
      expect(junit.exitCode).toBe(75);
      expect(junit.stdout).toMatch(/<testsuite name="frozen: run" tests="1" failures="0" errors="1"[^>]*>\s*<properties>\s*<property name="environment" value="frozen"><\/property>\s*<\/properties>\s*<testcase name="run \(run\)" classname="nvcops\.health-db\.frozen: run"[^>]*>\s*<error message="health db @ frozen: another run is still going/);
    } finally {
      holder.kill('SIGTERM');
      process.kill(frozen.pid(), 'SIGCONT');
      await holder;
    }
  }, 120_000);

  it('monthly compliance --evidence keeps each environment\'s evidence in a directory of its own', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'nvcops-fleet-ev-')), 'evidence');
    const r = await nvcops(['--config', config, '--env', 'healthy,dead', 'monthly', 'compliance', '--evidence', dir, '--timeout', '8s', '--format', 'json'], { timeoutMs: 90_000 });
    expect(JSON.parse(r.stdout).environments).toEqual(['healthy', 'dead']);
    for (const env of ['healthy', 'dead']) expect(JSON.parse(readFileSync(join(dir, env, 'evidence.json'), 'utf8')).environment).toBe(env);
  }, 120_000);

  it('refuses a bad list, unknown names, all with no environments, several for an action, and stores the environments do not share', async () => {
    const empty = await healthDb('healthy,,dead');
    expect([empty.exitCode, empty.stderr]).toEqual([64, 'nvcops: --env: an empty name in "healthy,,dead"; use names separated by single commas, such as production,staging']);
    const unknown = await healthDb('healthy,prod,qa');
    expect(unknown.exitCode).toBe(64);
    expect(unknown.stderr).toBe(`nvcops: --env: no environment "prod", "qa" in ${config}; defined: healthy, dead, frozen`);
    const none = await nvcops(['--config', writeConfig({ postgres: { url: pg.monitorUrl } }), '--env', 'all', 'health', 'db']);
    expect(none.exitCode).toBe(64);
    expect(none.stderr).toMatch(/^nvcops: --env all: .* defines no environments/);
    const action = await nvcops(['--config', config, '--env', 'all', 'maintain', 'db', '--dry-run']);
    expect([action.exitCode, action.stderr]).toEqual([64, 'nvcops: --env: an action runs in one environment at a time']);
    // A line on stderr about one environment's run names it.
    const notDir = join(mkdtempSync(join(tmpdir(), 'nvcops-fleet-')), 'file');
    writeFileSync(notDir, '');
    const dead = `postgres://nvcops_monitor:x@127.0.0.1:${await freePort()}/postgres`;
    const unkept = await nvcops(['--config', writeConfig({ state: { path: notDir }, environments: { a: { postgres: { url: dead } }, b: { postgres: { url: dead } } } }), '--env', 'all', 'health', 'db', '--format', 'json']);
    expect(unkept.exitCode).toBe(2);
    for (const env of ['a', 'b']) expect(unkept.stderr).toMatch(new RegExp(`^nvcops: environment ${env}: run history not saved: `, 'm'));
    const split = writeConfig({ environments: { a: { state: { path: mkdtempSync(join(tmpdir(), 'a-')) } }, b: { state: { path: mkdtempSync(join(tmpdir(), 'b-')) } } } });
    const apart = await nvcops(['--config', split, '--env', 'all', 'history']);
    expect(apart.exitCode).toBe(78);
    expect(apart.stderr).toMatch(/state: environments a and b keep their runs in different state stores/);
  }, 120_000);
});
