import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateIn } from '../src/engine/zoned.js';
import { LocalStore } from '../src/state/local.js';
import type { RunReport } from '../src/engine/report.js';
import { nvcops, writeConfig } from './support/cli.js';
import { startPostgres, type PgServer } from './support/servers.js';
import { entry, report } from './support/state-suite.js';

const stateDir = () => mkdtempSync(join(tmpdir(), 'nvcops-runbook-state-'));

/** A check run as `health daily`/`weekly …` keeps it, in an environment, started at `at`. */
function run(command: string, at: string, environment: string | null, checks: string[] = ['postgres.connect-time']): { at: string; by: string; host: string; command: string; environment: string | null; status: RunReport['status']; exitCode: number; report: RunReport } {
  const r = { ...report(command, at, checks.map((id) => ({ id, value: 1 }))), environment };
  return { at, by: 'ada', host: 'ops1', command, environment, status: r.status, exitCode: r.exitCode, report: r };
}

/** An action's two audit records, as the action framework writes them. */
async function action(store: LocalStore, action: string, startedAt: string, outcome: 'ok' | 'failed' | 'dry-run' | undefined, args: string[], by = 'bo', message?: string, details?: Record<string, unknown>) {
  const operation = `op-${action}-${startedAt}`;
  const base = { operation, by, host: 'ops2', environment: 'staging', args: [...action.split(' '), ...args], startedAt };
  await store.audit.append(entry(action, { ...base, phase: 'started', outcome: undefined, endedAt: undefined }));
  if (outcome) await store.audit.append(entry(action, { ...base, phase: 'finished', outcome, endedAt: startedAt, message, details }));
}

/** A monthly dr-test's finished details as its last step writes them: each drill it ran, judged against the objectives. */
const drTest = (...drills: string[]) => ({
  outcomes: [{ title: 'Compare RTO and RPO with the objectives (RTO ≤ 15m, RPO ≤ 5m)', status: 'done', data: { objectives: { rto: '15m', rpo: '5m' }, drills: drills.map((name) => ({ name, pass: true })) } }],
});

describe('runbook today, from runs and actions recorded in the state store', () => {
  const dir = stateDir();
  const staging = writeConfig({ environment: 'staging', state: { path: dir } });

  beforeAll(async () => {
    const store = LocalStore.open(dir);
    // Monday 2026-12-14, the second Monday of December (EST, UTC-5).
    await store.history.append(run('health daily', '2026-12-14T12:55:00.000Z', 'staging', ['postgres.connect-time', 'security.alerts-reviewed']));
    await store.history.append({ ...run('health daily', '2026-12-14T14:10:00.000Z', 'staging', ['postgres.connect-time', 'security.alerts-reviewed']), by: 'bo' });
    // 23:59 on Sunday in New York, though already Monday in UTC: not Monday's run.
    await store.history.append(run('health db', '2026-12-14T04:59:00.000Z', 'staging'));
    // Monday's capacity review ran, but in production.
    await store.history.append(run('weekly capacity', '2026-12-14T14:00:00.000Z', 'production'));
    // Monday 2026-12-07, the first Monday: the compliance review ran in the afternoon.
    await store.history.append(run('monthly compliance', '2026-12-07T19:30:00.000Z', 'staging', ['postgres.ssl']));
    await action(store, 'monthly dr-test', '2026-12-14T14:00:00.000Z', 'ok', ['--yes', '--confirm-env', 'staging'], 'bo', 'RTO 42 s, RPO 3 min: within objectives', drTest('restore drill', 'failover drill'));
    await action(store, 'maintain db', '2026-12-10T15:00:00.000Z', 'ok', ['--vacuum', '--analyze', '--yes'], 'ada');
    // Monday 2027-01-11, the second Monday of January: the DR test was only a dry run, the weekly maintenance never finished.
    await action(store, 'monthly dr-test', '2027-01-11T14:00:00.000Z', 'dry-run', ['--dry-run']);
    await action(store, 'maintain db', '2027-01-02T15:00:00.000Z', 'ok', ['--vacuum', '--analyze', '--yes'], 'ada');
    await action(store, 'maintain db', '2027-01-09T15:00:00.000Z', 'ok', ['--analyze', '--yes'], 'ada');
    await action(store, 'maintain db', '2027-01-11T16:00:00.000Z', undefined, ['--vacuum', '--analyze', '--yes'], 'ada');
    // Monday 2027-02-08, the second Monday of February: the restore drill alone (--only restore), then a run without dr.replica, so no failover drill.
    await action(store, 'monthly dr-test', '2027-02-08T14:00:00.000Z', 'ok', ['--only', 'restore', '--yes'], 'bo', 'restore drill: RTO 40 s pass, RPO 2 min pass', drTest('restore drill'));
    await action(store, 'monthly dr-test', '2027-02-08T16:00:00.000Z', 'ok', ['--yes'], 'bo', 'restore drill: RTO 41 s pass, RPO 1 min pass', drTest('restore drill'));
    await store.close();
  });

  const today = (args: string[], now: string, config = staging) => nvcops(['runbook', 'today', '--config', config, ...args], { env: { NVCOPS_NOW: now } });

  it('shows what is due on the second Monday, what ran (when, by whom, with what result) and what is overdue', async () => {
    const r = await today([], '2026-12-14T15:30:00Z');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe([
      'Runbook, Monday 2026-12-14 (America/New_York), environment staging: 6 due — 4 done, 1 not yet run, 1 OVERDUE',
      'due            procedure                              command                                status         ran',
      '08:00 EST      Morning Health Check (8:00 AM EST)     nvcops health daily                    ✔ done         09:10 EST by bo: pass — 2 runs',
      '08:00 EST      Morning Health Check (8:00 AM EST)     nvcops health db                       ✖ OVERDUE',
      '08:00 EST      Morning Health Check (8:00 AM EST)     nvcops health security --last-24h      ✔ done         09:10 EST by bo: pass (security.alerts-reviewed: ok) — 2 runs',
      'by end of day  Monday: Capacity Planning              nvcops weekly capacity                 ☐ not yet run',
      'by end of day  Second Monday: Disaster Recovery Test  nvcops monthly dr-test                 ✔ done         09:00 EST by bo: ok (RTO 42 s, RPO 3 min: within objectives)',
      'by end of day  Weekly maintenance                     nvcops maintain db --vacuum --analyze  ✔ done         2026-12-10 10:00 EST by ada: ok',
    ].join('\n'));
    const gate = await today(['--fail-on-overdue'], '2026-12-14T15:30:00Z');
    expect(gate.exitCode).toBe(2);
    expect(gate.stdout).toBe(r.stdout);
  });

  it('gives the runs in JSON, and counts only the environment the configuration names', async () => {
    const r = await today(['--format', 'json'], '2026-12-14T15:30:00Z');
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ date: '2026-12-14', weekday: 'monday', timezone: 'America/New_York', environment: 'staging', summary: { due: 6, done: 4, notRun: 1, overdue: 1, started: 0 }, exitCode: 0 });
    const row = (command: string) => out.due.find((d: { command: string }) => d.command === `nvcops ${command}`);
    expect(row('health daily')).toMatchObject({ dueAt: '2026-12-14T13:00:00.000Z', due: '08:00 EST', status: 'done', late: false, runs: [{ at: '2026-12-14T12:55:00.000Z', by: 'ada', source: 'history', result: 'pass' }, { by: 'bo' }] });
    expect(row('monthly dr-test')).toMatchObject({ status: 'done', runs: [{ at: '2026-12-14T14:00:00.000Z', by: 'bo', host: 'ops2', source: 'audit', result: 'ok' }] });
    expect(row('health db')).toMatchObject({ status: 'overdue', runs: [] });

    const firstMonday = JSON.parse((await today(['--format', 'json', '--date', '2026-12-07'], '2026-12-14T15:30:00Z')).stdout);
    expect(firstMonday.due.find((d: { command: string }) => d.command === 'nvcops monthly compliance')).toMatchObject({
      procedure: 'First Monday: Compliance Review', status: 'done', runs: [{ at: '2026-12-07T19:30:00.000Z', by: 'ada', result: 'pass' }],
    });

    const production = writeConfig({ environment: 'production', state: { path: dir } });
    const prod = JSON.parse((await today(['--format', 'json', '--date', '2026-12-14'], '2026-12-14T15:30:00Z', production)).stdout);
    expect(prod.due.map((d: { command: string; status: string }) => `${d.command}: ${d.status}`)).toEqual([
      'nvcops health daily: overdue', 'nvcops health db: overdue', 'nvcops health security --last-24h: overdue',
      'nvcops weekly capacity: done', 'nvcops monthly dr-test: not-run', 'nvcops maintain db --vacuum --analyze: not-run',
    ]);
  });

  it('does not count a dry run nor a vacuum-less maintain db, and says when an action started but never finished', async () => {
    // --date a day that is over: what did not run is overdue.
    const r = await today(['--date', '2027-01-11', '--fail-on-overdue'], '2027-01-12T06:00:00Z');
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe([
      'Runbook, Monday 2027-01-11 (America/New_York), environment staging: 6 due — 0 done, 1 started, 0 not yet run, 5 OVERDUE',
      'due            procedure                              command                                status                   ran',
      '08:00 EST      Morning Health Check (8:00 AM EST)     nvcops health daily                    ✖ OVERDUE',
      '08:00 EST      Morning Health Check (8:00 AM EST)     nvcops health db                       ✖ OVERDUE',
      '08:00 EST      Morning Health Check (8:00 AM EST)     nvcops health security --last-24h      ✖ OVERDUE',
      'by end of day  Monday: Capacity Planning              nvcops weekly capacity                 ✖ OVERDUE',
      'by end of day  Second Monday: Disaster Recovery Test  nvcops monthly dr-test                 ✖ OVERDUE',
      'by end of day  Weekly maintenance                     nvcops maintain db --vacuum --analyze  … started, not finished  11:00 EST by ada: started',
    ].join('\n'));
    // The day before, the last full weekly maintenance (2027-01-02) is more than the seven days back.
    const before = JSON.parse((await today(['--date', '2027-01-10', '--format', 'json'], '2027-01-10T15:00:00Z')).stdout);
    expect(before.due.at(-1)).toMatchObject({ command: 'nvcops maintain db --vacuum --analyze', status: 'not-run', runs: [], lastBefore: { at: '2027-01-02T15:00:00.000Z', by: 'ada', result: 'ok' } });
  });

  it('does not count a DR test that left out the failover drill: partial, naming what was not judged', async () => {
    const r = await today(['--format', 'json', '--date', '2027-02-08'], '2027-02-08T17:00:00Z');
    const dr = JSON.parse(r.stdout).due.find((d: { command: string }) => d.command === 'nvcops monthly dr-test');
    expect(dr).toMatchObject({ status: 'partial', runs: [], partial: [{ at: '2027-02-08T14:00:00.000Z', missing: ['failover drill'] }, { at: '2027-02-08T16:00:00.000Z', missing: ['failover drill'] }] });
    const human = await today(['--date', '2027-02-08'], '2027-02-08T17:00:00Z');
    expect(human.stdout).toMatch(/Second Monday: Disaster Recovery Test\s+nvcops monthly dr-test\s+◐ partial\s+11:00 EST by bo: ok \(restore drill: RTO 41 s pass, RPO 1 min pass\): failover drill not judged; does not count/);
    expect(human.stdout).toMatch(/^Runbook, Monday 2027-02-08 .*: 6 due — 0 done, 1 partial, /);
    // The day over, a partial DR test fails the gate as an overdue one would.
    expect((await today(['--date', '2027-02-08', '--fail-on-overdue'], '2027-02-09T06:00:00Z')).exitCode).toBe(2);
  });

  it('takes today in the runbook\'s time zone: 23:30 UTC on a Sunday is already Monday in Tokyo', async () => {
    const tokyo = writeConfig({ environment: 'staging', state: { path: stateDir() }, schedule: { timezone: 'Asia/Tokyo' } });
    const out = JSON.parse((await today(['--format', 'json'], '2026-12-13T23:30:00Z', tokyo)).stdout);
    expect(out).toMatchObject({ date: '2026-12-14', timezone: 'Asia/Tokyo' });
    // 8:00 in Tokyo is 23:00 UTC the day before, so the morning check is already overdue at 08:30 there.
    expect(out.due[0]).toMatchObject({ dueAt: '2026-12-13T23:00:00.000Z', due: '08:00 GMT+9', status: 'overdue' });
  });

  it('moves the 8:00 due time with New York\'s clock change, and counts the 23-hour and 25-hour days whole', async () => {
    const empty = writeConfig({ state: { path: stateDir() } });
    const first = async (date: string) => JSON.parse((await today(['--date', date, '--format', 'json'], '2026-11-27T12:00:00Z', empty)).stdout).due[0];
    expect(await first('2026-03-07')).toMatchObject({ dueAt: '2026-03-07T13:00:00.000Z', due: '08:00 EST', countsFrom: '2026-03-07T05:00:00.000Z' });
    expect(await first('2026-03-08')).toMatchObject({ dueAt: '2026-03-08T12:00:00.000Z', due: '08:00 EDT', countsFrom: '2026-03-08T05:00:00.000Z' });
    expect(await first('2026-11-01')).toMatchObject({ dueAt: '2026-11-01T13:00:00.000Z', due: '08:00 EST', countsFrom: '2026-11-01T04:00:00.000Z' });
  });

  it('refuses a day that is not YYYY-MM-DD or out of the calendar\'s range with exit 64, and a time zone that does not exist with exit 78', async () => {
    for (const bad of ['2026-02-29', '2026-13-01', 'tomorrow', '2026-12-14T08:00']) {
      const r = await today(['--date', bad], '2026-12-14T15:30:00Z');
      expect(r.exitCode).toBe(64);
      expect(r.stderr).toMatch(`nvcops: option '--date <YYYY-MM-DD>' argument '${bad}' is invalid. use a day written YYYY-MM-DD, such as 2026-11-30`);
      expect(r.stdout).toBe('');
    }
    // The calendar looks past the day: the last days of year 9999 have no YYYY-MM-DD after them.
    for (const [command, bad] of [['today', '9999-12-31'], ['oncall', '9999-12-31'], ['today', '1969-12-31']]) {
      const r = await nvcops(['runbook', command!, '--config', staging, '--date', bad!], { env: { NVCOPS_NOW: '2026-12-14T15:30:00Z' } });
      expect([r.exitCode, r.stdout, r.stderr]).toEqual([64, '', `nvcops: option '--date <YYYY-MM-DD>' argument '${bad}' is invalid. use a day from 1970-01-01 to 9998-12-31 (run with --help for usage)`]);
    }
    expect((await today(['--date', '9998-12-31'], '2026-12-14T15:30:00Z')).exitCode).toBe(0);
    const r = await today([], '2026-12-14T15:30:00Z', writeConfig({ schedule: { timezone: 'America/New_Yrok' } }));
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toMatch(/schedule\.timezone: an IANA time zone such as America\/New_York$/);
  });

  it('exits 74 with one line when the state store cannot be read', async () => {
    const file = join(stateDir(), 'not-a-directory');
    writeFileSync(file, '');
    const r = await today([], '2026-12-14T15:30:00Z', writeConfig({ state: { path: join(file, 'state') } }));
    expect(r.exitCode).toBe(74);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^nvcops: state: cannot create the state directory .*not-a-directory\/state: ENOTDIR/);
    expect(r.stdout).toBe('');
  });
});

describe('runbook today after real runs against a PostgreSQL server', () => {
  let pg: PgServer;
  beforeAll(async () => { pg = await startPostgres(); });
  afterAll(async () => { await pg?.stop(); });

  it('does not count a run that judged nothing (every check skipped) as done, and says why', async () => {
    const state = stateDir();
    const bare = writeConfig({ environment: 'staging', state: { path: state } });
    const cli = (args: string[], now?: string) => nvcops([...args, '--config', bare, '--by', 'ada'], { env: { XDG_STATE_HOME: state, ...(now && { NVCOPS_NOW: now }) } });
    // Friday 2026-12-18: the weekly performance review is due. With nothing configured it does not run at all (exit 78, nothing kept).
    const unconfigured = await cli(['weekly', 'performance', '--format', 'json'], '2026-12-18T14:00:00Z');
    expect(unconfigured.exitCode).toBe(78);
    expect(await LocalStore.open(state).history.list()).toEqual([]);
    // A run whose every check skipped (its systems configured, nothing to judge yet), as the run history keeps it.
    const skipped = run('weekly performance', '2026-12-18T14:00:00.000Z', 'staging');
    const allSkip: RunReport = { ...skipped.report, status: 'skip', exitCode: 3, summary: { ...skipped.report.summary, pass: 0, skip: 1 },
      items: skipped.report.items.map((i) => ({ ...i, status: 'skip', results: i.results.map((x) => ({ ...x, status: 'skip', observed: null, message: 'not enough data yet' })) })) };
    await LocalStore.open(state).history.append({ ...skipped, status: 'skip', exitCode: 3, report: allSkip });
    // Looked at the next morning: the day is over.
    const r = await cli(['runbook', 'today', '--date', '2026-12-18', '--format', 'json', '--fail-on-overdue'], '2026-12-19T14:00:00Z');
    const row = JSON.parse(r.stdout).due.find((d: { command: string }) => d.command === 'nvcops weekly performance');
    expect(row).toMatchObject({ status: 'overdue', runs: [], judgedNothing: [{ by: 'ada', result: 'skip' }] });
    expect(r.exitCode).toBe(2);
    const human = await cli(['runbook', 'today', '--date', '2026-12-18'], '2026-12-19T14:00:00Z');
    expect(human.stdout).toMatch(/nvcops weekly performance\s+✖ OVERDUE\s+09:00 EST by ada: skip: judged nothing \(every check skipped\); does not count/);
  });

  it('shows a health db run and a weekly maintenance (maintain db --vacuum --analyze) as done, by whom and with what result', async () => {
    const state = stateDir();
    const config = writeConfig({ environment: 'staging', postgres: { url: pg.url }, state: { path: state } });
    const cli = (args: string[]) => nvcops([...args, '--config', config, '--by', 'ada'], { env: { XDG_STATE_HOME: state } });
    await pg.sql('CREATE TABLE accounts (id int PRIMARY KEY, balance numeric)');
    const db = await cli(['health', 'db', '--format', 'json']);
    const dbReport = JSON.parse(db.stdout) as RunReport;
    const dryRun = await cli(['maintain', 'db', '--vacuum', '--analyze', '--table', 'accounts', '--dry-run']);
    expect(dryRun.exitCode).toBe(0);
    const before = JSON.parse((await cli(['runbook', 'today', '--date', dateIn(new Date(dbReport.startedAt), 'America/New_York'), '--format', 'json'])).stdout);
    expect(before.due.at(-1)).toMatchObject({ command: 'nvcops maintain db --vacuum --analyze', runs: [] });
    // No table has dead tuples: the maintenance looks, finds nothing to do, and that is this week's run.
    const vacuum = await cli(['maintain', 'db', '--vacuum', '--analyze', '--yes']);
    expect([vacuum.exitCode, vacuum.stdout]).toEqual([0, expect.stringContaining('nothing to do')]);

    const r = await cli(['runbook', 'today', '--date', dateIn(new Date(dbReport.startedAt), 'America/New_York'), '--format', 'json']);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    const row = (command: string) => out.due.find((d: { command: string }) => d.command === `nvcops ${command}`);
    expect(row('health db')).toMatchObject({ status: 'done', runs: [{ at: dbReport.startedAt, by: 'ada', source: 'history', result: dbReport.status }] });
    expect(row('health daily').status).not.toBe('done');
    expect(row('maintain db --vacuum --analyze')).toMatchObject({ status: 'done', runs: [{ by: 'ada', source: 'audit', result: 'ok' }] });
    expect(row('maintain db --vacuum --analyze').runs).toHaveLength(1);
  });
});
