import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../src/engine/report.js';
import evictions from '../src/checks/redis/evictions.js';
import rejected from '../src/checks/redis/rejected-connections.js';
import slowlog from '../src/checks/redis/slowlog.js';
import { verdict } from '../src/engine/runner.js';
import { parseThreshold } from '../src/engine/thresholds.js';
import { github } from '../src/report/github.js';
import { junit } from '../src/report/junit.js';
import { nagios } from '../src/report/nagios.js';
import { useColor } from '../src/report/output.js';
import { nvcops, writeConfig } from './support/cli.js';
import { startPostgres, type PgServer } from './support/servers.js';

const golden = new URL('../fixtures/golden/', import.meta.url).pathname;
const XSD = new URL('./fixtures/junit-jenkins.xsd', import.meta.url).pathname;
const fixture = (name: string): RunReport => JSON.parse(readFileSync(`${golden}${name}.report.json`, 'utf8'));
const FIXTURES = ['health-db-fail', 'health-db-pass', 'review-waived-manual', 'health-daily-problems'];

/** xmllint against Jenkins' JUnit schema (test/fixtures/junit-jenkins.xsd): exit 0 when the file is well-formed and valid. */
async function xmllint(xml: string): Promise<{ exitCode: number; out: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'nvcops-junit-')), 'report.xml');
  writeFileSync(file, xml);
  const r = await execa('xmllint', ['--noout', '--schema', XSD, file], { reject: false });
  return { exitCode: r.exitCode ?? -1, out: r.stderr };
}

type Case = Record<string, unknown> & { '@_name': string; '@_classname': string; failure?: Record<string, string>; error?: unknown; skipped?: unknown };
const cases = (xml: string): Case[] => {
  const doc = new XMLParser({ ignoreAttributes: false, isArray: (n) => ['testsuite', 'testcase'].includes(n) }).parse(xml);
  return doc.testsuites.testsuite.flatMap((s: { testcase: Case[] }) => s.testcase);
};
/** Jenkins' split of a classname: the package before the last dot, the class after it. */
const jenkinsSplit = (classname: string) => ({ pkg: classname.slice(0, classname.lastIndexOf('.')), cls: classname.slice(classname.lastIndexOf('.') + 1) });

describe('JUnit', () => {
  for (const name of FIXTURES) {
    it(`${name}: valid against Jenkins' junit-10.xsd, and red whenever the exit code is`, async () => {
      const report = fixture(name);
      const xml = junit(report);
      expect(await xmllint(xml)).toMatchObject({ exitCode: 0 });
      const red = cases(xml).filter((c) => c.failure || c.error);
      expect(red.length > 0, `exit code ${report.exitCode}`).toBe(report.exitCode !== 0);
      for (const c of cases(xml)) {
        const item = report.items.find((i) => i.results.some((r) => c['@_name'].endsWith(`(${r.id})`)))!;
        expect(jenkinsSplit(c['@_classname'])).toEqual({ pkg: `nvcops.${report.command.replace(' ', '-')}`, cls: item.title.replace(/\./g, '\u2024') });
      }
    });
  }

  it('a warn is a <failure type="warn"> under --fail-on warn (exit 1), and shown as passed output under --fail-on fail', () => {
    const report = fixture('health-db-pass');
    const r = report.items[0]!.results[0]!;
    report.items[0]!.results[0] = { ...r, status: 'warn', message: 'slow' };
    report.summary = { ...report.summary, pass: report.summary.pass - 1, warn: 1 };
    report.exitCode = 1;
    const lag = cases(junit(report, { failOn: 'warn' })).find((c) => c['@_name'].endsWith(`(${r.id})`))!;
    expect(lag.failure).toMatchObject({ '@_type': 'warn', '@_message': 'slow' });
    report.exitCode = 0;
    const passing = cases(junit(report, { failOn: 'fail' })).find((c) => c['@_name'].endsWith(`(${r.id})`))!;
    expect(passing.failure).toBeUndefined();
    expect(passing['system-out']).toMatch(/^WARN /);
  });

  it('an unattested control is a <failure type="manual"> when it makes the exit code 3, and <skipped> when it does not', () => {
    const review = cases(junit(fixture('review-waived-manual'))).find((c) => c['@_name'].includes('records-of-processing'))!;
    expect(review.failure).toMatchObject({ '@_type': 'manual' });
    expect(review.failure!['@_message']).toMatch(/^needs a person's attestation: not attested/);
    // health daily's uptime line is a person's to read off a dashboard; the run's exit code (2) comes from its failures.
    const daily = cases(junit(fixture('health-daily-problems'))).find((c) => c['@_name'].includes('(http.uptime)'))!;
    expect(daily.failure).toBeUndefined();
    expect(daily.skipped).toBeDefined();
  });

  it('removes what XML forbids from every text and attribute (ESC, NUL, U+FFFE, lone surrogates)', async () => {
    const report = fixture('health-db-fail');
    const bad = 'quoted \u001b[31mred\u001b[0m, NUL \u0000, \uFFFE\uFFFF, lone \uD800 and \uDC00, pair \uD83D\uDE00 kept';
    report.command = `health db ${bad}`;
    report.items[0]!.title = `line ${bad}`;
    report.items[0]!.results[1] = { ...report.items[0]!.results[1]!, title: `title ${bad}`, message: `message ${bad}`, details: [`detail ${bad}`] };
    const xml = junit(report);
    expect(await xmllint(xml)).toMatchObject({ exitCode: 0 });
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\uFFFE\uFFFF]/);
    expect(xml).toContain('quoted \\x1b[31mred\\x1b[0m, NUL \\x00, , lone  and , pair \uD83D\uDE00 kept');
    // Without the removal xmllint refuses the file: the test can tell.
    expect((await xmllint(xml.replace('pair', '\uFFFE'))).exitCode).not.toBe(0);
  });
});

describe('Nagios', () => {
  it('writes > N as ~:N, < N as N:, >= as @N:; days in seconds; counters since start with c', () => {
    const report = fixture('health-db-pass');
    const base = report.items[0]!.results[0]!;
    report.items[0]!.results = [
      { ...base, id: 'a.above', observed: { value: 3, unit: 'ms' }, threshold: { warn: '> 2s', fail: '> 8s' } },
      { ...base, id: 'b.below', observed: { value: 99.95, unit: '%' }, threshold: { warn: '< 99.9%' } },
      { ...base, id: 'c.days', observed: { value: 12, unit: 'days' }, threshold: { warn: '< 30d', fail: '<= 7d' } },
      { ...base, id: 'd.counter', observed: { value: 5, unit: 'count', counter: true }, threshold: { warn: '> 0' } },
      { ...base, id: 'e.count', observed: { value: 4, unit: 'count' }, threshold: { fail: '>= 10' } },
    ];
    report.items = [report.items[0]!];
    const perf = nagios(report).split('\n')[0]!.split(' | ')[1];
    expect(perf).toBe("'a.above'=3ms;~:2000;~:8000 'b.below'=99.95%;99.9:;;0;100 'c.days'=1036800s;2592000:;@~:604800 'd.counter'=5c;~:0 'e.count'=4;;@10:");
  });

  it('a counter since the server started is marked as one in the result, and only such a counter', () => {
    const judged = (check: typeof rejected) => verdict(check, { value: 3, message: 'm' }, parseThreshold({ warn: '> 0' }, check.unit, check.id));
    expect(judged(rejected).observed).toEqual({ value: 3, unit: 'count', counter: true });
    expect(judged(evictions).observed).toEqual({ value: 3, unit: 'count', counter: true });
    // The slow log's entries are a window, not a counter since start.
    expect(judged(slowlog).observed).toEqual({ value: 3, unit: 'count' });
  });

  it('a usage or config error under --format nagios is one NVCOPS UNKNOWN line on stdout and exit 3', async () => {
    const config = await nvcops(['health', 'db', '--format', 'nagios', '--config', '/nonexistent/nvcops.yaml']);
    expect(config).toEqual({ exitCode: 3, stdout: 'NVCOPS UNKNOWN - invalid configuration: --config: file /nonexistent/nvcops.yaml does not exist', stderr: '' });
    for (const args of [['health', 'db', '-f', 'nagios', '--no-such-flag'], ['health', 'db', '--format=nagios', '--timeout', 'soon']]) {
      const usage = await nvcops(args);
      expect(usage.exitCode, args.join(' ')).toBe(3);
      expect(usage.stdout).toMatch(/^NVCOPS UNKNOWN - [^\n]+$/);
      expect(usage.stderr).toBe('');
    }
    // Other formats keep their exit codes and stderr.
    const plain = await nvcops(['health', 'db', '--no-such-flag']);
    expect(plain).toMatchObject({ exitCode: 64, stdout: '' });
    expect(plain.stderr).toMatch(/^nvcops: unknown option '--no-such-flag'/);
  });
});

describe('GitHub Actions', () => {
  it('annotates with ::error / ::warning, escaping %, CR, LF in the message and : , in properties', () => {
    const report = fixture('health-db-fail');
    report.items[0]!.results[1] = { ...report.items[0]!.results[1]!, message: '100% used\r\nnext line' };
    const out = github(report);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('::group::nvcops health db: FAIL (exit code 2): 1 pass, 1 warn, 1 fail, 1 error, 1 skip');
    const annotations = lines.slice(lines.indexOf('::endgroup::') + 1);
    expect(annotations.map((l) => /^::(\w+) /.exec(l)![1])).toEqual(['error', 'warning', 'error']);
    // printable shows the CR and LF as \r\n (one log line); the % is escaped.
    expect(annotations[0]).toBe('::error title=nvcops health db (production)%3A postgres.connection-saturation fail::PostgreSQL connection saturation: 92.5%25 (warn >= 80%25 · fail >= 90%25) — 100%25 used\\r\\nnext line');
    const titled = { ...report, environment: 'eu,west:1' };
    expect(github(titled)).toContain('title=nvcops health db (eu%2Cwest%3A1)%3A postgres.connection-saturation fail::');
    // Details go on lines of their own in the annotation (escaped LF).
    expect(annotations[1]).toMatch(/^::warning title=.*postgres\.replication-lag warn::Replica lag: 7 s \(warn > 5s · fail > 30s\) — replica1 7 s behind$/);
    // No log line of the checklist can start a workflow command.
    expect(lines.slice(1, lines.indexOf('::endgroup::')).every((l) => l.startsWith('['))).toBe(true);
  });
});

describe('a real run', () => {
  let pg: PgServer;
  let config: string;
  beforeAll(async () => {
    pg = await startPostgres();
    config = writeConfig({ environment: 'staging', postgres: { url: pg.monitorUrl } });
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('--format github appends the job summary to $GITHUB_STEP_SUMMARY, keeping what earlier steps wrote', async () => {
    const summary = join(mkdtempSync(join(tmpdir(), 'nvcops-gh-')), 'step_summary.md');
    writeFileSync(summary, '# earlier step\n');
    const r = await nvcops(['health', 'db', '--config', config, '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(r.stdout).toMatch(/^::group::nvcops health db: /);
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('# earlier step\n## nvcops health db — ')).toBe(true);
    expect(text).toContain('| ✔ | PostgreSQL accepts connections (`postgres.connect-time`) | pass |');
    // Unset, nothing is written anywhere and the run is the same.
    const unset = await nvcops(['health', 'db', '--config', config, '--format', 'github']);
    expect(unset.stderr).toBe('');
  });

  it('FORCE_COLOR colours the human output without a terminal; NO_COLOR and --no-color still win; FORCE_COLOR=0 turns it off', async () => {
    const run = (env: Record<string, string | undefined>, extra: string[] = []) => nvcops(['health', 'db', '--config', config, ...extra], { env: { NO_COLOR: undefined, ...env } });
    const ESC = /\u001b\[/;
    expect((await run({})).stdout).not.toMatch(ESC);
    for (const level of ['1', '2', '3', 'true']) expect((await run({ FORCE_COLOR: level })).stdout, level).toMatch(ESC);
    expect((await run({ FORCE_COLOR: '0' })).stdout).not.toMatch(ESC);
    expect((await run({ FORCE_COLOR: '1', NO_COLOR: '1' })).stdout).not.toMatch(ESC);
    expect((await run({ FORCE_COLOR: '1' }, ['--no-color'])).stdout).not.toMatch(ESC);
  });

  it('useColor: a terminal colours unless told not to; an empty FORCE_COLOR or NO_COLOR counts as unset', () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    const pipe = { isTTY: false } as NodeJS.WriteStream;
    expect(useColor(true, {}, tty)).toBe(true);
    expect(useColor(true, { NO_COLOR: '' }, tty)).toBe(true);
    expect(useColor(true, { FORCE_COLOR: '' }, pipe)).toBe(false);
    expect(useColor(true, { FORCE_COLOR: 'false' }, tty)).toBe(false);
    expect(useColor(false, { FORCE_COLOR: '3' }, tty)).toBe(false);
  });
});
