import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_NAMES } from '../src/report/schemas.js';
import { nvcops, writeConfig } from './support/cli.js';
import { startPostgres, type PgServer } from './support/servers.js';

const NAMES = ['config', 'report', 'incident', 'incident-list', 'audit', 'history', 'runbook-today', 'security-events'] as const;
type Name = (typeof NAMES)[number];

/** Each schema as `nvcops schema <name>` prints it, compiled by ajv (draft 2020-12, formats checked). */
const validators = new Map<Name, (data: unknown) => string[]>();
const errorsOf = (name: Name, data: unknown): string[] => validators.get(name)!(data);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** A real output validates, and the same output broken by `mutate` is rejected. */
function validatesAndCatches(name: Name, output: unknown, mutate: (o: any) => void): void {
  expect(errorsOf(name, output)).toEqual([]);
  const broken = clone(output);
  mutate(broken);
  expect(errorsOf(name, broken).length).toBeGreaterThan(0);
}

describe('published JSON Schemas validate real outputs', () => {
  let pg: PgServer;
  const state = mkdtempSync(join(tmpdir(), 'nvcops-schemas-state-'));
  const env = { XDG_STATE_HOME: state };
  let config: string;

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
    config = writeConfig({ environment: 'staging', postgres: { url: pg.monitorUrl }, logs: { application: appLog } });
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    // ajv-formats is CommonJS with `exports.default`: its default import is the module under NodeNext.
    (formats as unknown as { default: (a: Ajv2020) => Ajv2020 }).default(ajv);
    for (const name of NAMES) {
      const r = await nvcops(['schema', name]);
      expect(r.exitCode).toBe(0);
      const schema = JSON.parse(r.stdout);
      expect(schema.$id).toBe(`https://nvcops.dev/schema/${name}.json`);
      const validate = ajv.compile(schema);
      validators.set(name, (data) => (validate(data) ? [] : (validate.errors ?? []).map((e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message}`)));
    }
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
    expect(r.stderr).toMatch(/Allowed choices are config, report, incident, incident-list, audit, history, runbook-today, security-events/);
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
  });
});
