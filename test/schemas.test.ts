import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_NAMES, type SchemaName } from '../src/report/schemas.js';
import { JSON_OUTPUTS } from '../src/report/schema-names.js';
import { startAwsEndpoint, type AwsEndpoint } from './support/aws-endpoint.js';
import { CLI, nvcops, writeConfig } from './support/cli.js';
import { schemaValidator } from './support/schemas.js';
import { startPostgres, type PgServer } from './support/servers.js';

const NAMES = SCHEMA_NAMES;
type Name = SchemaName;
/** The schemas a real output was validated against in this file: the last test asks for every one. */
const validated = new Set<Name>();

/** Each schema as `nvcops schema <name>` prints it, compiled by ajv (draft 2020-12, formats checked). */
const validators = new Map<Name, (data: unknown) => string[]>();
const errorsOf = (name: Name, data: unknown): string[] => validators.get(name)!(data);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** A real output validates, and the same output broken by `mutate` is rejected. */
function validatesAndCatches(name: Name, output: unknown, mutate: (o: any) => void): void {
  expect(errorsOf(name, output)).toEqual([]);
  validated.add(name);
  const broken = clone(output);
  mutate(broken);
  expect(errorsOf(name, broken).length).toBeGreaterThan(0);
}

describe('published JSON Schemas validate real outputs', () => {
  let pg: PgServer;
  const state = mkdtempSync(join(tmpdir(), 'nvcops-schemas-state-'));
  const env = { XDG_STATE_HOME: state };
  let config: string;
  let anchored: string;
  let fleet: string;
  let log: string;
  /** Event ids of health security, acknowledged later. */
  let eventIds: string[] = [];
  const json = async (args: string[], opts: { exitCode?: number; cfg?: string; env?: Record<string, string> } = {}) => {
    const r = await nvcops([...args, '--config', opts.cfg ?? config, '--format', 'json'], { env: { ...env, ...opts.env }, timeoutMs: 120_000 });
    expect({ args, exitCode: r.exitCode, stderr: r.exitCode === (opts.exitCode ?? 0) ? '' : r.stderr }).toEqual({ args, exitCode: opts.exitCode ?? 0, stderr: '' });
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    pg = await startPostgres();
    const work = mkdtempSync(join(tmpdir(), 'nvcops-schemas-'));
    const appLog = join(work, 'application.log');
    const now = Date.now();
    const line = (ago: number, o: object) => JSON.stringify({ time: new Date(now - ago).toISOString(), ...o });
    writeFileSync(appLog, [
      ...Array.from({ length: 6 }, (_, i) => line(3600_000 - i * 1000, { level: 'warn', event: 'login_failed', user: 'teller7', ip: '10.1.2.3', msg: 'login failed' })),
      line(1800_000, { level: 'warn', msg: 'account locked', user: 'j.doe' }),
    ].join('\n') + '\n');
    config = writeConfig({ environment: 'staging', postgres: { url: pg.monitorUrl }, logs: { application: appLog }, backups: { directory: join(work, 'backups') } });
    mkdirSync(join(work, 'backups'));
    log = appLog;
    anchored = writeConfig({ environment: 'staging', state: { anchors: [{ file: join(work, 'anchors.jsonl') }] } });
    fleet = writeConfig({ environments: { staging: { postgres: { url: pg.monitorUrl } }, production: { postgres: { url: pg.monitorUrl } } } });
    // weekly security --accept-settings reads pg_hba.conf as the monitoring role.
    await pg.sql('GRANT SELECT ON pg_hba_file_rules TO nvcops_monitor; GRANT EXECUTE ON FUNCTION pg_hba_file_rules() TO nvcops_monitor');
    for (const name of NAMES) validators.set(name, await schemaValidator(name));
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it('ships each schema the command prints as dist/schemas/<name>.json, and no other', async () => {
    expect([...SCHEMA_NAMES].sort()).toEqual([...NAMES].sort());
    const dir = new URL('../dist/schemas/', import.meta.url).pathname;
    expect(readdirSync(dir).sort()).toEqual(NAMES.map((n) => `${n}.json`).sort());
    for (const name of NAMES) expect(readFileSync(join(dir, `${name}.json`), 'utf8')).toBe(`${(await nvcops(['schema', name])).stdout}\n`);
  });

  it('refuses an unknown schema name with one line listing the names, exit 64', async () => {
    const r = await nvcops(['schema', 'reports']);
    expect(r.exitCode).toBe(64);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`Allowed choices are ${NAMES.join(', ')}\\.`));
  });

  it('the reference config of docs/configuration.md against the config schema; a misspelt key is rejected', () => {
    const page = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
    const sample = page.slice(page.indexOf('## A reference configuration')).match(/```yaml\n([\s\S]*?)```/)![1]!;
    const parsed = parse(sample);
    expect(Object.keys(parsed)).toContain('postgres');
    validatesAndCatches('config', parsed, (c) => { c.postgress = c.postgres; });
  });

  it('a health db report, then the history that kept it (plain and --check)', async () => {
    const run = await nvcops(['health', 'db', '--config', config, '--format', 'json'], { env });
    const report = JSON.parse(run.stdout);
    expect(report.schemaVersion).toBe(2);
    expect(report.items.length).toBeGreaterThan(0);
    validatesAndCatches('report', report, (r) => { r.items[0].results[0].status = 'green'; });

    const history = JSON.parse((await nvcops(['history', '--config', config, '--format', 'json'], { env })).stdout);
    expect(history).toHaveLength(1);
    validatesAndCatches('history', history, (h) => { h[0].report.summary.total = 'all'; });
    const kept = JSON.parse((await nvcops(['history', 'show', history[0].id, '--config', config, '--format', 'json'], { env })).stdout);
    expect(kept.startedAt).toBe(report.startedAt);
    validatesAndCatches('report', kept, (r) => { delete r.schemaVersion; });
    const id = report.items[0].results[0].id;
    const byCheck = JSON.parse((await nvcops(['history', '--check', id, '--config', config, '--format', 'json'], { env })).stdout);
    expect(byCheck[0].check.id).toBe(id);
    validatesAndCatches('history', byCheck, (h) => { delete h[0].check; });
  });

  it('incident open, show and list, and the audit trail it wrote', async () => {
    const open = await nvcops(['incident', 'open', '--severity', 'P2', '--title', 'Slow statements page', '--no-checks', '--config', config, '--format', 'json'], { env });
    expect(open.exitCode).toBe(0);
    const opened = JSON.parse(open.stdout);
    expect(opened.schemaVersion).toBe(1);
    validatesAndCatches('incident', opened, (i) => { i.severity = 'P9'; });
    const shown = JSON.parse((await nvcops(['incident', 'show', opened.id, '--config', config, '--format', 'json'], { env })).stdout);
    expect(shown).toMatchObject({ schemaVersion: 1, id: opened.id });
    validatesAndCatches('incident', shown, (i) => { i.timers.ackDueAt = 'in five minutes'; });
    const list = JSON.parse((await nvcops(['incident', 'list', '--config', config, '--format', 'json'], { env })).stdout);
    expect(list.map((i: { id: string }) => i.id)).toEqual([opened.id]);
    validatesAndCatches('incident-list', list, (l) => { l[0].surprise = true; });

    const trail = JSON.parse((await nvcops(['audit', 'show', '--config', config, '--format', 'json'], { env })).stdout);
    expect(trail.map((r: { action: string }) => r.action)).toContain('incident open');
    validatesAndCatches('audit', trail, (t) => { t[0].phase = 'maybe'; });
    const exported = (await nvcops(['audit', 'export', '--config', config], { env })).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(errorsOf('audit', exported)).toEqual([]);
  });

  it('runbook today', async () => {
    const today = JSON.parse((await nvcops(['runbook', 'today', '--config', config, '--format', 'json'], { env })).stdout);
    expect(today.schemaVersion).toBe(1);
    expect(today.due.length).toBeGreaterThan(0);
    validatesAndCatches('runbook-today', today, (t) => { t.due[0].status = 'finished'; });
  });

  it('health security', async () => {
    const r = await nvcops(['health', 'security', '--last-24h', '--config', config, '--format', 'json'], { env });
    const out = JSON.parse(r.stdout);
    expect(out.schemaVersion).toBe(1);
    expect(out.events.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(['brute-force', 'lockout']));
    validatesAndCatches('security-events', out, (o) => { o.events[0].kind = 'mischief'; });
    eventIds = out.events.filter((e: { severity: string }) => e.severity === 'high').map((e: { id: string }) => e.id);
    expect(eventIds.length).toBeGreaterThan(0);
  });

  it('health security ack, dry run and recorded', async () => {
    const dry = await json(['health', 'security', 'ack', ...eventIds, '--note', 'checked', '--dry-run']);
    expect(dry).toMatchObject({ schemaVersion: 1, dryRun: true, wouldAcknowledge: eventIds });
    validatesAndCatches('security-ack', dry, (d) => { d.acknowledged = [{ id: 'x' }]; });
    const done = await json(['health', 'security', 'ack', ...eventIds, '--note', 'teller lockout confirmed with the branch', '--by', 'a.rivera']);
    expect(done.acknowledged.map((a: { id: string }) => a.id)).toEqual(eventIds);
    validatesAndCatches('security-ack', done, (d) => { d.acknowledged[0].at = 42; });
  });

  it('a check command across environments (--env all): the fleet report', async () => {
    const r = await nvcops(['--env', 'all', 'health', 'db', '--config', fleet, '--format', 'json'], { env, timeoutMs: 120_000 });
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ schemaVersion: 2, environments: ['staging', 'production'] });
    expect(out.reports[0].items[0].results[0].environment).toBe('staging');
    validatesAndCatches('fleet-report', out, (o) => { delete o.reports[1].environment; });
    // The fleet's report is not a single one, nor the other way round.
    expect(errorsOf('report', out).length).toBeGreaterThan(0);
  });

  it('runbook today across environments (--env all)', async () => {
    const today = JSON.parse((await nvcops(['--env', 'all', 'runbook', 'today', '--config', fleet, '--format', 'json'], { env })).stdout);
    expect(today).toMatchObject({ schemaVersion: 1, environments: ['staging', 'production'] });
    expect(today.days).toHaveLength(2);
    validatesAndCatches('runbook-today', today, (t) => { t.days[0].due[0].status = 'finished'; });
  });

  it('runbook show, severity and oncall', async () => {
    const show = await json(['runbook', 'show']);
    expect(show.length).toBeGreaterThan(3);
    validatesAndCatches('runbook-show', show, (s) => { s[0].headings[0].commands[0].command = null; });
    const severity = await json(['runbook', 'severity']);
    expect(severity.levels.map((l: { id: string }) => l.id)).toEqual(['P0', 'P1', 'P2', 'P3']);
    validatesAndCatches('runbook-severity', severity, (v) => { v.levels[0].id = 'P5'; });
    const oncall = await json(['runbook', 'oncall']);
    expect(oncall).toMatchObject({ schemaVersion: 1, configured: false });
    validatesAndCatches('runbook-oncall', oncall, (o) => { o.roles[0].turns = [{ phone: '1' }]; });
    const day = await json(['runbook', 'oncall', '--date', '2026-12-07']);
    validatesAndCatches('runbook-oncall', day, (o) => { o.date = 'Monday'; });
  });

  it('backup config and logs, then backup list', async () => {
    const from = mkdtempSync(join(tmpdir(), 'nvcops-schemas-etc-'));
    writeFileSync(join(from, 'app.yaml'), 'replicas: 3\n');
    const taken = await json(['backup', 'config', '--from', from]);
    expect(taken).toMatchObject({ schemaVersion: 1, manifest: { kind: 'config' } });
    validatesAndCatches('backup', taken, (b) => { b.manifest.sha256 = 'not hex'; });
    const logs = await json(['backup', 'logs']);
    validatesAndCatches('backup', logs, (b) => { b.manifest.kind = 'photos'; });
    const list = await json(['backup', 'list']);
    expect(list.backups.map((b: { id: string }) => b.id)).toEqual([taken.manifest.id, logs.manifest.id]);
    validatesAndCatches('backup-list', list, (l) => { l.backups[0].size = -1; });
  });

  it('an action: history prune, planned (--dry-run) and done', async () => {
    // The runs kept above are more than a second old.
    const planned = await json(['history', 'prune', '--older-than', '1s', '--dry-run']);
    expect(planned).toMatchObject({ schemaVersion: 1, action: 'history prune', status: 'planned' });
    validatesAndCatches('action', planned, (a) => { a.status = 'pending'; });
    const done = await json(['history', 'prune', '--older-than', '1s', '--yes']);
    expect(done.status).toBe('done');
    validatesAndCatches('action', done, (a) => { delete a.outcomes; });
  });

  it('an action that did its steps, refused, and with nothing to do: maintain tmp', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-schemas-tmp-'));
    writeFileSync(join(dir, 'old.csv'), 'o'.repeat(2048));
    const old = new Date(Date.now() - 20 * 86_400_000);
    utimesSync(join(dir, 'old.csv'), old, old);
    const cfg = writeConfig({ environment: 'staging', maintenance: { tmp: { directories: [dir], olderThan: '7d' } } });
    const refused = await json(['maintain', 'tmp'], { cfg, exitCode: 64 });
    expect(refused).toMatchObject({ status: 'refused', reason: expect.any(String) });
    validatesAndCatches('action', refused, (a) => { a.exitCode = 'sixty-four'; });
    const done = await json(['maintain', 'tmp', '--yes'], { cfg });
    expect(done.status).toBe('done');
    expect(done.outcomes.length).toBeGreaterThan(0);
    validatesAndCatches('action', done, (a) => { a.outcomes[0].status = 'half done'; });
    const none = await json(['maintain', 'tmp', '--yes'], { cfg });
    expect(none.status).toBe('nothing to do');
    validatesAndCatches('action', none, (a) => { a.plan[0] = 'a step'; });
  });

  it('attestations: --attest and --waive of a monthly review, weekly security --accept-settings', async () => {
    const attested = await json(['monthly', 'compliance', '--attest', 'segregation-of-duties', '--note', 'reviewed the access matrix', '--by', 'Kim Auditor']);
    expect(attested).toMatchObject({ schemaVersion: 1, attested: { control: 'segregation-of-duties', by: 'Kim Auditor' } });
    validatesAndCatches('attestation', attested, (a) => { a.attested.seq = 'first'; });
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const waived = await json(['monthly', 'compliance', '--waive', 'data-retention', '--reason', 'archive migration', '--until', until, '--by', 'Kim Auditor']);
    expect(waived).toMatchObject({ schemaVersion: 1, waived: { control: 'data-retention', until, alreadyRecorded: false } });
    validatesAndCatches('attestation', waived, (w) => { w.waived.until = 'next month'; });
    const accepted = await json(['weekly', 'security', '--accept-settings', '--by', 'Ada Admin']);
    expect(accepted.accepted.items).toBeGreaterThan(0);
    validatesAndCatches('attestation', accepted, (a) => { a.accepted.extra = true; });
  });

  it('audit verify and audit anchor', async () => {
    const verified = await json(['audit', 'verify']);
    expect(verified).toMatchObject({ schemaVersion: 1, ok: true });
    expect(verified.count).toBeGreaterThan(3);
    validatesAndCatches('audit-verify', verified, (v) => { v.problem = { seq: 1, kind: 'burnt', message: 'x' }; });
    const anchor = await json(['audit', 'anchor'], { cfg: anchored });
    expect(anchor.written).toEqual([{ name: expect.stringContaining('anchors.jsonl'), count: verified.count }]);
    validatesAndCatches('audit-anchor', anchor, (a) => { a.written[0].count = '12'; });
    const again = await json(['audit', 'verify'], { cfg: anchored });
    expect(again.anchors).toHaveLength(1);
    validatesAndCatches('audit-verify', again, (v) => { delete v.location; });
  });

  it('incident investigations: status, logs, db', async () => {
    for (const command of ['status', 'logs', 'db']) {
      const out = await json(['incident', command]);
      expect(out).toMatchObject({ schemaVersion: 1, title: `nvcops incident ${command}` });
      expect(out.sections.length).toBeGreaterThan(0);
      validatesAndCatches('investigation', out, (o) => { o.sections[0].state = 'fine'; });
    }
  });

  it('incident logs --follow: each new line', async () => {
    const child = execa('node', [CLI, 'incident', 'logs', '--follow', '--since', '5m', '--config', config, '--format', 'json'], { reject: false, env: { ...env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => { stderr += d; });
    const until = async (what: () => boolean) => {
      for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 100));
      expect(what()).toBe(true);
    };
    try {
      await until(() => stderr.includes('following'));
      appendFileSync(log, `${JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'ledger write failed' })}\n`);
      await until(() => stdout.includes('ledger write failed'));
    } finally {
      child.kill('SIGTERM');
    }
    await child;
    const line = JSON.parse(stdout.trimEnd().split('\n').at(-1)!);
    expect(line).toMatchObject({ schemaVersion: 1, level: 'error' });
    validatesAndCatches('incident-log-line', line, (l) => { l.time = 'now'; });
  });

  it('incident note, timeline, classify and diagnose', async () => {
    const note = await json(['incident', 'note', 'restarted', 'the', 'api']);
    expect(note).toMatchObject({ schemaVersion: 1, type: 'note', message: 'restarted the api' });
    validatesAndCatches('incident-note', note, (n) => { n.type = 'gossip'; });
    const timeline = await json(['incident', 'timeline']);
    expect(timeline.entries.length).toBeGreaterThan(1);
    validatesAndCatches('incident-timeline', timeline, (t) => { t.entries[0].source = 'rumour'; });
    const classify = await nvcops(['incident', 'classify', '--config', config, '--format', 'json'], { env, timeoutMs: 120_000 });
    const classified = JSON.parse(classify.stdout);
    expect(classified.schemaVersion).toBe(1);
    validatesAndCatches('incident-classify', classified, (c) => { c.proposed = 'P7'; });
    const diagnosis = await nvcops(['incident', 'diagnose', '--config', config, '--format', 'json'], { env, timeoutMs: 120_000 });
    const diagnosed = JSON.parse(diagnosis.stdout);
    expect(diagnosed).toMatchObject({ schemaVersion: 1, report: expect.stringMatching(/diagnosis-1$/) });
    validatesAndCatches('incident-diagnose', diagnosed, (d) => { d.sections['Database'][0].state = 'meh'; });
  });

  describe('incident metrics, against an AWS endpoint', () => {
    let aws: AwsEndpoint;
    beforeAll(async () => {
      aws = await startAwsEndpoint();
    });
    afterAll(async () => {
      await aws?.stop();
    });
    it('a metric by name, and a metric-math preset', async () => {
      const cfg = writeConfig({ environment: 'production', aws: { loadBalancer: 'app/bank-api/50dc6c495c0c9188' } });
      aws.metric('AWS/RDS', 'CPUUtilization', { DBInstanceIdentifier: 'bank-db' }, (m) => (m / 60) % 100);
      const named = await json(['incident', 'metrics', '--namespace', 'AWS/RDS', '--metric', 'CPUUtilization', '--dimension', 'DBInstanceIdentifier=bank-db', '--since', '1h'], { cfg, env: aws.env() });
      expect(named.datapoints.length).toBeGreaterThan(0);
      validatesAndCatches('incident-metrics', named, (n) => { n.datapoints[0].value = 'high'; });
      aws.metric('AWS/ApplicationELB', 'RequestCount', { LoadBalancer: 'app/bank-api/50dc6c495c0c9188' }, () => 400);
      aws.metric('AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count', { LoadBalancer: 'app/bank-api/50dc6c495c0c9188' }, () => 4);
      const math = await json(['incident', 'metrics', '--preset', 'error-rate', '--since', '30m'], { cfg, env: aws.env() });
      validatesAndCatches('incident-metrics', math, (n) => { n.summary = { min: 0 }; });
    });
  });

  it('every JSON output of the command tree has a schema, and every schema met a real output above', async () => {
    // The command tree as the shell completion is made from it: each command and the choices of its --format.
    const bash = (await nvcops(['completion', 'bash'])).stdout;
    const formats = new Map([...bash.matchAll(/'([^'|]*)\|--format'\) _nvcops_kind=words; _nvcops_words='([^']*)'/g)].map((m) => [m[1]!, m[2]!.split(' ')]));
    const flags = new Map([...bash.matchAll(/^ {4}'([^']*)'\) _nvcops_subs='[^']*'; _nvcops_flags='([^']*)'/gm)].map((m) => [m[1]!, m[2]!.split(' ')]));
    const printsJson = [...formats].filter(([, words]) => words.includes('json') || words.includes('jsonl')).map(([path]) => path);
    expect(printsJson).toContain('health daily');
    expect(printsJson.sort()).toEqual(Object.keys(JSON_OUTPUTS).sort());
    for (const path of printsJson) {
      const names = JSON_OUTPUTS[path]!;
      expect(names.length).toBeGreaterThan(0);
      for (const n of names) expect(NAMES).toContain(n);
      // A check command's report; across environments the fleet's; an attesting review's record.
      if (formats.get(path)!.includes('junit') && path !== 'history' && path !== 'history show') expect(names).toEqual(expect.arrayContaining(['report', 'fleet-report']));
      if (flags.get(path)!.includes('--attest') || flags.get(path)!.includes('--accept-settings')) expect(names).toContain('attestation');
    }
    expect(NAMES.filter((n) => !validated.has(n))).toEqual([]);
  });
});
