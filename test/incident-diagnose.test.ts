import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../src/engine/report.js';
import { classificationExit, classificationText, classify } from '../src/incident/classify.js';
import { startAwsEndpoint } from './support/aws-endpoint.js';
import { nvcops, writeConfig } from './support/cli.js';
import { startPostgres, type PgServer } from './support/servers.js';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

describe('incident diagnose and classify', () => {
  let pg: PgServer;
  let http: Server;
  let base: string;
  const behaviour: Record<string, { status: number; delayMs: number }> = {
    '/payments': { status: 200, delayMs: 0 },
    '/statements': { status: 200, delayMs: 0 },
  };

  beforeAll(async () => {
    pg = await startPostgres();
    http = createServer((req, res) => {
      const b = behaviour[req.url ?? ''] ?? { status: 404, delayMs: 0 };
      setTimeout(() => { res.writeHead(b.status); res.end('.'); }, b.delayMs);
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    http?.closeAllConnections();
    http?.close();
    await pg?.stop();
  });

  it('writes status, deploys, logs, database and metrics into one markdown report attached to the open incident', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-diagnose-'));
    const log = join(dir, 'application.log');
    writeFileSync(log, `${minutesAgo(8)} ERROR payment 7 failed: upstream timeout\n${minutesAgo(6)} ERROR payment 8 failed: upstream timeout\n`);
    const repo = join(dir, 'repo');
    const env = (m: number) => ({ GIT_AUTHOR_NAME: 'Ada Ops', GIT_AUTHOR_EMAIL: 'ada@bank.example', GIT_COMMITTER_NAME: 'Ada Ops', GIT_COMMITTER_EMAIL: 'ada@bank.example', GIT_AUTHOR_DATE: minutesAgo(m), GIT_COMMITTER_DATE: minutesAgo(m) });
    await execa('git', ['init', '-q', '-b', 'main', repo]);
    await execa('git', ['commit', '-q', '--allow-empty', '-m', 'Old work'], { cwd: repo, env: env(300) });
    await execa('git', ['commit', '-q', '--allow-empty', '-m', 'Shorten the payment gateway timeout'], { cwd: repo, env: env(30) });
    await execa('git', ['tag', '-a', 'deploy-42', '-m', 'payments release'], { cwd: repo, env: env(25) });
    const config = writeConfig({
      environment: 'staging', postgres: { url: pg.monitorUrl }, logs: { application: log }, deploys: { repositories: [repo] },
      services: [{ name: 'payments-api', url: `${base}/payments` }],
    });
    const state = mkdtempSync(join(tmpdir(), 'nvcops-diagnose-state-'));
    const run = (args: string[]) => nvcops([...args, '--config', config], { env: { XDG_STATE_HOME: state } });

    const alone = await run(['incident', 'diagnose']);
    expect(alone.stderr).toMatch(/no open incident: the report is not attached/);

    await run(['incident', 'open', '--severity', 'P1', '--title', 'Payments timing out', '--started', '10 minutes ago', '--no-checks']);
    const out = join(dir, 'diagnosis.md');
    const r = await run(['incident', 'diagnose', '--output', out]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/attached to INC-1 as INC-1\/diagnosis-1; written to /);
    const md = readFileSync(out, 'utf8');
    expect(r.stdout.trim()).toBe(md.trim());
    expect(md).toMatch(/^# Incident diagnosis — INC-1 \[P1 High\] Payments timing out/);
    expect(md).toMatch(/\*\*Needs a look:\*\* .*Errors and warnings by fingerprint/);
    for (const h of ['## System status', '### Systems', '### Dashboards', '## Recent deployments', '## Application log', '### Errors and warnings by fingerprint', '## Database', '### Blocking tree', '### Top statements by time', '## Infrastructure metrics']) expect(md).toContain(h);
    expect(md).toMatch(/\| deploy \| [0-9a-f]{7} \| Ada Ops <ada@bank.example> \| deploy-42: payments release \| ◀ INC-1 \|/);
    expect(md).toMatch(/\| commit \| [0-9a-f]{7} \| Ada Ops <ada@bank.example> \| Shorten the payment gateway timeout \[deploy-42\] \| ◀ INC-1 \|/);
    expect(md).not.toContain('Old work');
    expect(md).toMatch(/\| 2 \| error \| .* ERROR payment 7 failed: upstream timeout \|/);
    expect(md).toMatch(/AWS not configured/);
    const show = JSON.parse((await run(['incident', 'show', '--format', 'json'])).stdout);
    expect(show.reports).toEqual([expect.objectContaining({ id: 'INC-1/diagnosis-1', summary: expect.stringContaining('Errors and warnings by fingerprint') })]);
    expect(show.respondedAt).toBeTruthy();
    const timeline = JSON.parse((await run(['incident', 'timeline', '--format', 'json'])).stdout).entries.map((e: { what: string }) => e.what);
    expect(timeline).toContainEqual(expect.stringMatching(/^diagnosis: INC-1\/diagnosis-1: /));

    // The deploys command flags the same suspects on its own.
    const deploys = JSON.parse((await run(['incident', 'deploys', '--since', '6h', '--format', 'json'])).stdout).sections[0].data.events;
    expect(deploys.map((e: { subject: string; incidents: string[] }) => [e.subject, e.incidents])).toEqual([
      ['deploy-42: payments release', ['INC-1']], ['Shorten the payment gateway timeout', ['INC-1']], ['Old work', []],
    ]);
  });

  it('adds the CloudWatch metrics when AWS is configured, and says error (exit 3) for the parts it cannot reach', async () => {
    const aws = await startAwsEndpoint();
    try {
      const lb = 'app/bank-api/50dc6c495c0c9188';
      aws.metric('AWS/ApplicationELB', 'TargetResponseTime', { LoadBalancer: lb }, (minute) => (minute % 120 === 0 ? 0.9 : 0.12));
      const config = writeConfig({ aws: { region: 'eu-west-1', loadBalancer: lb } });
      const r = await nvcops(['incident', 'diagnose', '--config', config, '--format', 'json'], { env: { ...aws.env(), XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'nvcops-diagnose-state-')) } });
      expect(r.exitCode).toBe(3);
      const out = JSON.parse(r.stdout);
      const [metrics] = out.sections['Infrastructure metrics'];
      expect(metrics.state).toBe('ok');
      const latency = metrics.data.find((m: { preset: string }) => m.preset === 'api-latency');
      expect(latency).toMatchObject({ stat: 'p95', max: 0.9, min: 0.12 });
      expect(latency.points).toBeGreaterThan(30);
      expect(metrics.data.map((m: { preset: string }) => m.preset)).toEqual(['api-latency', 'error-rate', 'requests']);
      // In a report of several systems, one not configured is skipped, naming its key: not an error.
      expect(out.sections['Database'][0]).toMatchObject({ state: 'skipped', summary: expect.stringMatching(/PostgreSQL not configured: set postgres\.url/) });
      expect(out.sections['Application log'][0]).toMatchObject({ state: 'skipped', summary: expect.stringMatching(/no application log configured: set logs\.application/) });
      expect(out.sections['Recent deployments'][0]).toMatchObject({ state: 'skipped', summary: expect.stringMatching(/deploys\.repositories\[\]/) });
    } finally {
      await aws.stop();
    }
  });

  it('classify proposes P3 when all is well, P1 for a partial outage, P0 for a payment service down or a complete outage', async () => {
    const config = writeConfig({ services: [{ name: 'payments-api', url: `${base}/payments` }, { name: 'statements', url: `${base}/statements` }] });
    const state = mkdtempSync(join(tmpdir(), 'nvcops-classify-state-'));
    const classify = async () => JSON.parse((await nvcops(['incident', 'classify', '--config', config, '--format', 'json'], { env: { XDG_STATE_HOME: state } })).stdout);
    try {
      expect(await classify()).toMatchObject({ proposed: 'P3', reasons: [expect.objectContaining({ kind: 'Minor bugs' })] });
      behaviour['/statements']!.status = 503;
      const partial = await classify();
      expect(partial.proposed).toBe('P1');
      expect(partial.reasons[0]).toMatchObject({ kind: 'Partial system outage', evidence: 'statements (HTTP 503) down' });
      behaviour['/payments']!.status = 503;
      const total = await classify();
      expect(total.proposed).toBe('P0');
      expect(total.reasons.map((r: { kind: string }) => r.kind)).toEqual(['Complete system outage', 'Payment processing failure']);
      const human = await nvcops(['incident', 'classify', '--config', config], { env: { XDG_STATE_HOME: state } });
      expect(human.stdout).toMatch(/^Proposed severity: P0 — Critical \(response: Immediate\)\n\s+P0 Complete system outage: all 2 services down/);
    } finally {
      behaviour['/statements'] = { status: 200, delayMs: 0 };
      behaviour['/payments'] = { status: 200, delayMs: 0 };
    }
  });

  it('classify with nothing configured cannot classify: it says what it could not see and exits 3, never P3', async () => {
    const config = writeConfig({});
    const env = { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'nvcops-classify-state-')) };
    const human = await nvcops(['incident', 'classify', '--config', config], { env });
    expect(human.exitCode).toBe(3);
    expect(human.stdout).toMatch(/^Cannot classify: no check passed, warned or failed and nothing is seen down/);
    expect(human.stdout).toMatch(/could not be seen: \d+ checks skipped \(not configured\)/);
    expect(human.stdout).not.toMatch(/Proposed severity|P3/);
    const json = await nvcops(['incident', 'classify', '--config', config, '--format', 'json'], { env });
    expect(json.exitCode).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ proposed: null, reasons: [], response: null });
  });

  it('classify: checks that errored are unseen, not evidence of a lower severity', () => {
    const result = (id: string, status: string) => ({ id, title: id, status, message: status === 'error' ? 'connection refused' : 'ok' });
    const report = (statuses: string[]) => {
      const results = statuses.map((st, k) => result(`postgres.check-${k}`, st));
      const count = (st: string) => statuses.filter((x) => x === st).length;
      return { items: [{ title: 'Database', results }], summary: { total: statuses.length, pass: count('pass'), warn: count('warn'), fail: count('fail'), error: count('error'), skip: count('skip') } } as unknown as RunReport;
    };
    const allErrored = classify([], report(['error', 'error', 'skip']), []);
    expect(allErrored).toMatchObject({ proposed: null, unseen: ['postgres.check-0: connection refused', 'postgres.check-1: connection refused', '1 check skipped (not configured)'] });
    expect(classificationExit(allErrored)).toBe(3);
    const someErrored = classify([], report(['pass', 'error']), []);
    expect(someErrored.proposed).toBe('P3');
    expect(someErrored.reasons[0]!.evidence).toMatch(/1 could not be evaluated, so a higher severity is not ruled out/);
    expect(classificationExit(someErrored)).toBe(3);
    expect(classificationText(someErrored)).toMatch(/could not be seen: postgres.check-1: connection refused/);
    const clean = classify([], report(['pass', 'pass']), []);
    expect(clean.proposed).toBe('P3');
    expect(classificationExit(clean)).toBe(0);
  });

  it('classify calls a failing payment business metric a P0 payment processing failure', async () => {
    await pg.sql('CREATE TABLE IF NOT EXISTS payments (ok boolean NOT NULL)');
    await pg.sql('INSERT INTO payments SELECT g % 4 <> 0 FROM generate_series(1, 100) g');
    const config = writeConfig({
      postgres: { url: pg.monitorUrl },
      business: { metrics: [{ name: 'payment-success-rate', title: 'Payment success rate', sql: 'SELECT 100.0 * avg(ok::int) FROM payments', unit: '%', fail: '< 99%' }] },
    });
    await pg.sql('GRANT SELECT ON payments TO nvcops_monitor');
    const c = JSON.parse((await nvcops(['incident', 'classify', '--config', config, '--format', 'json'], { env: { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'nvcops-classify-state-')) } })).stdout);
    expect(c.proposed).toBe('P0');
    expect(c.reasons[0]).toMatchObject({ kind: 'Payment processing failure', evidence: expect.stringMatching(/^Payment success rate: /) });
  });

  it('classify calls a response time more than 50% above its usual level a P1 performance degradation', async () => {
    const config = writeConfig({ services: [{ name: 'statements', url: `${base}/statements`, samples: 3 }] });
    const state = mkdtempSync(join(tmpdir(), 'nvcops-classify-state-'));
    const run = (args: string[]) => nvcops([...args, '--config', config], { env: { XDG_STATE_HOME: state } });
    behaviour['/statements'] = { status: 200, delayMs: 20 };
    try {
      for (let k = 0; k < 5; k++) await run(['health', 'daily']);
      behaviour['/statements'] = { status: 200, delayMs: 400 };
      const c = JSON.parse((await run(['incident', 'classify', '--format', 'json'])).stdout);
      expect(c.proposed).toBe('P1');
      expect(c.reasons).toContainEqual(expect.objectContaining({ kind: 'Performance degradation >50%', evidence: expect.stringMatching(/^API response time.*against its own median of [\d.]+ ms over 5 earlier runs \(\+\d+%\)$/) }));
    } finally {
      behaviour['/statements'] = { status: 200, delayMs: 0 };
    }
  });
});

describe('incident diagnose and postmortem --output', () => {
  it('refuses a directory before anything is attached or recorded (exit 64), and makes missing directories', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-output-'));
    const state = mkdtempSync(join(tmpdir(), 'nvcops-output-state-'));
    const run = (args: string[]) => nvcops(args, { env: { XDG_STATE_HOME: state } });
    await run(['incident', 'open', '--severity', 'P1', '--title', 'Payments timing out', '--no-checks']);
    for (const args of [['incident', 'diagnose', '--output', dir], ['incident', 'postmortem', 'INC-1', '--output', dir]]) {
      const r = await run(args);
      expect([r.exitCode, r.stdout]).toEqual([64, '']);
      expect(r.stderr).toBe(`nvcops: option '--output <path>' argument '${dir}' is invalid. ${dir} is a directory; give a file path such as DIR/report.md (run with --help for usage)`);
    }
    const show = JSON.parse((await run(['incident', 'show', '--format', 'json'])).stdout);
    expect([show.reports, show.events.map((e: { type: string }) => e.type)]).toEqual([[], ['opened']]);
    const out = join(dir, 'INC-1', 'diagnosis.md');
    expect((await run(['incident', 'diagnose', '--output', out])).stderr).toMatch(/attached to INC-1 as INC-1\/diagnosis-1; written to /);
    expect(readFileSync(out, 'utf8')).toMatch(/^# Incident diagnosis — INC-1/);
  });
});
