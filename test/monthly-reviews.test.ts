import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../src/engine/report.js';
import { leastSquares } from '../src/engine/trend.js';
import { controlsOf } from '../src/controls/catalogue.js';
import { procedures } from '../src/runbook/procedures.js';
import { LocalStore } from '../src/state/local.js';
import type { HistoryEntry } from '../src/state/store.js';
import { startAwsEndpoint, type AwsEndpoint } from './support/aws-endpoint.js';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { startPostgres, type PgServer } from './support/servers.js';

const DAY = 86_400_000;
const daysAgo = (d: number) => new Date(Date.now() - d * DAY);
const isoDate = (d: Date) => d.toISOString().slice(0, 10);
const stateDir = () => mkdtempSync(join(tmpdir(), 'nvcops-reviews-state-'));

/** One engineer's terminal on a state directory: the review's config points its store there. */
function terminal(config: Record<string, unknown>) {
  const state = stateDir();
  const path = writeConfig({ environment: 'production', state: { path: state }, ...config });
  const run = (args: string[], at?: Date) => nvcops([...args, '--config', path], { env: at ? { NVCOPS_NOW: at.toISOString() } : {} });
  /** `at`: the review's clock (NVCOPS_NOW), so a trend judged "now" does not drift with a slow machine. */
  const review = async (name: 'security' | 'capacity', at?: Date) => {
    const r = await run(['monthly', name, '--format', 'json'], at);
    expect(r.stderr).toBe('');
    return { exitCode: r.exitCode, ...parseReport(r.stdout) };
  };
  return { state, path, run, review };
}

/** Puts a copy of a real run into a store's run history `days` ago, changed by `edit` (the values a month of mornings would have recorded). */
async function replay(state: string, run: HistoryEntry, days: number, edit?: (report: RunReport) => void): Promise<void> {
  const report = structuredClone(run.report);
  const at = daysAgo(days).toISOString();
  report.startedAt = at;
  edit?.(report);
  const store = LocalStore.open(state);
  try {
    await store.history.append({ at, by: run.by, host: run.host, command: run.command, environment: run.environment, status: report.status, exitCode: report.exitCode, report });
  } finally {
    await store.close();
  }
}

/** The newest run of a command a real CLI run recorded in `state`. */
async function recorded(state: string, command: string): Promise<HistoryEntry> {
  const store = LocalStore.open(state);
  try {
    const runs = await store.history.list({ command });
    expect(runs.length, `a ${command} run in ${state}`).toBeGreaterThan(0);
    return runs.at(-1)!;
  } finally {
    await store.close();
  }
}

const setObserved = (report: RunReport, id: string, value: number) => {
  for (const r of report.items.flatMap((i) => i.results)) if (r.id === id && r.observed) r.observed.value = value;
};

describe('the monthly reviews\' controls', () => {
  it.each(['monthly security', 'monthly capacity'] as const)('%s: every automated control names checks of the review, each under one control; a manual one has its own check', (id) => {
    const checks = procedures[id].items.flatMap((i) => i.checks);
    const controls = controlsOf(id);
    const judged = controls.flatMap((c) => c.checks);
    expect(new Set(judged).size).toBe(judged.length);
    for (const c of controls) {
      if (c.manual) expect(c.checks, c.id).toHaveLength(1);
      else expect(c.checks.length, c.id).toBeGreaterThan(0);
    }
    for (const check of judged) expect(checks, check).toContain(check);
  });
});

describe('monthly security: Third Monday Security Assessment', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
    await pg.sql(`CREATE ROLE app LOGIN PASSWORD 'app-pw' VALID UNTIL '2099-01-01'`);
    await pg.sql(`CREATE TABLE accounts (id int); GRANT SELECT ON accounts TO app`);
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('passes when the access audit ran this month with no findings, a drill was held and resolved, and the manual lines are attested', async () => {
    const t = terminal({ postgres: { url: pg.url }, security: { lastPenetrationTest: isoDate(daysAgo(120)) } });
    const audit = await t.run(['maintain', 'access', '--format', 'json']);
    expect(audit.exitCode, audit.stdout).toBe(0);

    // A drill run end to end ten days ago: opened, acknowledged, investigated, resolved.
    const opened = await t.run(['incident', 'open', '--drill', '--severity', 'P1', '--title', 'Payments API returning 503', '--no-checks', '--by', 'ada'], daysAgo(10));
    expect(opened.exitCode).toBe(0);
    expect(opened.stdout).toMatch(/^INC-1 opened: \[P1 High\] DRILL: Payments API returning 503/);
    await t.run(['incident', 'ack', 'INC-1', '--by', 'ada'], new Date(daysAgo(10).getTime() + 3 * 60_000));
    await t.run(['incident', 'note', '--id', 'INC-1', 'failed over to the standby pool', '--by', 'ada'], new Date(daysAgo(10).getTime() + 20 * 60_000));
    const resolved = await t.run(['incident', 'resolve', 'INC-1', '--note', 'drill complete', '--by', 'ada'], new Date(daysAgo(10).getTime() + 45 * 60_000));
    expect(resolved.exitCode).toBe(0);
    const list = await t.run(['incident', 'list', '--all']);
    expect(list.stdout).toMatch(/INC-1\s+P1\s+resolved\s+.*DRILL: Payments API returning 503/);
    expect(JSON.parse((await t.run(['incident', 'list', '--all', '--format', 'json'])).stdout)[0]).toMatchObject({ id: 'INC-1', drill: true });
    expect((await t.run(['incident', 'show', 'INC-1'])).stdout).toMatch(/INC-1 \[P1 High\] DRILL: Payments API returning 503/);

    const before = await t.review('security');
    expect(before.exitCode).toBe(3);
    expect(before.byId['security.penetration-testing-review']).toMatchObject({
      status: 'manual', message: 'not attested (valid for 35d); when done: nvcops monthly security --attest penetration-testing-review --by NAME --note "…"',
    });

    const attest = await t.run(['monthly', 'security', '--attest', 'penetration-testing-review', '--by', 'Sam Security', '--note', 'Q3 external test: 2 medium findings, both fixed (SEC-88)']);
    expect(attest.exitCode, attest.stderr).toBe(0);
    expect(attest.stdout).toMatch(/^Attested penetration-testing-review \(Penetration testing review\) in production by Sam Security at /);
    expect((await t.run(['monthly', 'security', '--attest', 'security-policy-updates', '--by', 'Sam Security', '--note', 'password policy v4 published'])).exitCode).toBe(0);

    const { exitCode, byId, report, line } = await t.review('security');
    expect(exitCode, JSON.stringify(report.items, null, 1)).toBe(0);
    expect(report.items.map((i) => [i.title, i.status])).toEqual([
      ['Penetration testing review', 'pass'], ['Access control audit', 'pass'], ['Security policy updates', 'pass'], ['Incident response drill', 'pass'],
    ]);
    expect(byId['security.penetration-test']).toMatchObject({ observed: { value: 120, unit: 'days' }, threshold: { fail: '> 365 days' } });
    expect(byId['security.penetration-testing-review']!.message).toBe(`attested by Sam Security on ${byId['security.penetration-testing-review']!.message.match(/on (\S+):/)![1]}: Q3 external test: 2 medium findings, both fixed (SEC-88)`);
    expect(byId['security.access-audit-age']!.observed!.value).toBe(0);
    expect(byId['security.access-audit-age']!.message).toMatch(/^last nvcops maintain access 0 days ago \(\d{4}-\d\d-\d\d, by \S+\): pass$/);
    expect(byId['security.access-audit-findings']).toMatchObject({ status: 'pass', message: expect.stringMatching(/: 0 high, 0 medium, \d+ low findings; not audited: access\.redis-users$/) });
    expect(byId['security.incident-drill']).toMatchObject({ status: 'pass', observed: { value: 10, unit: 'days' } });
    expect(byId['security.incident-drill']!.message).toBe(`last drill INC-1 [P1] 10 days ago (${isoDate(daysAgo(10))}): resolved ${isoDate(new Date(daysAgo(10).getTime() + 45 * 60_000))} by ada`);
    expect(byId['security.incident-drill']!.details).toEqual([
      'INC-1: Payments API returning 503 — opened by ada',
      'acknowledged: 3 min (target 5 min); response: 20 min (target 1 hour); resolved: 45 min',
      '1 drill recorded in environment production',
    ]);
    expect(line('Incident response drill').results).toHaveLength(1);
  });

  it('fails a stale access audit, an audit with high findings, a missing or old drill and an old penetration test', async () => {
    // The real audit of a careless server: a second superuser is a high finding.
    await pg.sql(`CREATE ROLE dba LOGIN SUPERUSER PASSWORD 'dba-pw'`);
    try {
      const careless = terminal({ postgres: { url: pg.url } });
      expect((await careless.run(['maintain', 'access'])).exitCode).toBe(2);
      const { byId } = await careless.review('security');
      expect(byId['security.access-audit-findings']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^nvcops maintain access of \d{4}-\d\d-\d\d: [1-9]\d* high, /) });
      expect(byId['security.access-audit-findings']!.details).toContainEqual(expect.stringMatching(/^\[high\] dba: /));
      expect(byId['security.access-audit-age']!.status).toBe('pass');
      expect(byId['security.penetration-test']).toMatchObject({ status: 'skip', message: expect.stringContaining('set security.lastPenetrationTest') });

      // That same audit, recorded 40 days ago and not since: the month had no access control audit.
      const stale = terminal({ security: { lastPenetrationTest: isoDate(daysAgo(400)) } });
      await replay(stale.state, await recorded(careless.state, 'maintain access'), 40);
      // A real incident this week is not a drill; a drill 50 days ago is too old.
      await stale.run(['incident', 'open', '--severity', 'P2', '--title', 'Statements page slow', '--no-checks'], daysAgo(2));
      const s = await stale.review('security');
      expect(s.byId['security.access-audit-age']).toMatchObject({ status: 'fail', observed: { value: 40, unit: 'days' } });
      expect(s.byId['security.penetration-test']).toMatchObject({ status: 'fail', observed: { value: 400 }, message: `last penetration test report dated ${isoDate(daysAgo(400))}, 400 days ago` });
      expect(s.byId['security.incident-drill']).toMatchObject({
        status: 'fail', observed: null,
        message: 'no incident response drill recorded in environment production: run one and record it with nvcops incident open --drill --severity P1 --title "…", then ack, note and resolve it',
      });
      expect(s.exitCode).toBe(2);

      const minutesAfter = (d: Date, m: number) => new Date(d.getTime() + m * 60_000);
      await stale.run(['incident', 'open', '--drill', '--severity', 'P0', '--title', 'Ledger database lost', '--no-checks', '--by', 'bo'], daysAgo(50));
      expect((await stale.run(['incident', 'list'])).stdout).toMatch(/— 2 open \(1 is a drill\), /);
      await stale.run(['incident', 'ack', 'INC-2', '--by', 'bo'], minutesAfter(daysAgo(50), 2));
      await stale.run(['incident', 'resolve', 'INC-2', '--note', 'drill complete', '--by', 'bo'], minutesAfter(daysAgo(50), 30));
      const old = await stale.review('security');
      expect(old.byId['security.incident-drill']).toMatchObject({ status: 'fail', observed: { value: 50 } });
      expect(old.byId['security.incident-drill']!.message).toMatch(/^last drill INC-2 \[P0\] 50 days ago \(\d{4}-\d\d-\d\d\): resolved \d{4}-\d\d-\d\d by bo$/);
      expect(old.byId['security.incident-drill']!.details![1]).toBe('acknowledged: 2 min (target 5 min); response: not done (target Immediate); resolved: 30 min');

      // Never audited at all.
      const never = await terminal({}).review('security');
      expect(never.byId['security.access-audit-age']).toMatchObject({ status: 'fail', message: 'no access control audit recorded in environment production: run nvcops maintain access' });
      expect(never.byId['security.access-audit-findings']!.status).toBe('error');
    } finally {
      await pg.sql('DROP ROLE dba');
    }
  });

  it('reads a team\'s shared store (state.url): what one engineer recorded passes the review another runs', async () => {
    await pg.sql('CREATE DATABASE reviews_state');
    const shared = { postgres: { url: pg.url }, state: { url: pg.urlFor('postgres', 'reviews_state') } };
    const ada = terminal(shared);
    expect((await ada.run(['maintain', 'access'])).exitCode).toBe(0);
    await ada.run(['incident', 'open', '--drill', '--severity', 'P2', '--title', 'Redis failover tabletop', '--no-checks'], daysAgo(3));
    await ada.run(['incident', 'ack', 'INC-1'], daysAgo(3));
    await ada.run(['incident', 'resolve', 'INC-1', '--note', 'tabletop done'], daysAgo(3));
    const { byId } = await terminal(shared).review('security');
    expect(byId['security.access-audit-age']).toMatchObject({ status: 'pass', observed: { value: 0 } });
    expect(byId['security.access-audit-findings']!.status).toBe('pass');
    expect(byId['security.incident-drill']).toMatchObject({ status: 'pass', observed: { value: 3 } });
    // A review with its own local store has seen none of it.
    expect((await terminal({}).review('security')).byId['security.incident-drill']!.status).toBe('fail');
  });

  it('a drill counts once acknowledged and resolved: one opened and left, or resolved without acknowledgement, exercised nothing', async () => {
    const t = terminal({});
    await t.run(['incident', 'open', '--drill', '--severity', 'P1', '--title', 'Card gateway tabletop', '--no-checks', '--by', 'ada'], daysAgo(6));
    await t.run(['incident', 'resolve', 'INC-1', '--note', 'closed the exercise', '--by', 'ada'], daysAgo(6));
    await t.run(['incident', 'open', '--drill', '--severity', 'P1', '--title', 'Payments tabletop', '--no-checks', '--by', 'ada'], daysAgo(3));
    const { byId } = await t.review('security');
    expect(byId['security.incident-drill']).toMatchObject({ status: 'fail', observed: null });
    expect(byId['security.incident-drill']!.message).toBe(`no incident response drill in environment production was acknowledged and resolved: INC-1 opened ${isoDate(daysAgo(6))} does not count: resolved without acknowledgement: the 5-minute acknowledgement was never exercised; INC-2 opened ${isoDate(daysAgo(3))} does not count: still open, never acknowledged: resolve it with nvcops incident resolve INC-2 --note "…"`);

    // An earlier drill run end to end still counts, and the later one left open is named beside it.
    await t.run(['incident', 'open', '--drill', '--severity', 'P2', '--title', 'Redis failover tabletop', '--no-checks', '--by', 'bo'], daysAgo(20));
    await t.run(['incident', 'ack', 'INC-3', '--by', 'bo'], daysAgo(20));
    await t.run(['incident', 'resolve', 'INC-3', '--note', 'tabletop done', '--by', 'bo'], daysAgo(20));
    const after = (await t.review('security')).byId['security.incident-drill']!;
    expect(after).toMatchObject({ status: 'pass', observed: { value: 20 } });
    expect(after.message).toMatch(/^last drill INC-3 \[P2\] 20 days ago/);
    expect(after.details).toContainEqual(`INC-2 opened ${isoDate(daysAgo(3))} does not count: still open, never acknowledged: resolve it with nvcops incident resolve INC-2 --note "…"`);
  });

  it('turns the attested lines red when the audit trail holding the attestations was edited', async () => {
    const t = terminal({});
    expect((await t.run(['monthly', 'security', '--attest', 'security-policy-updates', '--by', 'Sam Security', '--note', 'policy v4 published'])).exitCode).toBe(0);
    expect((await t.review('security')).byId['security.policy-updates']!.status).toBe('pass');
    const file = join(t.state, 'audit.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').replace('policy v4 published', 'policy v5 published'));
    const { byId, line } = await t.review('security');
    expect(byId['security.policy-updates']).toMatchObject({
      status: 'fail', message: 'the audit trail failed verification at seq 1 (edited): attestations and waivers are untrusted — run nvcops audit verify',
    });
    expect(line('Security policy updates').status).toBe('fail');
  });

  it('refuses to attest an automated line or without --by and --note, recording nothing', async () => {
    const t = terminal({});
    const automated = await t.run(['monthly', 'security', '--attest', 'incident-response-drill', '--by', 'Sam', '--note', 'n']);
    expect(automated.exitCode).toBe(64);
    expect(automated.stderr).toMatch(/--attest: unknown manual control "incident-response-drill" \(incident-response-drill is checked automatically; it can be waived, not attested\); allowed: penetration-testing-review, security-policy-updates/);
    const noNote = await t.run(['monthly', 'security', '--attest', 'security-policy-updates', '--by', 'Sam']);
    expect(noNote.exitCode).toBe(64);
    expect(noNote.stderr).toMatch(/--note is required/);
    const { byId } = await t.review('security');
    expect(byId['security.policy-updates']!.status).toBe('manual');
  });

  it('waives an automated line until its expiry: reported waived with what the check found, never passed', async () => {
    const t = terminal({});
    const until = isoDate(new Date(Date.now() + 10 * DAY));
    const w = await t.run(['monthly', 'security', '--waive', 'incident-response-drill', '--by', 'Sam Security', '--reason', 'drill moved to January: change freeze', '--until', until]);
    expect(w.exitCode, w.stderr).toBe(0);
    const { byId, line } = await t.review('security');
    expect(byId['security.incident-drill']).toMatchObject({ status: 'waived', observed: null });
    expect(byId['security.incident-drill']!.message).toMatch(new RegExp(`^waived by Sam Security on \\S+ until ${until}: drill moved to January: change freeze \\(the check found: fail — no incident response drill recorded`));
    expect(line('Incident response drill').status).toBe('waived');
    // The waiver covers its own line only.
    expect(byId['security.access-audit-age']!.status).toBe('fail');
  });
});

describe('a month of equal values', () => {
  it('is a flat trend that fits, not noise', () => {
    // Thirty mornings of 0.7: the mean of thirty 0.7s is not exactly 0.7 in floating point.
    const v = 0.7;
    expect(leastSquares(Array.from({ length: 30 }, (_, i) => ({ x: -i - 0.1, y: v })))).toEqual({ slope: 0, intercept: v, r2: 1, n: 30 });
    expect(leastSquares([0, 0, 0].map((x) => ({ x, y: v })))).toBeUndefined();
  });
});

describe('monthly capacity: Fourth Monday Capacity Planning', () => {
  let pg: PgServer;
  let aws: AwsEndpoint;
  let weekly: { passing: HistoryEntry; warning: HistoryEntry };
  let healthDb: HistoryEntry;

  beforeAll(async () => {
    [pg, aws] = await Promise.all([startPostgres({ settings: { max_connections: 20 } }), startAwsEndpoint()]);
    // Real runs to replay: health db against a real server, weekly capacity through the real SDK.
    const source = terminal({ postgres: { url: pg.url } });
    expect((await source.run(['health', 'db'])).exitCode).toBeLessThan(3);
    healthDb = await recorded(source.state, 'health db');

    const awsConfig = { loadBalancer: 'app/bank-api/50dc6c495c0c9188', autoScalingGroups: ['bank-api'], rds: { instances: [{ id: 'bank-db', maxConnections: 500 }] } };
    const cap = terminal({ aws: awsConfig });
    const weeklyRun = async (connectionsPerDay: number) => {
      aws.reset();
      const end = Math.floor(Date.now() / DAY) * DAY;
      aws.metric('AWS/EC2', 'CPUUtilization', { AutoScalingGroupName: 'bank-api' }, () => 45);
      aws.metric('AWS/RDS', 'CPUUtilization', { DBInstanceIdentifier: 'bank-db' }, () => 30);
      // 300 connections of 500, growing `connectionsPerDay` a day.
      aws.metric('AWS/RDS', 'DatabaseConnections', { DBInstanceIdentifier: 'bank-db' }, (m) => 300 + (connectionsPerDay * (m * 1000 - end)) / DAY);
      aws.metric('AWS/RDS', 'FreeStorageSpace', { DBInstanceIdentifier: 'bank-db' }, () => 150 * 1024 ** 3);
      aws.metric('AWS/ApplicationELB', 'RequestCount', { LoadBalancer: awsConfig.loadBalancer }, () => 1000);
      aws.metric('AWS/AutoScaling', 'GroupDesiredCapacity', { AutoScalingGroupName: 'bank-api' }, () => 4);
      aws.metric('AWS/AutoScaling', 'GroupMaxSize', { AutoScalingGroupName: 'bank-api' }, () => 10);
      aws.groups = [{ name: 'bank-api', min: 2, max: 10, desired: 4, instances: [{ id: 'i-0aaa' }, { id: 'i-0bbb' }, { id: 'i-0ccc' }, { id: 'i-0ddd' }] }];
      const r = await nvcops(['weekly', 'capacity', '--config', cap.path], { env: aws.env() });
      expect(r.exitCode, r.stdout).toBeLessThan(2);
      return recorded(cap.state, 'weekly capacity');
    };
    weekly = { passing: await weeklyRun(0), warning: await weeklyRun(10) };
    expect(weekly.passing.status).toBe('pass');
    expect(weekly.warning.status).toBe('warn');
  });
  afterAll(async () => {
    await Promise.all([pg?.stop(), aws?.stop()]);
  });

  it('reviews a month with a weekly capacity run every Monday, flat performance trends, costs within budget, attested lines', async () => {
    const t = terminal({
      capacity: {
        costs: [
          { name: 'RDS bank-db', monthly: 4200, currency: 'USD', owner: 'dba team', budget: 5000 },
          { name: 'EC2 bank-api', monthly: 2600, currency: 'USD', budget: 3000 },
          { name: 'CloudFront', monthly: 310.5, currency: 'EUR' },
        ],
      },
    });
    for (const d of [1, 8, 15, 22]) await replay(t.state, weekly.passing, d);
    for (let d = 30; d >= 1; d--) await replay(t.state, healthDb, d + 0.1);
    await t.run(['monthly', 'capacity', '--attest', 'cost-optimization-analysis', '--by', 'Rita Ops', '--note', 'reserved instances for bank-db, FIN-7']);
    await t.run(['monthly', 'capacity', '--attest', 'technology-roadmap-update', '--by', 'Rita Ops', '--note', 'roadmap v12: PG 17 upgrade in Q1']);

    const { exitCode, byId, report } = await t.review('capacity');
    expect(exitCode, JSON.stringify(report.items, null, 1)).toBe(0);
    expect(report.items.map((i) => [i.title, i.status])).toEqual([
      ['Infrastructure scaling review', 'pass'], ['Cost optimization analysis', 'pass'], ['Performance trend analysis', 'pass'], ['Technology roadmap update', 'pass'],
    ]);
    expect(byId['capacity.weekly-runs']).toMatchObject({ observed: { value: 4 }, message: '4 of the last 4 weeks had a weekly capacity run (4 runs)' });
    expect(byId['capacity.scaling-findings']!.message).toMatch(/^4 weekly capacity runs since \d{4}-\d\d-\d\d, latest \d{4}-\d\d-\d\d pass; no recurring warnings$/);
    expect(byId['capacity.costs']).toMatchObject({ observed: { value: 0 }, message: '3 cost items, 6,800 USD a month (budget 8,000 USD for 2 of 2 items); 310.5 EUR a month' });
    expect(byId['capacity.costs']!.details).toEqual([
      'EC2 bank-api: 2,600 USD, 87% of its budget 3,000 USD',
      'RDS bank-db (dba team): 4,200 USD, 84% of its budget 5,000 USD',
      'CloudFront: 310.5 EUR, no budget set',
    ]);
    expect(byId['capacity.performance-forecast']!.message).toMatch(/^nothing trends toward its fail level \(\d+ measured checks, 30 runs on 30 days\)$/);
    expect(byId['capacity.performance-change']).toMatchObject({ observed: { value: 0 } });
    expect(byId['capacity.performance-change']!.details).toContainEqual(expect.stringMatching(/^postgres\.connection-saturation: latest [\d.]+%.*R² 1, better by 0% over the month, not heading to its fail level >= 90%$/));
    expect(byId['capacity.technology-roadmap']!.message).toMatch(/^attested by Rita Ops on .*: roadmap v12: PG 17 upgrade in Q1$/);
  });

  it('flags missed Mondays, warnings that recur through the month, a worsening trend and an item over budget', async () => {
    // The review judges the month as of when the history was laid down: minutes later on a slow machine, the fitted line's "now" moved enough to round 150.5% up.
    const now = new Date();
    const t = terminal({ capacity: { costs: [{ name: 'RDS bank-db', monthly: 5600, currency: 'USD', owner: 'dba team', budget: 5000 }] } });
    await replay(t.state, weekly.warning, 20);
    await replay(t.state, weekly.warning, 6);
    // A run that judged nothing (every check skipped) holds no review for its week.
    await replay(t.state, weekly.passing, 13, (r) => {
      for (const item of r.items) for (const x of item.results) x.status = 'skip';
      r.summary = { ...r.summary, pass: 0, warn: 0, fail: 0, error: 0, waived: 0, manual: 0, skip: r.summary.total };
      r.status = 'skip';
      r.exitCode = 3;
    });
    // Connection saturation climbs 1.5 points a day, from 30% to 73.5% over the month: past 90% in about 11 days.
    for (let d = 30; d >= 1; d--) await replay(t.state, healthDb, d + 0.1, (r) => setObserved(r, 'postgres.connection-saturation', 75 - 1.5 * d));

    const { exitCode, byId } = await t.review('capacity', now);
    expect(exitCode).toBe(2);
    expect(byId['capacity.weekly-runs']).toMatchObject({ status: 'warn', observed: { value: 2 }, message: '2 of the last 4 weeks had a weekly capacity run (2 runs)' });
    expect(byId['capacity.weekly-runs']!.details!.filter((d) => d.endsWith('no weekly capacity run'))).toHaveLength(1);
    expect(byId['capacity.weekly-runs']!.details).toContainEqual(expect.stringMatching(/: \d{4}-\d\d-\d\d judged nothing \(every check skipped\) \(by \S+\)$/));
    expect(byId['capacity.scaling-findings']).toMatchObject({ status: 'warn', observed: { value: 1 } });
    expect(byId['capacity.scaling-findings']!.message).toMatch(/; recurring: aws\.capacity-db-connections$/);
    expect(byId['capacity.scaling-findings']!.details![0]).toMatch(/^aws\.capacity-db-connections: warn or fail in 2 of 2 runs; latest warn — /);
    expect(byId['capacity.costs']).toMatchObject({ status: 'fail', observed: { value: 1 }, message: '1 cost items, 5,600 USD a month (budget 5,000 USD for 1 of 1 items); over budget: RDS bank-db' });
    expect(byId['capacity.costs']!.details).toEqual(['RDS bank-db (dba team): 5,600 USD, 112% of its budget 5,000 USD — OVER by 600 USD']);

    const forecast = byId['capacity.performance-forecast']!;
    expect(forecast.status).toBe('warn');
    // The fitted line is 75.15% now and climbs 1.5 points a day: 14.85 points to go.
    expect(forecast.observed!.value).toBe(9.9);
    expect(forecast.message).toMatch(/^postgres\.connection-saturation reaches its fail level >= 90% in 9\.9 days at its trend \(\d+ measured checks, 30 runs on 30 days\)$/);
    expect(forecast.details![0]).toMatch(/^postgres\.connection-saturation: latest 73\.5% \(30 values\), trend \+1\.5%\/day, R² 1, worse by 150\.5% over the month, 9\.9 days to its fail level >= 90%$/);
    const change = byId['capacity.performance-change']!;
    expect(change).toMatchObject({ status: 'fail', observed: { value: 150.5 }, message: expect.stringMatching(/^postgres\.connection-saturation got worse by 150\.5% over the month/) });
  });

  it('rounds toward the worse side, never across a level: 6.96 days to a fail level fails (< 7 days), 50.04% worse fails (> 50%)', async () => {
    // Saturation climbs 1.5 points a day; the fitted line is 0.15 above the last value now: 90 − 79.56 = 10.44 points, 6.96 days.
    const soon = terminal({});
    for (let d = 30; d >= 1; d--) await replay(soon.state, healthDb, d + 0.1, (r) => setObserved(r, 'postgres.connection-saturation', 79.41 - 1.5 * d));
    const forecast = (await soon.review('capacity')).byId['capacity.performance-forecast']!;
    expect(forecast).toMatchObject({ status: 'fail', observed: { value: 6.9 } });
    expect(forecast.details![0]).toMatch(/, 6\.9 days to its fail level >= 90%$/);
    // Saturation climbs 0.5 a day from a start of `a − 15` to `a + 0.05` now: 15.05 points, 50.04% of the start.
    const a = 15 + 15.05 / 0.5004;
    const worse = terminal({});
    for (let d = 30; d >= 1; d--) await replay(worse.state, healthDb, d + 0.1, (r) => setObserved(r, 'postgres.connection-saturation', a - 0.5 * d));
    const change = (await worse.review('capacity')).byId['capacity.performance-change']!;
    expect(change).toMatchObject({ status: 'fail', observed: { value: 50.1 } });
    expect(change.details).toContainEqual(expect.stringMatching(/^postgres\.connection-saturation: .*, worse by 50\.1% over the month, /));
  });

  it('does not judge a value that wanders without a direction (a weak fit), however high it swings', async () => {
    const t = terminal({});
    for (let d = 30; d >= 1; d--) await replay(t.state, healthDb, d + 0.1, (r) => setObserved(r, 'postgres.connection-saturation', d % 2 ? 20 : 85));
    const { byId } = await t.review('capacity');
    expect(byId['capacity.performance-forecast']!.status).toBe('pass');
    expect(byId['capacity.performance-change']).toMatchObject({ status: 'pass', observed: { value: 0 } });
    expect(byId['capacity.performance-forecast']!.details).toContainEqual(expect.stringMatching(/^postgres\.connection-saturation: latest 20% \(30 values\), trend .*, R² 0(\.0\d)? \(weak fit: not judged\), /));
  });

  it('says how much history it has when a month is missing, and fails a month without any weekly capacity run', async () => {
    const t = terminal({});
    for (const d of [3, 2, 1]) await replay(t.state, healthDb, d);
    const { exitCode, byId } = await t.review('capacity');
    expect(exitCode).toBe(2);
    expect(byId['capacity.performance-forecast']).toMatchObject({
      status: 'error',
      message: 'not enough history: 3 runs of health daily or health db on 3 days in the last 35 days; a month\'s trend needs runs on 7 or more days (the morning health check runs every day)',
    });
    expect(byId['capacity.weekly-runs']).toMatchObject({ status: 'fail', observed: { value: 0 }, message: 'no weekly capacity run in the last 4 weeks in environment production: run nvcops weekly capacity every Monday' });
    expect(byId['capacity.scaling-findings']!.status).toBe('error');
    expect(byId['capacity.costs']).toMatchObject({ status: 'skip', message: expect.stringContaining('capacity.costs[]') });
  });

  it('waives a manual line (reported waived, never passed) and rejects a malformed cost item with exit 78 naming the key', async () => {
    const t = terminal({});
    const until = isoDate(new Date(Date.now() + 20 * DAY));
    const w = await t.run(['monthly', 'capacity', '--waive', 'technology-roadmap-update', '--by', 'Rita Ops', '--reason', 'roadmap frozen during the core banking migration', '--until', until]);
    expect(w.exitCode, w.stderr).toBe(0);
    const { byId, line } = await t.review('capacity');
    expect(byId['capacity.technology-roadmap']).toMatchObject({ status: 'waived', message: expect.stringMatching(new RegExp(`^waived by Rita Ops on .* until ${until}: roadmap frozen during the core banking migration$`)) });
    expect(line('Technology roadmap update').status).toBe('waived');

    const bad = await nvcops(['monthly', 'capacity', '--config', writeConfig({ capacity: { costs: [{ name: 'RDS', monthly: 10, currency: 'dollars' }] } })]);
    expect(bad.exitCode).toBe(78);
    expect(bad.stderr).toMatch(/: capacity\.costs\[0\]\.currency: an ISO 4217 currency code such as USD or EUR$/);
  });
});
