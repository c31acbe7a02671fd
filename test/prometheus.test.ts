import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../src/engine/report.js';
import { STATUS_VALUE, prometheus } from '../src/report/prometheus.js';
import { nvcops, writeConfig } from './support/cli.js';
import { startPostgres, type PgServer } from './support/servers.js';

const golden = new URL('../fixtures/golden/', import.meta.url).pathname;
const contrib = new URL('../contrib/', import.meta.url).pathname;
const fixture = (name: string): RunReport => JSON.parse(readFileSync(`${golden}${name}.report.json`, 'utf8'));
const FIXTURES = ['health-db-fail', 'health-db-pass', 'review-waived-manual', 'health-daily-problems'];

/** promtool's own linter of the exposition format (naming, units, HELP, TYPE): what the output must pass. */
async function promtoolCheck(text: string): Promise<{ exitCode: number; out: string }> {
  const r = await execa('promtool', ['check', 'metrics'], { input: text, reject: false });
  return { exitCode: r.exitCode ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** The sample lines of a metric, as [labels text, value]. */
const samples = (text: string, name: string): [string, number][] =>
  text.split('\n').filter((l) => l.startsWith(`${name}{`)).map((l) => {
    const i = l.lastIndexOf(' ');
    return [l.slice(name.length, i), Number(l.slice(i + 1))];
  });

describe('--format prometheus', () => {
  for (const name of FIXTURES) {
    it(`${name}: passes promtool check metrics`, async () => {
      const r = await promtoolCheck(prometheus(fixture(name)));
      expect(r.out).toBe('');
      expect(r.exitCode).toBe(0);
    });
  }

  it('maps statuses as its HELP says: skip has no series, manual -1, waived -2', () => {
    const out = prometheus(fixture('review-waived-manual'));
    expect(out).toMatch(/# HELP nvcops_check_status .*0 pass, 1 warn, 2 fail, 3 error, -1 manual.*-2 waived/);
    const status = Object.fromEntries(samples(out, 'nvcops_check_status').map(([l, v]) => [/check="([^"]+)"/.exec(l)![1], v]));
    expect(status).toEqual({ 'compliance.tls-required': 0, 'compliance.segregation-of-duties': -2, 'compliance.records-of-processing': -1 });
    const db = prometheus(fixture('health-db-fail'));
    const dbStatus = Object.fromEntries(samples(db, 'nvcops_check_status').map(([l, v]) => [/check="([^"]+)"/.exec(l)![1], v]));
    expect(dbStatus).toEqual({ 'postgres.connect-time': 0, 'postgres.connection-saturation': 2, 'postgres.replication-lag': 1, 'postgres.idle-in-transaction': 3 });
    expect(db).not.toContain('redis.ping');
  });

  it('writes values and levels in base units: ms and days as seconds, % as a ratio', () => {
    const report = fixture('health-db-fail');
    const out = prometheus(report);
    // 3.2 ms, levels "> 2s" and "> 8s"; 92.5% against ">= 80%" / ">= 90%"; replica lag 7 s.
    expect(samples(out, 'nvcops_check_value').map(([l, v]) => [/check="([^"]+)".*unit="(\w+)"/.exec(l)!.slice(1).join(' '), v])).toEqual([
      ['postgres.connect-time seconds', 0.0032], ['postgres.connection-saturation ratio', 0.925], ['postgres.replication-lag seconds', 7],
    ]);
    expect(out).toContain('nvcops_check_threshold{check="postgres.connect-time",environment="production",command="health db",item="Database connections healthy",unit="seconds",level="fail",op=">"} 8\n');
    expect(out).toContain('level="warn",op=">="} 0.8\n');
    const days = structuredClone(report);
    days.items[0]!.results[0] = { ...days.items[0]!.results[0]!, id: 'certs.days-left', observed: { value: 12, unit: 'days' }, threshold: { warn: '< 30d', fail: '< 7d' } };
    const certs = prometheus(days);
    expect(samples(certs, 'nvcops_check_value')[0]).toEqual([expect.stringContaining('unit="seconds"'), 12 * 86_400]);
    expect(samples(certs, 'nvcops_check_threshold').map(([, v]) => v).slice(0, 2)).toEqual([30 * 86_400, 7 * 86_400]);
  });

  it('writes the run: duration, start time and exit code', () => {
    const out = prometheus(fixture('health-db-fail'));
    const run = '{environment="production",command="health db"}';
    expect(out).toContain(`nvcops_run_duration_seconds${run} 0.048\n`);
    expect(out).toContain(`nvcops_run_timestamp_seconds${run} ${Date.parse('2026-11-27T13:00:00.000Z') / 1000}\n`);
    expect(out).toContain(`nvcops_run_exit_code${run} 2\n`);
  });

  it('escapes label values (backslash, double quote, line feed), and promtool reads them back', async () => {
    const report = fixture('health-db-pass');
    report.environment = 'prod "eu"';
    report.items[0]!.title = 'C:\\ops "line"\nsecond';
    const out = prometheus(report);
    expect(out).toContain('item="C:\\\\ops \\"line\\"\\nsecond"');
    expect(out).toContain('environment="prod \\"eu\\""');
    expect((await promtoolCheck(out)).exitCode).toBe(0);
    // Without the escaping the file is refused: the test can tell.
    expect((await promtoolCheck(out.replace('\\"line\\"', '"line"'))).exitCode).not.toBe(0);
  });
});

describe('--report prometheus=PATH from a real run', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('writes a file node_exporter can read, atomically, agreeing with the run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-textfile-'));
    const config = writeConfig({ environment: 'staging', postgres: { url: pg.monitorUrl } });
    const before = Date.now() / 1000;
    const r = await nvcops(['health', 'db', '--config', config, '--format', 'json', '--report', `prometheus=${dir}/nvcops.prom`]);
    const report = JSON.parse(r.stdout) as RunReport;
    // Only the finished file: no temporary file is left beside it for the collector to read half-written.
    expect(readdirSync(dir)).toEqual(['nvcops.prom']);
    const text = readFileSync(`${dir}/nvcops.prom`, 'utf8');
    expect(await promtoolCheck(text)).toEqual({ exitCode: 0, out: '' });
    expect(text).toContain(`nvcops_run_exit_code{environment="staging",command="health db"} ${r.exitCode}\n`);
    const [[, started]] = samples(text, 'nvcops_run_timestamp_seconds') as [[string, number]];
    expect(started).toBeGreaterThanOrEqual(Math.floor(before));
    expect(started).toBeLessThanOrEqual(Date.now() / 1000);
    const judged = report.items.flatMap((i) => i.results).filter((x) => x.status !== 'skip');
    expect(samples(text, 'nvcops_check_status')).toHaveLength(judged.length);
    for (const x of judged) {
      expect(samples(text, 'nvcops_check_status').find(([l]) => l.includes(`check="${x.id}"`))?.[1], x.id).toBe(STATUS_VALUE[x.status as keyof typeof STATUS_VALUE]);
    }
    // --format prometheus on stdout is the same text.
    const shown = await nvcops(['health', 'db', '--config', config, '--format', 'prometheus']);
    // execa strips the final line feed the format ends with.
    expect(await promtoolCheck(`${shown.stdout}\n`), shown.stderr).toEqual({ exitCode: 0, out: '' });
    expect(shown.stdout).toMatch(/^# HELP nvcops_check_status /);
  });
});

describe('contrib/', () => {
  it('alert rules pass promtool check rules and their unit tests', async () => {
    const check = await execa('promtool', ['check', 'rules', `${contrib}prometheus/nvcops.rules.yml`], { reject: false });
    expect(check.stdout).toContain('SUCCESS: 6 rules found');
    expect(check.exitCode).toBe(0);
    const test = await execa('promtool', ['test', 'rules', 'nvcops.rules.test.yml'], { cwd: `${contrib}prometheus`, reject: false });
    expect(`${test.stdout}${test.stderr}`).toContain('SUCCESS');
    expect(test.exitCode).toBe(0);
  });

  it('the dashboard and the rules query only metrics nvcops writes', () => {
    const written = new Set(FIXTURES.flatMap((n) => [...prometheus(fixture(n)).matchAll(/^# TYPE (\w+)/gm)].map((m) => m[1]!)));
    const dashboard = JSON.parse(readFileSync(`${contrib}grafana/nvcops-dashboard.json`, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const rules = readFileSync(`${contrib}prometheus/nvcops.rules.yml`, 'utf8');
    const used = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join(' ').matchAll(/nvcops_\w+/g), ...rules.matchAll(/nvcops_\w+/g)].map((m) => m[0]);
    expect(used.length).toBeGreaterThan(5);
    for (const metric of used) expect(written, metric).toContain(metric);
  });
});
