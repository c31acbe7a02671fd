import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bursts, eventsFromLog, linkToAudit, type SecurityEvent } from '../src/probes/security-events.js';
import { reviewOf } from '../src/checks/security-reviews.js';
import type { AckData } from '../src/probes/security-acks.js';
import type { AuditRecord, RecordVersion } from '../src/state/store.js';
import { parseLine } from '../src/probes/logs.js';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { startPostgres, startRedis, type PgServer, type RedisServer } from './support/servers.js';

const CARD = '4111 1111 1111 1111';

describe('security events from log lines', () => {
  const at = (s: number) => new Date(Date.UTC(2025, 6, 1, 8, 0, s)).toISOString();
  const entry = (line: object | string) => parseLine(typeof line === 'string' ? line : JSON.stringify(line), 'app.log');

  it('classifies failed logins, lockouts, privilege changes and denied access, with user and source', () => {
    const events = eventsFromLog([
      entry({ time: at(1), level: 'warn', event: 'login_failed', user: 'alice', ip: '10.0.0.7', msg: 'bad password' }),
      entry({ time: at(2), level: 'warn', msg: 'account alice locked after 5 attempts', user: 'alice' }),
      entry(`${at(3)} INFO role granted: user=bob role=admin by=carol`),
      entry(`10.0.0.9 - mallory [01/Jul/2025:08:00:04 +0000] "GET /admin HTTP/1.1" 403 12`),
    ], 'application log');
    expect(events.map((e) => [e.kind, e.severity, e.user, e.from])).toEqual([
      ['auth-failure', 'low', 'alice', '10.0.0.7'],
      ['lockout', 'medium', 'alice', undefined],
      ['privilege-change', 'high', 'bob', undefined],
      ['access-denied', 'medium', 'mallory', '10.0.0.9'],
    ]);
    // Ids are stable: the same line gives the same id on every run.
    expect(eventsFromLog([entry({ time: at(1), level: 'warn', event: 'login_failed', user: 'alice', ip: '10.0.0.7', msg: 'bad password' })], 'application log')[0]!.id).toBe(events[0]!.id);
  });

  it('raises five failed logins by one user from one source within ten minutes as brute force (fail2ban defaults)', () => {
    const fail = (user: string, ip: string, s: number): SecurityEvent => ({ id: `${user}${s}`, time: at(s), kind: 'auth-failure', severity: 'low', source: 'application log', user, from: ip, count: 1, message: '' });
    const four = [0, 10, 20, 30].map((s) => fail('alice', '10.0.0.7', s));
    expect(bursts(four)).toEqual([]);
    const spread = [0, 10, 20, 30, 40].map((s, i) => fail('bob', `10.0.0.${i}`, s));
    expect(bursts(spread)).toEqual([]);
    const five = [...four, fail('alice', '10.0.0.7', 50)];
    const [burst] = bursts(five);
    expect(burst).toMatchObject({ kind: 'brute-force', severity: 'high', user: 'alice', from: '10.0.0.7', count: 5 });
    expect(bursts(five, { failures: 6, withinMs: 600_000 })).toEqual([]);
  });

  it('reads JSON (pino levels), logfmt, Common Log Format and PostgreSQL lines', () => {
    expect(entry({ time: 1751356800000, level: 50, msg: 'boom', res: { statusCode: 502 } })).toMatchObject({ level: 'error', status: 502, message: 'boom' });
    expect(entry('time=2025-07-01T08:00:00Z level=error status=500 msg="upstream timed out"')).toMatchObject({ level: 'error', status: 500, message: 'upstream timed out' });
    expect(entry('127.0.0.1 - - [01/Jul/2025:10:00:00 +0200] "POST /v1/pay HTTP/1.1" 201 7').time!.toISOString()).toBe('2025-07-01T08:00:00.000Z');
    expect(entry('2025-07-01 08:00:00.123 UTC [42] teller@bank FATAL:  password authentication failed for user "teller"')).toMatchObject({ level: 'fatal', time: new Date('2025-07-01T08:00:00.123Z') });
    expect(entry('2025-07-01 08:00:00,5 ERROR payments: declined')).toMatchObject({ level: 'error' });
  });
});

describe('nvcops health security --last-24h and ack, against real servers', () => {
  let server: PgServer;
  let redis: RedisServer;
  let work: string;
  let config: string;
  let appLog: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'nvcops-security-'));
    [server, redis] = await Promise.all([startPostgres({ settings: { log_statement: 'ddl' } }), startRedis(['--requirepass', 'redis-admin-pw'])]);
    // Passwords for everyone but the harness's own superuser, as in production.
    writeFileSync(join(server.dataDir, 'pg_hba.conf'), 'host all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n');
    await server.sql('SELECT pg_reload_conf()');
    await server.sql("CREATE ROLE teller LOGIN PASSWORD 'right-password'; CREATE TABLE vault (secret text)");
    for (let i = 0; i < 6; i++) {
      const c = new pg.Client({ connectionString: server.urlFor('teller', 'postgres', 'wrong-password') });
      await expect(c.connect()).rejects.toThrow(/password authentication failed/);
    }
    const teller = new pg.Client({ connectionString: server.urlFor('teller', 'postgres', 'right-password') });
    await teller.connect();
    await expect(teller.query('SELECT * FROM vault')).rejects.toThrow(/permission denied for table vault/);
    await teller.end();
    await server.sql('GRANT SELECT ON vault TO teller');
    // Redis: three wrong passwords, and a user whose ACL keeps it away from a key.
    for (let i = 0; i < 3; i++) {
      const bad = await execa('redis-cli', ['-p', String(redis.port), '--no-auth-warning', '-a', 'guess', 'PING'], { reject: false });
      expect(bad.stdout + bad.stderr).toMatch(/WRONGPASS|NOAUTH/);
    }
    const admin = new Redis({ port: redis.port, password: 'redis-admin-pw' });
    await admin.call('ACL', 'SETUSER', 'cache-reader', 'on', '>reader-pw', '~cache:*', '+get', '+ping', '+info');
    const reader = new Redis({ port: redis.port, username: 'cache-reader', password: 'reader-pw' });
    await expect(reader.get('accounts:1')).rejects.toThrow(/NOPERM/);
    reader.disconnect();
    admin.disconnect();
    appLog = join(work, 'application.log');
    const now = Date.now();
    const line = (ago: number, o: object) => JSON.stringify({ time: new Date(now - ago).toISOString(), ...o });
    writeFileSync(appLog, [
      line(30 * 3600_000, { level: 'warn', event: 'login_failed', user: 'old', ip: '10.9.9.9', msg: 'outside the window' }),
      line(7200_000, { level: 'info', msg: `refund to ${CARD} after a dispute`, user: 'ops', status: 200 }),
      line(3600_000, { level: 'warn', msg: `account locked for cardholder ${CARD}`, user: 'j.doe' }),
      line(1800_000, { level: 'info', msg: 'request', status: 200 }),
    ].join('\n') + '\n');
    config = writeConfig({
      environment: 'staging',
      logs: { application: appLog, postgres: server.logFile },
      redis: { url: `redis://:redis-admin-pw@127.0.0.1:${redis.port}` },
      state: { path: join(work, 'state') },
    });
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), redis?.stop()]);
  });

  const summary = async (cfg = config) => {
    const r = await nvcops(['health', 'security', '--last-24h', '--config', cfg, '--format', 'json']);
    return { exitCode: r.exitCode, report: JSON.parse(r.stdout) as { events: (SecurityEvent & { reviewed: { by: string; note: string } | null })[]; sources: { name: string; state: string; note: string }[] } };
  };

  it('finds the day\'s events in every source, raises the burst of failed passwords, and exits 2 while high ones are unreviewed', async () => {
    const { exitCode, report } = await summary();
    expect(report.sources.map((s) => [s.name, s.state])).toEqual([['application log', 'read'], ['postgres log', 'read'], ['redis', 'read']]);
    const kinds = report.events.map((e) => `${e.severity} ${e.kind} ${e.source} ${e.user ?? ''}`);
    expect(kinds).toContain('high brute-force postgres log teller');
    // CREATE ROLE and GRANT, both logged under log_statement = ddl.
    expect(kinds.filter((k) => k === 'high privilege-change postgres log ')).toHaveLength(2);
    expect(kinds).toContain('medium access-denied postgres log ');
    expect(kinds).toContain('medium lockout application log j.doe');
    expect(kinds).toContain('low auth-failure redis default');
    expect(kinds).toContain('medium access-denied redis cache-reader');
    expect(report.events.find((e) => e.kind === 'brute-force')!.count).toBe(6);
    expect(report.events.find((e) => e.source === 'redis' && e.kind === 'auth-failure')!.count).toBe(3);
    expect(report.events.map((e) => e.message).join('\n')).toMatch(/statement: GRANT SELECT ON vault TO teller/);
    expect(report.events.map((e) => e.message).join('\n')).toMatch(/CREATE ROLE teller LOGIN PASSWORD '\*\*\*'/);
    expect(kinds.join('\n')).not.toContain(' old');
    expect(exitCode).toBe(2);
    const human = await nvcops(['health', 'security', '--config', config]);
    expect(human.stdout).toMatch(/HIGH: 3 events, 3 unreviewed/);
    expect(human.stdout).toMatch(/6 {2}teller from \? \(postgres log\) {2}brute force/);
    expect(human.stdout).toContain('************1111');
    expect(human.stdout + JSON.stringify(report)).not.toContain(CARD);
    expect(human.stdout + JSON.stringify(report)).not.toContain('right-password');
  });

  it('fails the morning line until the high-severity events are acknowledged, and records who, when and why', async () => {
    const daily = async () => parseReport((await nvcops(['health', 'daily', '--config', config, '--format', 'json'])).stdout).byId['security.alerts-reviewed']!;
    expect(await daily()).toMatchObject({ status: 'fail', observed: { value: 3 } });
    const { report } = await summary();
    const high = report.events.filter((e) => e.severity === 'high').map((e) => e.id);

    const unknown = await nvcops(['health', 'security', 'ack', high[0]!, 'deadbeef00', '--note', 'x', '--config', config]);
    expect(unknown.exitCode).toBe(64);
    expect(unknown.stderr).toMatch(/no security event with id deadbeef00 .*nothing was recorded/);
    const dry = await nvcops(['health', 'security', 'ack', ...high, '--note', 'checked', '--dry-run', '--config', config]);
    expect(dry.stdout).toMatch(/Would acknowledge 3 events/);
    expect((await summary()).report.events.filter((e) => e.reviewed)).toEqual([]);

    const ack = await nvcops(['health', 'security', 'ack', ...high, '--note', 'teller lockout confirmed with branch; grant approved in CHG-1042', '--by', 'a.rivera', '--config', config]);
    expect(ack.exitCode).toBe(0);
    expect(ack.stdout).toMatch(/Recorded 3 acknowledgements/);
    const after = await summary();
    expect(after.exitCode).toBe(0);
    expect(after.report.events.filter((e) => e.reviewed).map((e) => [e.id, e.reviewed!.by, e.reviewed!.note])).toEqual(
      high.map((id) => [id, 'a.rivera', 'teller lockout confirmed with branch; grant approved in CHG-1042']),
    );
    expect(await daily()).toMatchObject({ status: 'pass', observed: { value: 0 } });
    const again = await nvcops(['health', 'security', 'ack', high[0]!, '--note', 'twice', '--config', config]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/Already reviewed, left as they are: .* \(by a\.rivera at /);
    const audit = await nvcops(['audit', 'show', '--action', 'health security ack', '--format', 'json', '--config', config]);
    const records = JSON.parse(audit.stdout) as { by: string; phase: string; details: { note: string; events: { id: string }[] } }[];
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ by: 'a.rivera', phase: 'event', details: { note: 'teller lockout confirmed with branch; grant approved in CHG-1042' } });
    expect(records[0]!.details.events.map((e) => e.id).sort()).toEqual([...high].sort());
  });

  it('a new burst after the review opens the line again; a source it cannot read is an error, not a quiet day', async () => {
    const now = Date.now();
    appendFileSync(appLog, [0, 1, 2, 3, 4].map((k) => JSON.stringify({ time: new Date(now - 60_000 + k * 5000).toISOString(), level: 'warn', event: 'login_failed', user: 'cfo', ip: '198.51.100.4' })).join('\n') + '\n');
    const { exitCode, report } = await summary();
    expect(exitCode).toBe(2);
    expect(report.events.filter((e) => e.severity === 'high' && !e.reviewed).map((e) => `${e.kind} ${e.user} ${e.from}`)).toEqual(['brute-force cfo 198.51.100.4']);
    await nvcops(['health', 'security', 'ack', '--all', '--note', 'cfo travelling, reset done', '--config', config]);
    const limited = writeConfig({ logs: { application: appLog }, redis: { url: `redis://cache-reader:reader-pw@127.0.0.1:${redis.port}` }, state: { path: join(work, 'state') } });
    const blind = await summary(limited);
    expect(blind.exitCode).toBe(3);
    expect(blind.report.sources.find((s) => s.name === 'redis')).toMatchObject({ state: 'error', note: expect.stringContaining('+acl|log') });
    const line = parseReport((await nvcops(['health', 'daily', '--config', limited, '--format', 'json'])).stdout).byId['security.alerts-reviewed']!;
    expect(line).toMatchObject({ status: 'error', message: expect.stringContaining('cannot read redis') });
  });
});

describe('nvcops health security says when it saw nothing', () => {
  const run = async (cfg: string) => {
    const json = await nvcops(['health', 'security', '--config', cfg, '--format', 'json']);
    const human = await nvcops(['health', 'security', '--config', cfg]);
    return { json: JSON.parse(json.stdout) as { exitCode: number; sources: { name: string; state: string; note: string }[] }, exitCode: json.exitCode, human };
  };

  it('exits 3 without a tick when no source is configured, so nothing was read', async () => {
    const work = mkdtempSync(join(tmpdir(), 'nvcops-security-none-'));
    const { json, exitCode, human } = await run(writeConfig({ state: { path: join(work, 'state') } }));
    expect(json.sources.map((s) => s.state)).toEqual(['skipped', 'skipped', 'skipped']);
    expect([exitCode, json.exitCode, human.exitCode]).toEqual([3, 3, 3]);
    expect(human.stdout).not.toContain('✔');
    expect(human.stdout).toMatch(/no source of security events was read/);
  });

  it('an undated log and an empty log are errors, not a clean review', async () => {
    const work = mkdtempSync(join(tmpdir(), 'nvcops-security-blind-'));
    const app = join(work, 'application.log');
    const pgLog = join(work, 'postgresql.log');
    writeFileSync(app, Array.from({ length: 8 }, () => 'Mon 01/05 login failed for user bob from 10.0.0.9').join('\n') + '\n');
    writeFileSync(pgLog, '');
    const cfg = writeConfig({ logs: { application: app, postgres: pgLog }, state: { path: join(work, 'state') } });
    const { json, exitCode, human } = await run(cfg);
    expect(json.sources.map((s) => [s.name, s.state])).toEqual([['application log', 'error'], ['postgres log', 'error'], ['redis', 'skipped']]);
    expect(json.sources[0]!.note).toMatch(/no line had a timestamp nvcops could read \(8 lines without one\)/);
    expect(json.sources[1]!.note).toMatch(/empty/);
    expect([exitCode, human.exitCode]).toEqual([3, 3]);
    expect(human.stdout).not.toContain('✔');
    const line = parseReport((await nvcops(['health', 'daily', '--config', cfg, '--format', 'json'])).stdout).byId['security.alerts-reviewed']!;
    expect(line).toMatchObject({ status: 'error', message: expect.stringContaining('no line had a timestamp nvcops could read') });
  });
});

describe('a review covers the event as it was reviewed, not an attack that kept going', () => {
  type Summary = { exitCode: number; events: (SecurityEvent & { reviewed: { by: string } | null; outgrown: { by: string; count: number | null; severity: string } | null })[] };
  const summary = async (cfg: string) => {
    const r = await nvcops(['health', 'security', '--config', cfg, '--format', 'json']);
    return { ...(JSON.parse(r.stdout) as Summary), exitCode: r.exitCode };
  };
  const ackAll = (cfg: string, note: string) => nvcops(['health', 'security', 'ack', '--all', '--note', note, '--by', 'root', '--config', cfg]);
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis(['--requirepass', 'redis-admin-pw']);
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('a Redis ACL LOG entry acknowledged at 2 failed AUTHs is unreviewed again when it grows to a high brute force', async () => {
    const work = mkdtempSync(join(tmpdir(), 'nvcops-security-grow-'));
    const cfg = writeConfig({ redis: { url: `redis://:redis-admin-pw@127.0.0.1:${redis.port}` }, state: { path: join(work, 'state') } });
    // One connection, one wrong password after another: redis-cli runs the lines of its input in turn.
    const guess = async (n: number) => {
      const r = await execa('redis-cli', ['-p', String(redis.port)], { input: Array.from({ length: n }, (_, i) => `AUTH alice guess-${i}`).join('\n') + '\n' });
      expect(r.stdout.match(/WRONGPASS/g)).toHaveLength(n);
    };
    await guess(2);
    const before = await summary(cfg);
    const alice = before.events.find((e) => e.user === 'alice')!;
    expect(alice).toMatchObject({ kind: 'auth-failure', severity: 'low', count: 2 });
    expect((await ackAll(cfg, 'two typos')).exitCode).toBe(0);
    expect((await summary(cfg)).exitCode).toBe(0);
    await guess(300);
    const after = await summary(cfg);
    const grown = after.events.find((e) => e.id === alice.id)!;
    expect(grown).toMatchObject({ kind: 'brute-force', severity: 'high', count: 302, reviewed: null, outgrown: { by: 'root', count: 2, severity: 'low' } });
    expect(after.exitCode).toBe(2);
    const human = await nvcops(['health', 'security', '--config', cfg]);
    expect(human.stdout).toContain(`UNREVIEWED (reviewed at ×2 low by root; now ×302 high)`);
    expect(human.stdout).not.toContain('✔ every high-severity event has been reviewed');
    const line = parseReport((await nvcops(['health', 'daily', '--config', cfg, '--format', 'json'])).stdout).byId['security.alerts-reviewed']!;
    expect(line).toMatchObject({ status: 'fail', observed: { value: 1 } });
    // Reviewed again at ×302, it holds until it grows once more.
    const again = await ackAll(cfg, 'alice blocked at the firewall');
    expect(again.stdout).toMatch(/again: reviewed at ×2 low by root; now ×302 high/);
    expect((await summary(cfg)).exitCode).toBe(0);
    const audit = JSON.parse((await nvcops(['audit', 'show', '--action', 'health security ack', '--format', 'json', '--config', cfg])).stdout) as { details: { events: { id: string; count: number }[] } }[];
    expect(audit.map((a) => a.details.events.find((e) => e.id === alice.id)!.count)).toEqual([2, 302]);
  });

  it('a brute force in the application log acknowledged at 5 failures is unreviewed again at 170; an unchanged one stays reviewed', async () => {
    const work = mkdtempSync(join(tmpdir(), 'nvcops-security-burst-'));
    const app = join(work, 'application.log');
    const start = Date.now() - 30 * 60_000;
    const fail = (k: number, user: string) => JSON.stringify({ time: new Date(start + k * 1000).toISOString(), level: 'warn', event: 'login_failed', user, ip: '203.0.113.7' });
    writeFileSync(app, [0, 1, 2, 3, 4].flatMap((k) => [fail(k, 'eve'), fail(k, 'mallory')]).join('\n') + '\n');
    const cfg = writeConfig({ logs: { application: app }, state: { path: join(work, 'state') } });
    const first = await summary(cfg);
    const burst = (s: Summary, user: string) => s.events.find((e) => e.kind === 'brute-force' && e.user === user)!;
    expect(burst(first, 'eve')).toMatchObject({ severity: 'high', count: 5 });
    await ackAll(cfg, 'pen test');
    expect((await summary(cfg)).exitCode).toBe(0);
    appendFileSync(app, Array.from({ length: 165 }, (_, i) => fail(5 + i, 'eve')).join('\n') + '\n');
    const later = await summary(cfg);
    expect(burst(later, 'eve')).toMatchObject({ id: burst(first, 'eve').id, count: 170, reviewed: null, outgrown: { count: 5, severity: 'high' } });
    expect(burst(later, 'mallory')).toMatchObject({ id: burst(first, 'mallory').id, count: 5, reviewed: { by: 'root' }, outgrown: null });
    expect(later.exitCode).toBe(2);
    expect((await nvcops(['health', 'security', '--config', cfg])).stdout).toContain('UNREVIEWED (reviewed at ×5 high by root; now ×170 high)');
  });

  it('a review recorded before counts were kept covers a single event, not one that stands for several', () => {
    const event = (count: number, severity: 'high' | 'low' = 'high'): SecurityEvent => ({ id: 'x', time: '2025-07-01T08:00:00.000Z', kind: severity === 'high' ? 'brute-force' : 'auth-failure', severity, source: 'redis', count, message: '' });
    const old: RecordVersion<AckData> = { kind: 'security-ack', id: 'x', version: 1, at: '2025-07-01T09:00:00.000Z', by: 'root', data: { note: 'ok', event: { time: '', kind: 'privilege-change', severity: 'high', source: 'redis', message: '' } } };
    expect(reviewOf(old, event(1))).toMatchObject({ reviewed: { by: 'root', count: null }, outgrown: null });
    expect(reviewOf(old, event(6))).toMatchObject({ reviewed: null, outgrown: { count: null } });
    const low = { ...old, data: { ...old.data, event: { ...old.data.event, severity: 'low' as const, count: 3 } } };
    expect(reviewOf(low, event(3, 'low')).reviewed).not.toBeNull();
    expect(reviewOf(low, event(3)).outgrown).toMatchObject({ severity: 'low', count: 3 });
    expect(reviewOf(low, event(2, 'low')).reviewed).not.toBeNull();
  });
});

describe("privilege changes made by nvcops' own audited actions", () => {
  let server: PgServer;
  beforeAll(async () => {
    // %a in the prefix: the application name is what ties a line to nvcops' session.
    server = await startPostgres({ settings: { log_line_prefix: "'%m [%p] %q%u@%d %a '" } });
    await server.sql('CREATE DATABASE bank');
    const bank = await server.connect('postgres', 'bank');
    await bank.query('CREATE ROLE teller; CREATE TABLE accounts (id int PRIMARY KEY); GRANT SELECT ON accounts TO teller; GRANT teller TO nvcops_monitor');
    await bank.end();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a restore-db by nvcops is shown "by nvcops, audit #N", not as unreviewed high events; the same GRANT from another session under its name is not', async () => {
    const work = mkdtempSync(join(tmpdir(), 'nvcops-audit-link-'));
    const config = writeConfig({
      environment: 'staging', logs: { postgres: server.logFile }, backups: { directory: join(work, 'repo') },
      postgres: { url: server.urlFor('nvcops_monitor', 'bank'), adminUrl: server.urlFor('postgres', 'bank') },
    });
    const run = (args: string[]) => nvcops([...args, '--config', config], { env: { XDG_STATE_HOME: join(work, 'state') } });
    expect((await run(['backup', 'db'])).exitCode).toBe(0);
    await server.sql("ALTER SYSTEM SET log_statement = 'ddl'");
    await server.sql('SELECT pg_reload_conf()');
    // Someone else's session calling itself nvcops, outside any nvcops action: still a privilege change to review.
    const spoof = new pg.Client({ connectionString: server.urlFor('postgres', 'bank'), application_name: 'nvcops' });
    await spoof.connect();
    await spoof.query('GRANT INSERT ON accounts TO teller');
    await spoof.end();
    await new Promise((r) => setTimeout(r, 1500));
    const backupId = JSON.parse((await run(['backup', 'list', '--format', 'json'])).stdout).backups.find((b: { kind: string }) => b.kind === 'db').id;
    const restored = await run(['backup', 'restore-db', '--backup-id', backupId, '--target', 'bank_restored', '--yes']);
    expect(restored.exitCode).toBe(0);

    const json = await run(['health', 'security', '--format', 'json']);
    const events = JSON.parse(json.stdout).events as (SecurityEvent & { reviewed: { by: string } | null })[];
    const changes = events.filter((e) => e.kind === 'privilege-change');
    const byNvcops = changes.filter((e) => e.audit);
    expect(byNvcops.length).toBeGreaterThan(0);
    for (const e of byNvcops) {
      expect(e.message).toMatch(/ nvcops (LOG|STATEMENT):/);
      expect(e.audit).toMatchObject({ action: 'backup restore-db', seq: expect.any(Number) });
      expect(e.reviewed?.by).toBe(`nvcops, audit #${e.audit!.seq}`);
    }
    const open = events.filter((e) => e.severity === 'high' && !e.reviewed);
    expect(open.map((e) => e.message)).toEqual([expect.stringMatching(/ nvcops LOG: {2}statement: GRANT INSERT ON accounts TO teller/)]);
    expect(json.exitCode).toBe(2);
    const human = await run(['health', 'security']);
    expect(human.stdout).toMatch(/reviewed by nvcops, audit #\d+/);
  }, 120_000);
});

describe('a privilege change is linked to an audit record only by its own action, application and time window', () => {
  const audit = (seq: number, action: string, from: string, to: string) =>
    ({ seq, action, phase: 'finished', by: 'ada', startedAt: from, endedAt: to, at: to, operation: `op${seq}`, host: 'h', environment: null, args: [], version: '0', prev: '', hash: '' }) as AuditRecord;
  const line = (time: string, app: string) => parseLine(`${time} UTC [42] postgres@bank ${app} LOG:  statement: GRANT SELECT ON TABLE public.accounts TO teller;`, 'postgresql.log');
  const trail = [audit(7, 'maintain db', '2025-07-01T08:00:00.000Z', '2025-07-01T08:05:00.000Z'), audit(8, 'maintain cache', '2025-07-01T09:00:00.000Z', '2025-07-01T09:05:00.000Z')];

  it('maintain db\'s "nvcops maintenance" session inside its window is by nvcops; another name, time, action or source is not', () => {
    const events = eventsFromLog([
      line('2025-07-01 08:01:00.000', 'nvcops maintenance'),
      line('2025-07-01 08:02:00.000', 'nvcops'),
      line('2025-07-01 08:02:00.000', 'psql'),
      line('2025-07-01 08:06:30.000', 'nvcops maintenance'),
      line('2025-07-01 09:01:00.000', 'nvcops maintenance'),
    ], 'postgres log');
    expect(events.map((e) => e.kind)).toEqual(Array(5).fill('privilege-change'));
    expect(linkToAudit(events, trail).map((e) => e.audit?.seq ?? null)).toEqual([7, null, null, null, null]);
    const linked = linkToAudit(events, trail)[0]!;
    expect(reviewOf(undefined, linked).reviewed).toMatchObject({ by: 'nvcops, audit #7', note: 'maintain db by ada' });
    expect(linkToAudit(eventsFromLog([line('2025-07-01 08:01:00.000', 'nvcops maintenance')], 'application log'), trail)[0]!.audit).toBeUndefined();
  });
});
