import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { freePort, secretsIn, startPostgres, startRedis, type PgServer, type RedisServer } from './support/servers.js';
import { requestLog } from './support/request-log.js';
import { DAILY_LINES, morning } from './support/morning.js';

const PASSWORD = 'Morning-Check-S3cret';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes a database backup and its manifest; `created` in the past by `ageMs`. */
function writeBackup(dir: string, id: string, ageMs: number, content = `-- dump ${id}\n`): string {
  const file = `${id}.dump`;
  writeFileSync(join(dir, file), content);
  writeFileSync(join(dir, `${id}.manifest.json`), JSON.stringify({
    version: 1, id, kind: 'db', created: new Date(Date.now() - ageMs).toISOString(), size: Buffer.byteLength(content),
    sha256: createHash('sha256').update(content).digest('hex'), file, source: 'db.internal:5432/bank',
    postgres: { version: '15.8', startLsn: '0/3000028', stopLsn: '0/3000100' },
  }));
  return join(dir, file);
}

describe('nvcops health daily: the morning checklist against real servers', () => {
  let pg: PgServer;
  let redis: RedisServer;
  let service: ChildProcess;
  let servicePort: number;
  let work: string;
  let base: Record<string, unknown>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'nvcops-daily-'));
    [pg, redis] = await Promise.all([
      startPostgres({ settings: { archive_mode: 'on', archive_command: 'mkdir -p ../wal-archive && cp %p ../wal-archive/%f' } }),
      startRedis(['--requirepass', PASSWORD]),
    ]);
    await pg.sql("CREATE TABLE payments (status text, created_at timestamptz); INSERT INTO payments SELECT CASE WHEN g % 100 = 0 THEN 'declined' ELSE 'succeeded' END, now() - g * interval '10 seconds' FROM generate_series(1, 1000) g; GRANT SELECT ON payments TO nvcops_monitor");
    await pg.sql('SELECT pg_switch_wal()');
    // The service is its own process so that it can be frozen: /ok answers at once, /slow after 250 ms, /error with 500,
    // /stall answers its first three requests at once and never answers another.
    servicePort = await freePort();
    service = spawn(process.execPath, ['-e', `let stalls = 0; require('http').createServer((q, s) => {
      if (q.url === '/slow') return setTimeout(() => s.end('slow'), 250);
      if (q.url === '/stall' && ++stalls > 3) return;
      s.statusCode = q.url === '/error' ? 500 : 200; s.end('ok');
    }).listen(${servicePort}, '127.0.0.1', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => service.stdout!.once('data', r));
    // The Backup Schedule kept: a database dump, an application artifact, a configuration snapshot and the log, taken by nvcops.
    ({ base } = await morning(work, pg, redis, servicePort, 5));
  });
  afterAll(async () => {
    service?.kill('SIGCONT');
    service?.kill('SIGKILL');
    await Promise.all([pg?.stop(), redis?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  async function daily(overrides: Record<string, unknown> = {}, args: string[] = []) {
    const r = await nvcops(['health', 'daily', '--config', writeConfig({ ...base, ...overrides }), '--format', 'json', ...args]);
    expect(secretsIn(r.stdout + r.stderr, PASSWORD, pg)).toEqual([]);
    return { ...parseReport(r.stdout), exitCode: r.exitCode, stderr: r.stderr };
  }

  it('shows the six checklist lines in the runbook\'s words; a healthy morning passes, uptime waits for a person', async () => {
    const { report, byId, line, exitCode } = await daily();
    expect(report.items.map((i) => i.title)).toEqual(DAILY_LINES);
    for (const title of DAILY_LINES.slice(1)) expect(line(title).status, title).toBe('pass');
    // 99.9% over 30 days is not something one probe sees: the line is not a pass until someone reads it.
    expect(line('All services running').status).toBe('manual');
    expect(byId['http.uptime']).toMatchObject({ status: 'manual', message: expect.stringContaining('AWS is not configured: uptime would come from CloudWatch') });
    expect(byId['http.service-up']).toMatchObject({ status: 'pass', details: ['payments-api: 6 of 6 requests answered 2xx'] });
    expect(byId['http.response-time']).toMatchObject({ status: 'pass' });
    expect(byId['http.response-time']!.details![0]).toMatch(/payments-api: p50 [\d.]+ ms, p95 [\d.]+ ms, max [\d.]+ ms over 5 of 5 requests \(first request, opening the connection: [\d.]+ ms\)/);
    expect(byId['logs.error-rate']).toMatchObject({ status: 'pass', observed: { value: 0.02, unit: '%' }, message: expect.stringMatching(/^1 of 5000 requests failed \(5xx or level error\) over the 23(\.0)? h the log covers$/) });
    expect(byId['backups.database-freshness']).toMatchObject({ status: 'pass', message: expect.stringMatching(/^newest database backup db-\S+ taken /) });
    expect(byId['backups.checksums']).toMatchObject({ status: 'pass', message: '4 backups match their manifests' });
    expect(byId['backups.restorable']).toMatchObject({ status: 'pass', message: expect.stringMatching(/^pg_restore reads db-/) });
    expect(byId['backups.wal-archiving']).toMatchObject({ status: 'pass', message: expect.stringMatching(/last archived 0000000100000000000000\w\w/) });
    expect(byId['security.alerts-reviewed']).toMatchObject({ status: 'pass', observed: { value: 0 } });
    expect(exitCode).toBe(0);
    const human = await nvcops(['health', 'daily', '--config', writeConfig(base)]);
    expect(human.exitCode, human.stdout).toBe(0);
    const order = DAILY_LINES.map((t) => human.stdout.indexOf(t));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    expect(human.stdout).toMatch(/☐ All services running \(target: 99\.9% uptime\)/);
  });

  it('fails a service that answers 500, and the response time of one that answers slowly', async () => {
    const { byId, line, exitCode } = await daily({
      services: [
        { name: 'ledger', url: `http://127.0.0.1:${servicePort}/error`, timeout: '1s', samples: 3 },
        { name: 'reports', url: `http://127.0.0.1:${servicePort}/slow`, timeout: '1s', samples: 3 },
      ],
      thresholds: {},
    });
    expect(byId['http.response-time']!.threshold).toEqual({ warn: '> 150ms', fail: '> 200ms' });
    expect(byId['http.service-up']).toMatchObject({ status: 'fail', message: 'ledger down: 0 of 4 requests answered 2xx (HTTP 500)' });
    expect(byId['http.response-time']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^slowest reports: p50 \d+ ms/) });
    // /slow answers after 250 ms; a loaded machine only adds to that.
    expect(Number(/p50 (\d+) ms/.exec(byId['http.response-time']!.message)![1])).toBeGreaterThanOrEqual(250);
    expect(line('API response times').status).toBe('fail');
    expect(exitCode).toBe(2);
  });

  it('counts a request that got no answer in time in the response time, at the time waited, instead of timing only the fast ones', async () => {
    const { byId, line } = await daily({
      services: [{ name: 'ledger', url: `http://127.0.0.1:${servicePort}/stall`, timeout: '1s', samples: 5 }],
      thresholds: {},
    });
    expect(byId['http.service-up']).toMatchObject({ status: 'warn', details: ['ledger: 3 of 4 requests answered 2xx (no answer within 1000 ms)'] });
    const time = byId['http.response-time']!;
    expect(time).toMatchObject({ status: 'fail', message: expect.stringMatching(/^slowest ledger: p50 [\d.]+ ms, p95 \d{4} ms/) });
    expect(time.observed!.value).toBeGreaterThanOrEqual(1000);
    expect(time.details![0]).toMatch(/over 3 of 3 requests \(1 without an answer in time, counted at the time waited\)/);
    expect(line('API response times').status).toBe('fail');
  });

  it('fails the error rate when more than 0.1% of the last 24 h of requests failed, and cannot judge a log it cannot read', async () => {
    const bad = join(work, 'bad.log');
    writeFileSync(bad, requestLog(1000, 3));
    const { byId } = await daily({ logs: { application: bad } });
    expect(byId['logs.error-rate']).toMatchObject({ status: 'fail', observed: { value: 0.3 }, message: expect.stringMatching(/^3 of 1000 requests failed \(5xx or level error\) over the 23(\.0)? h the log covers$/) });
    const missing = await daily({ logs: { application: join(work, 'nope.log') } });
    expect(missing.byId['logs.error-rate']).toMatchObject({ status: 'error', message: expect.stringContaining('nope.log: no such file') });
    const quiet = join(work, 'quiet.log');
    writeFileSync(quiet, 'starting up\nready\n');
    const noRequests = await daily({ logs: { application: quiet } });
    expect(noRequests.byId['logs.error-rate']).toMatchObject({ status: 'error', message: expect.stringContaining('no request lines') });
    // 2 failures in 30 requests is 6.7%, but 30 requests are too few to judge a 0.1% target.
    const few = join(work, 'few.log');
    writeFileSync(few, requestLog(30, 2));
    const fewRequests = await daily({ logs: { application: few } });
    expect(fewRequests.byId['logs.error-rate']).toMatchObject({ status: 'skip', message: expect.stringMatching(/^not enough data yet: only 30 requests in the last 24 h of .*few\.log: too few to judge an error rate against 0\.1% \(needs 1000 or more\)$/) });
  });

  it('judges the newest backup: stale, corrupted, or described by a broken manifest', async () => {
    const stale = mkdtempSync(join(tmpdir(), 'nvcops-backups-'));
    writeBackup(stale, 'db-old', 30 * 3600_000);
    // Past the 6-hour schedule and the hour a run may take.
    writeBackup(stale, 'db-late', 7.5 * 3600_000);
    const late = await daily({ backups: { directory: stale } });
    expect(late.byId['backups.database-freshness']).toMatchObject({ status: 'warn', message: expect.stringMatching(/^newest database backup db-late taken /) });
    expect(late.byId['backups.database-freshness']!.observed!.value).toBeGreaterThanOrEqual(7 * 3600);
    const corrupt = mkdtempSync(join(tmpdir(), 'nvcops-backups-'));
    const file = writeBackup(corrupt, 'db-now', 60_000, 'ABCDEFGH');
    writeFileSync(file, 'ABCDEFGX');
    const bad = await daily({ backups: { directory: corrupt } });
    expect(bad.byId['backups.checksums']).toMatchObject({ status: 'fail', message: expect.stringMatching(/db-now: .*db-now\.dump: SHA-256 [0-9a-f]{16}… does not match the manifest's/) });
    appendFileSync(file, 'more');
    const grown = await daily({ backups: { directory: corrupt } });
    expect(grown.byId['backups.checksums']!.message).toMatch(/12 bytes, the manifest says 8/);
    const manifest = join(corrupt, 'db-now.manifest.json');
    const { sha256: _dropped, ...rest } = JSON.parse(readFileSync(manifest, 'utf8'));
    writeFileSync(manifest, JSON.stringify(rest));
    const broken = await daily({ backups: { directory: corrupt } });
    expect(broken.byId['backups.database-freshness']).toMatchObject({ status: 'error', message: expect.stringContaining('db-now.manifest.json: sha256:') });
    const none = await daily({ backups: { directory: mkdtempSync(join(tmpdir(), 'nvcops-backups-')) } });
    expect(none.byId['backups.database-freshness']).toMatchObject({ status: 'fail', message: expect.stringContaining('no database backup in') });
  });

  it('fails WAL archiving when archive_command fails', async () => {
    await pg.sql("ALTER SYSTEM SET archive_command = 'false'");
    await pg.sql('SELECT pg_reload_conf()');
    await sleep(500);
    await pg.sql('CREATE TABLE wal_churn AS SELECT g FROM generate_series(1, 1000) g; SELECT pg_switch_wal()');
    try {
      const end = Date.now() + 20_000;
      while (Number((await pg.sql<{ n: string }>('SELECT failed_count AS n FROM pg_stat_archiver'))[0]!.n) === 0 && Date.now() < end) await sleep(200);
      const { byId, line } = await daily();
      expect(byId['backups.wal-archiving']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^archiving is failing: 0000000100000000000000\w\w could not be archived \(last failure /) });
      expect(line('Backup verification completed').status).toBe('fail');
    } finally {
      await pg.sql("ALTER SYSTEM SET archive_command = 'mkdir -p ../wal-archive && cp %p ../wal-archive/%f'");
      await pg.sql('SELECT pg_reload_conf()');
      const end = Date.now() + 90_000;
      while ((await pg.sql<{ failing: boolean }>('SELECT last_failed_time > coalesce(last_archived_time, \'-infinity\') AS failing FROM pg_stat_archiver'))[0]!.failing && Date.now() < end) await sleep(500);
    }
  });

  it('shows business metrics after the checklist, judged against their own levels', async () => {
    const metrics = [
      { name: 'payment-success-rate', title: 'Payment success rate, last hour', unit: '%', warn: '< 99.5%', fail: '< 98%', sql: "SELECT 100.0 * count(*) FILTER (WHERE status = 'succeeded') / count(*) FROM payments WHERE created_at > now() - interval '1 hour'" },
      { name: 'payments-last-hour', sql: "SELECT count(*) FROM payments WHERE created_at > now() - interval '1 hour'", fail: '< 100' },
    ];
    const { report, byId } = await daily({ business: { metrics } });
    expect(report.items.at(-1)!.title).toBe('Business Metrics: Transaction volumes and success rates');
    // One payment in a hundred is declined: under the 99.5% warning level, above the 98% failure level.
    expect(byId['business.payment-success-rate']).toMatchObject({ status: 'warn', observed: { unit: '%' }, title: 'Payment success rate, last hour' });
    expect(byId['business.payment-success-rate']!.observed!.value).toBeGreaterThan(98);
    expect(byId['business.payments-last-hour']).toMatchObject({ status: 'pass', observed: { unit: 'count' } });
    expect(byId['business.payments-last-hour']!.observed!.value).toBeGreaterThan(300);
    const wrong = await daily({ business: { metrics: [{ name: 'two-columns', sql: 'SELECT 1 AS a, 2 AS b' }] } });
    expect(wrong.byId['business.two-columns']).toMatchObject({ status: 'error', message: expect.stringContaining('business.metrics[0].sql must return one row with one number') });
    const badName = await nvcops(['health', 'daily', '--config', writeConfig({ ...base, business: { metrics: [{ name: 'Has Spaces', sql: 'SELECT 1' }] } })]);
    expect(badName.exitCode).toBe(78);
    expect(badName.stderr).toMatch(/business\.metrics\[0\]\.name: lower-case letters, digits and dashes/);
    const badLevel = await nvcops(['health', 'daily', '--config', writeConfig({ ...base, business: { metrics: [{ name: 'x', sql: 'SELECT 1', unit: '%', warn: '< 5 ms' }] } })]);
    expect(badLevel.exitCode).toBe(78);
    expect(badLevel.stderr).toMatch(/business\.metrics\[0\]\.warn: "< 5 ms" is in ms but this check measures %/);
    const checked = await nvcops(['config', 'check', '--config', writeConfig({ business: { metrics: [{ name: 'x', sql: 'SELECT 1', unit: '%', warn: '< 5 ms' }] } })]);
    expect([checked.exitCode, checked.stderr]).toEqual([78, badLevel.stderr]);
  });

  it('turns frozen servers (SIGSTOP) into fail or error within their timeouts, and the run still finishes', async () => {
    process.kill(pg.pid(), 'SIGSTOP');
    process.kill(redis.process.pid!, 'SIGSTOP');
    service.kill('SIGSTOP');
    try {
      const t0 = Date.now();
      const { byId, exitCode } = await daily();
      expect(Date.now() - t0).toBeLessThan(30_000);
      expect(byId['http.service-up']).toMatchObject({ status: 'fail', message: expect.stringContaining('no answer within 1000 ms') });
      expect(byId['http.response-time']!.status).toBe('error');
      expect(byId['postgres.connect-time']!.status).toBe('fail');
      expect(byId['redis.ping']!.status).toBe('fail');
      for (const id of ['postgres.connection-saturation', 'postgres.idle-in-transaction', 'redis.clients', 'backups.wal-archiving']) expect(byId[id]!.status, id).toBe('error');
      // What does not depend on the frozen servers is still judged.
      expect(byId['logs.error-rate']!.status).toBe('pass');
      expect(byId['backups.checksums']!.status).toBe('pass');
      expect(exitCode).toBe(2);
    } finally {
      process.kill(pg.pid(), 'SIGCONT');
      process.kill(redis.process.pid!, 'SIGCONT');
      service.kill('SIGCONT');
    }
  });

  it('renders every format without the passwords, and skips what is not configured with the reason', async () => {
    for (const format of ['human', 'junit', 'nagios', 'markdown']) {
      const r = await nvcops(['health', 'daily', '--config', writeConfig(base), '--format', format]);
      expect(r.exitCode, `${format}: ${r.stdout.split("\n").filter((l) => /WARN|FAIL|ERROR/.test(l)).join("\n")}`).toBe(0);
      expect(secretsIn(r.stdout + r.stderr, PASSWORD, pg), format).toEqual([]);
    }
    const bare = await daily({ services: undefined, logs: undefined, backups: undefined });
    expect(bare.byId['http.service-up']).toMatchObject({ status: 'skip', message: expect.stringContaining('services[]') });
    expect(bare.byId['logs.error-rate']).toMatchObject({ status: 'skip', message: expect.stringContaining('logs.application') });
    expect(bare.byId['backups.database-freshness']).toMatchObject({ status: 'skip', message: expect.stringContaining('backups.directory') });
  });
});
