/**
 * --report html=PATH and history report from real runs of health daily against the harness's servers:
 * the checklist in the runbook's order, a chart per measured check drawn from the kept runs, a failing
 * check shown as failed, text from outside escaped, no secret in the file, nothing it would load.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport, type Report } from './support/report.js';
import type { RunReport } from '../src/engine/report.js';
import { formatValue } from '../src/engine/units.js';
import { fleetReport, renderFleet, unmadeReport } from '../src/report/fleet.js';
import { checkChart, html } from '../src/report/html.js';
import { DAILY_LINES, morning } from './support/morning.js';
import { requestLog } from './support/request-log.js';
import { secretsIn, startPostgres, startRedis, type PgServer, type RedisServer } from './support/servers.js';

const PASSWORD = 'Html-Report-S3cret';
const HOSTILE = '<script>alert("x")</script>&ledger';

const escaped = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The second-level headings (the checklist lines), in the page's order, without their badge. */
const lines = (html: string): string[] => [...html.matchAll(/<h2 id="[^"]+">(.*?) <span class="badge/g)].map((m) => m[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));

/** The chart figure of a check: from its figure tag to the end of it. */
const figureOf = (html: string, id: string): string | undefined => {
  const m = new RegExp(`<figure class="chart"[^>]*><figcaption><strong>[^<]*</strong> <code>${id.replace(/\./g, '\\.')}</code>[\\s\\S]*?</figure>`).exec(html);
  return m?.[0];
};

/** A chart figure by its title (the DR drills' charts name no check). */
const figureOfTitle = (html: string, title: string): string | undefined =>
  new RegExp(`<figure class="chart"[^>]*><figcaption><strong>${escaped(title).replace(/[()]/g, '\\$&')}</strong>[\\s\\S]*?</figure>`).exec(html)?.[0];

/** The table row of a check. */
const rowOf = (html: string, id: string): string => new RegExp(`<tr class="row-\\w+">(?:(?!</tr>)[\\s\\S])*<code>${id.replace(/\./g, '\\.')}</code>[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';

/** What a self-contained page must not have: anything that loads or runs. */
function expectSelfContained(html: string): void {
  expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
  expect(html).not.toMatch(/<script|<link|<img|<iframe|<object|\bsrc=|\bhref=|url\(|@import|\bon\w+=/i);
}

describe('--report html=PATH and history report from real health daily runs', () => {
  let pg: PgServer;
  let redis: RedisServer;
  let service: Server;
  let servicePort: number;
  let work: string;
  let base: Record<string, unknown>;
  let out: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'nvcops-html-daily-'));
    out = join(work, 'reports');
    [pg, redis] = await Promise.all([
      startPostgres({ settings: { archive_mode: 'on', archive_command: 'mkdir -p ../wal-archive && cp %p ../wal-archive/%f' } }),
      startRedis(['--requirepass', PASSWORD]),
    ]);
    await pg.sql('SELECT pg_switch_wal()');
    service = createServer((q, s) => {
      s.statusCode = q.url === '/error' ? 500 : 200;
      s.end('ok');
    });
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    servicePort = (service.address() as AddressInfo).port;
    ({ base } = await morning(work, pg, redis, servicePort, 3));
  }, 120_000);
  afterAll(async () => {
    await new Promise((r) => service?.close(r));
    await Promise.all([pg?.stop(), redis?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  async function daily(name: string, overrides: Record<string, unknown> = {}): Promise<{ report: Report; html: string; exitCode: number }> {
    const path = join(out, `${name}.html`);
    const r = await nvcops(['health', 'daily', '--config', writeConfig({ ...base, ...overrides }), '--format', 'json', '--report', `html=${path}`]);
    expect(r.stderr).not.toMatch(/run history not/);
    const html = readFileSync(path, 'utf8');
    expect(secretsIn(html + r.stdout + r.stderr, PASSWORD, pg, redis)).toEqual([]);
    return { report: parseReport(r.stdout).report, html, exitCode: r.exitCode };
  }

  it('a healthy morning: the checklist in the runbook\'s order, every measured check charted from the kept runs', async () => {
    await daily('first');
    await daily('second');
    const { report, html, exitCode } = await daily('healthy');
    expect(exitCode).toBe(0);
    // Written whole: no temporary file beside it.
    expect(readdirSync(out).sort()).toEqual(['first.html', 'healthy.html', 'second.html']);
    expectSelfContained(html);
    // Uptime waits for a person (no AWS here): the run's status is manual, its exit code 0, as every format says.
    expect(report.status).toBe('manual');
    expect(html).toContain('<title>nvcops health daily — MANUAL</title>');
    expect(html).toContain('<span class="counts">exit code 0</span>');
    expect(lines(html)).toEqual(DAILY_LINES);
    expect(report.items.map((i) => i.title)).toEqual(DAILY_LINES);
    const results = report.items.flatMap((i) => i.results);
    const measured = results.filter((r) => r.observed);
    expect(measured.map((r) => r.id)).toEqual(expect.arrayContaining(['postgres.connect-time', 'postgres.connection-saturation', 'redis.clients', 'logs.error-rate', 'http.response-time']));
    for (const r of results) {
      // Each check's row shows its status as a word, with its symbol, whatever the colours.
      expect(rowOf(html, r.id), r.id).toMatch(new RegExp(`<span class="badge s-${r.status}"><span aria-hidden="true">.</span> \\w+</span>`));
      const figure = figureOf(html, r.id);
      if (!r.observed) {
        expect(figure, `${r.id} measured nothing, so it has no chart`).toBeUndefined();
        continue;
      }
      // This run and the two kept before it: three points, and the values table says the same.
      expect(figure, r.id).toContain('3 runs over 30 days');
      expect(figure!.match(/class="pt pt-/g), r.id).toHaveLength(3);
      expect(figure!.match(/<tr><th scope="row">/g), r.id).toHaveLength(3);
      expect(figure).toMatch(/<svg class="chart-svg" viewBox="[^"]+" role="img" aria-labelledby="([^" ]+) ([^"]+)"/);
    }
    expect(html.match(/<figure class="chart"/g)).toHaveLength(measured.length);
  }, 120_000);

  it('a fleet\'s page charts each environment from its own kept runs', async () => {
    // A state store of its own, so that the runs counted by the tests below are theirs alone.
    const { environment: _, ...shared } = { ...base, state: { path: join(work, 'fleet-state') } } as Record<string, unknown>;
    const config = writeConfig({ ...shared, environments: { staging: {}, east: {} } });
    const first = await nvcops(['health', 'daily', '--config', config, '--env', 'staging', '--format', 'json']);
    expect(first.stderr).toBe('');
    const path = join(out, 'fleet.html');
    const r = await nvcops(['health', 'daily', '--config', config, '--env', 'all', '--format', 'json', '--report', `html=${path}`]);
    expect(r.stderr).toBe('');
    const html = readFileSync(path, 'utf8');
    expectSelfContained(html);
    const [staging, east] = html.split('<h2 id="s2-h">');
    // staging kept a run before this one; east has only this run.
    expect(figureOf(staging!, 'postgres.connect-time')).toContain('2 runs over 30 days');
    expect(figureOf(east!, 'postgres.connect-time')).toContain('1 run over 30 days');
    expect(secretsIn(html, PASSWORD, pg, redis)).toEqual([]);
  }, 60_000);

  it('a failing check is shown failed, with its fault charted against the levels; text from a service name stays text', async () => {
    const bad = join(work, 'bad.log');
    writeFileSync(bad, requestLog(1000, 3));
    const { report, html, exitCode } = await daily('failing', {
      services: [{ name: HOSTILE, url: `http://127.0.0.1:${servicePort}/error`, timeout: '1s', samples: 3 }],
      logs: { application: bad },
    });
    expect(exitCode).toBe(2);
    expectSelfContained(html);
    expect(html).toContain('<title>nvcops health daily — FAIL</title>');
    expect(html).toContain('<p class="verdict s-fail"><span class="badge s-fail"><span aria-hidden="true">✖</span> Fail</span>');
    expect(lines(html)).toEqual(DAILY_LINES);
    const byId = Object.fromEntries(report.items.flatMap((i) => i.results).map((r) => [r.id, r]));
    expect(byId['http.service-up']).toMatchObject({ status: 'fail', message: expect.stringContaining(HOSTILE) });
    expect(rowOf(html, 'http.service-up')).toContain('<span class="badge s-fail"><span aria-hidden="true">✖</span> Fail</span>');
    expect(rowOf(html, 'http.service-up')).toContain(escaped(`${HOSTILE} down`));
    expect(html).not.toContain(HOSTILE);
    // The error rate: 0.3% this morning against warn >= 0.05% and fail >= 0.1%, after three runs at 0.02%.
    expect(byId['logs.error-rate']).toMatchObject({ status: 'fail', observed: { value: 0.3, unit: '%' } });
    const figure = figureOf(html, 'logs.error-rate')!;
    expect(figure).toContain('4 runs over 30 days');
    expect(figure).toContain('latest 0.3% (fail)');
    // In greyscale the shape tells them apart: a circle passed, a square failed.
    expect(figure.match(/<circle class="pt pt-pass"/g)).toHaveLength(3);
    expect(figure.match(/<rect class="pt pt-fail"/g)).toHaveLength(1);
    expect(figure).toMatch(/class="level level-warn"/);
    expect(figure).toMatch(/class="level level-fail"/);
    expect(figure).toContain('>fail &gt;= 0.1%</text>');
    // The line it sits under is failed too.
    expect(html).toMatch(/<h2 id="[^"]+">Error rates &lt; 0\.1% <span class="badge s-fail">/);
  }, 120_000);

  it('history report: every command\'s newest run and its charts over --days, to a file or stdout; bad flags are one line', async () => {
    const config = writeConfig({ ...base, dr: { rto: '15m', rpo: '5m' } });
    // A real restore drill of the backup taken above: its measured RTO and RPO go on the page, per drill.
    const drill = await nvcops(['monthly', 'dr-test', '--config', config, '--only', 'restore', '--yes', '--format', 'json'], { timeoutMs: 120_000 });
    expect(drill.exitCode, drill.stderr).toBe(0);
    const measured = (JSON.parse(drill.stdout) as { outcomes: { data?: { rtoMs?: number; rpoMs?: number } }[] }).outcomes[0]!.data!;
    const file = join(work, 'history.html');
    const r = await nvcops(['history', 'report', '--config', config, '--days', '90', '--output', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    const html = readFileSync(file, 'utf8');
    expectSelfContained(html);
    expect(secretsIn(html, PASSWORD, pg, redis)).toEqual([]);
    expect(html).toContain('<title>nvcops run history — staging, last 90 days</title>');
    // The four runs of health daily (its newest the failing one), a section of their own.
    expect(html).toMatch(/<h2 id="s1-h">nvcops health daily — newest of 4 runs <span class="badge s-fail">/);
    expect(html).toMatch(/<h3 id="s1l1-h">All services running/);
    expect(figureOf(html, 'logs.error-rate')).toContain('4 runs over 90 days');
    expect(html).not.toContain(HOSTILE);
    expect(html).toContain('<h2 id="s2-h">Disaster recovery drills (1)</h2>');
    const rto = figureOfTitle(html, 'DR drill: recovery time (RTO) measured')!;
    expect(rto).toContain(`1 run over 90 days`);
    expect(rto).toContain(`latest ${formatValue(measured.rtoMs!, 'ms')} (pass)`);
    // Seconds against 15 minutes: the objective is named at the top of the scale rather than flattening the point.
    expect(rto).toContain('↑ above the scale: fail &gt; 15m</text>');
    expect(figureOfTitle(html, 'DR drill: data loss window (RPO) measured')).toContain(`latest ${formatValue(measured.rpoMs!, 'ms')} (pass)`);
    const stdout = await nvcops(['history', 'report', '--config', config, '--command', 'health db']);
    expect(stdout.exitCode).toBe(0);
    expect(stdout.stdout).toContain('no check runs of staging were kept from');
    for (const [args, said] of [
      [['--days', '0'], /--days.*use a whole number from 1 to 400/],
      [['--format', 'json'], /argument 'json' is invalid\. Allowed choices are html/],
      [['--check', 'logs.error-rate'], /history report: --check filters the list, not the report/],
    ] as const) {
      const bad = await nvcops(['history', 'report', '--config', config, ...args]);
      expect(bad.exitCode, bad.stderr).not.toBe(0);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toMatch(said);
      expect(bad.stdout).toBe('');
    }
    // history show renders a kept run as its own run did, its charts from the runs before it.
    const kept = JSON.parse((await nvcops(['history', '--config', config, '--format', 'json'])).stdout) as { id: string }[];
    expect(kept).toHaveLength(4);
    const shown = await nvcops(['history', 'show', kept[2]!.id, '--config', config, '--format', 'html']);
    expect(shown.exitCode, shown.stderr).toBe(0);
    expectSelfContained(shown.stdout);
    expect(figureOf(shown.stdout, 'postgres.connect-time')).toContain('3 runs over 30 days');
  }, 120_000);
});

describe('--format html of a fleet run (--env a,b)', () => {
  const golden = new URL('../fixtures/golden/', import.meta.url).pathname;
  const fixture = (name: string): RunReport => JSON.parse(readFileSync(`${golden}${name}.report.json`, 'utf8'));

  it('one page: a section per environment, its lines a level below, an environment not run said as such', async () => {
    const fleet = fleetReport([
      { ...fixture('health-db-fail'), environment: 'production' },
      { ...fixture('health-db-pass'), environment: 'staging' },
      unmadeReport({ command: 'health db', runbook: 'r' }, 'dr', 'another run holds the lock', 75, new Date('2026-11-27T13:00:00Z')),
    ], new Date('2026-11-27T13:00:00Z'), 50);
    const html = await renderFleet('html', fleet, { color: false });
    expectSelfContained(html);
    expect(html).toContain('<title>nvcops health db in 3 environments — FAIL</title>');
    expect([...html.matchAll(/<h([23]) id="[^"]+">([^<]*)/g)].map((m) => `${m[1]} ${m[2]!.trim()}`)).toEqual([
      '2 Environment production', '3 Database connections healthy', '3 Cache answering',
      '2 Environment staging', '3 Database connections healthy', '3 Cache answering &amp; &lt;escaping&gt;',
      '2 Environment dr',
    ]);
    expect(html).toContain('<p>not run: another run holds the lock (exit 75)</p>');
    // Without the environments' kept runs (renderFleet's trends), each chart is its run's one point.
    expect(figureOf(html, 'postgres.connection-saturation')).toContain('1 run over 30 days');
  });
});

describe('a chart of many runs', () => {
  it('draws one point a day past 120 runs, each day\'s worst, so that a failure between passes still shows', () => {
    const report = JSON.parse(readFileSync(new URL('../fixtures/golden/health-db-fail.report.json', import.meta.url), 'utf8')) as RunReport;
    const result = report.items[0]!.results[1]!; // connection saturation, 92.5% against >= 80% / >= 90%
    const end = Date.parse(report.startedAt);
    const runs = Array.from({ length: 720 }, (_, i) => {
      const r = structuredClone(report);
      r.startedAt = new Date(end - (720 - i) * 3600_000).toISOString();
      const c = r.items[0]!.results[1]!;
      // Hourly for 30 days at 40%; one hour on the tenth day at 95%.
      c.observed = { value: i === 240 ? 95 : 40, unit: '%' };
      c.status = i === 240 ? 'fail' : 'pass';
      return { at: r.startedAt, report: r };
    });
    const spec = checkChart(result, report, { from: new Date(end - 30 * 86_400_000).toISOString(), to: report.startedAt, runs }, 'c')!;
    expect(spec.runs).toBe(721);
    expect(spec.points.length).toBeLessThanOrEqual(31);
    expect(spec.points.filter((p) => p.status === 'fail').map((p) => p.value)).toEqual([95, 92.5]);
    const page = html(report, { color: false, trend: { from: new Date(end - 30 * 86_400_000).toISOString(), to: report.startedAt, runs } });
    expect(figureOf(page, 'postgres.connection-saturation')).toMatch(/721 runs \(drawn: the worst run of each of 3\d days\) over 30 days/);
  });
});

