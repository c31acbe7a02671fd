/**
 * The state store's behaviour, written once and run against each backend (test/state-*.test.ts).
 * Writers are separate node processes (test/support/state-writer.ts, bundled with esbuild), so
 * concurrency and kill -9 are tested for real.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { build } from 'esbuild';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/engine/config/index.js';
import { StateConflictError } from '../../src/engine/errors.js';
import { Redactor } from '../../src/engine/redact.js';
import { SCHEMA_VERSION, type RunReport } from '../../src/engine/report.js';
import { verifyChain } from '../../src/state/chain.js';
import { audited, auditEvent, type AuditEntry, type AuditRecord, type HistoryEntry, type Store } from '../../src/state/index.js';
import { nvcops, writeConfig } from './cli.js';

/** Ways an insider might change the trail behind nvcops's back. */
export interface Tamper {
  /** Changes a record; `rehash` also recomputes its own hash, as a careful forger would. */
  edit(seq: number, change: (r: AuditRecord) => void, rehash?: boolean): Promise<void>;
  remove(seq: number): Promise<void>;
  /** Swaps the places of two records. */
  swap(a: number, b: number): Promise<void>;
  /** Keeps only the first `keep` records. */
  truncate(keep: number): Promise<void>;
  /** Deletes the head the store keeps beside the trail. */
  dropHead(): Promise<void>;
  /** Makes the kept head say the trail ends at record `seq` (with its true hash). */
  lowerHead(seq: number): Promise<void>;
}

export interface Backend {
  name: string;
  /** A fresh, empty store; `config` opens the same store from another process. */
  fresh(): Promise<{ store: Store; config: Config; tamper: Tamper }>;
}

const WRITER_DIR = new URL('../../node_modules/.cache/nvcops-test/', import.meta.url).pathname;
let writer: Promise<string> | undefined;

/** Bundles the writer once per test file (dependencies stay in node_modules). */
function writerScript(): Promise<string> {
  writer ??= (async () => {
    mkdirSync(WRITER_DIR, { recursive: true });
    const outfile = `${WRITER_DIR}state-writer-${process.pid}.mjs`;
    await build({
      entryPoints: [new URL('./state-writer.ts', import.meta.url).pathname], outfile, bundle: true, platform: 'node', format: 'esm',
      target: 'node20', packages: 'external', logLevel: 'warning',
    });
    return outfile;
  })();
  return writer;
}

export function entry(action: string, extra: Partial<AuditEntry> = {}): AuditEntry {
  const now = new Date().toISOString();
  return {
    operation: `op-${Math.random()}`, phase: 'event', action, by: 'alice', host: hostname(), environment: 'staging',
    args: [action], version: 'test', startedAt: now, endedAt: now, outcome: 'ok', ...extra,
  };
}

export function report(command: string, startedAt: string, checks: { id: string; value: number }[]): RunReport {
  return {
    schemaVersion: SCHEMA_VERSION, command, runbook: 'Daily Operations', environment: 'staging', startedAt, durationMs: 12,
    status: 'pass', exitCode: 0, interrupted: false, summary: { pass: checks.length, warn: 0, fail: 0, error: 0, skip: 0, manual: 0, waived: 0, total: checks.length },
    items: [{
      title: 'Database connections healthy', status: 'pass',
      results: checks.map((c) => ({ id: c.id, title: c.id, status: 'pass' as const, observed: { value: c.value, unit: 'ms' as const }, threshold: null, message: 'ok', durationMs: 1 })),
    }],
  };
}

const history = (r: RunReport) => ({ at: r.startedAt, by: 'alice', host: 'h', command: r.command, environment: r.environment, status: r.status, exitCode: r.exitCode, report: r });

async function fill(store: Store, n: number): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for (let i = 0; i < n; i++) out.push(await store.audit.append(entry(i % 2 ? 'maintain vacuum' : 'incident ack')));
  return out;
}

export function stateSuite(backend: Backend): void {
  describe(`state store: ${backend.name}`, () => {
    it('chains audit records and lists them by action, time and environment', async () => {
      const { store } = await backend.fresh();
      const written = await fill(store, 5);
      expect(written.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(written[1]!.prev).toBe(written[0]!.hash);
      expect(await store.audit.verify()).toMatchObject({ ok: true, count: 5, head: written[4]!.hash });
      expect((await store.audit.list({ action: 'maintain vacuum' })).map((r) => r.seq)).toEqual([2, 4]);
      expect((await store.audit.list({ action: 'maintain ' })).map((r) => r.seq)).toEqual([2, 4]);
      expect(await store.audit.list({ since: new Date(Date.now() + 60_000) })).toEqual([]);
      expect(await store.audit.list({ environment: 'production' })).toEqual([]);
      expect((await store.audit.list()).at(-1)).toEqual(written[4]);
      await store.close();
    });

    it('finds an edited record, even when the forger recomputed its hash', async () => {
      const { store, tamper } = await backend.fresh();
      const written = await fill(store, 6);
      await tamper.edit(3, (r) => { r.outcome = 'failed'; });
      expect((await store.audit.verify()).problem).toEqual({ seq: 3, kind: 'edited', message: expect.stringContaining('record 3 was changed') });
      await tamper.edit(3, (r) => { r.outcome = 'ok'; r.by = 'mallory'; }, true);
      const v = await store.audit.verify();
      expect(v.ok).toBe(false);
      expect(v.problem).toMatchObject({ seq: 3, kind: 'edited' });
      expect(v.problem!.message).toMatch(/record 4 links to a different hash/);
      // What is still intact: records 1–2, and the hash that ends them.
      expect([v.count, v.head]).toEqual([2, written[1]!.hash]);
      await store.close();
    });

    it('finds a removed record, in the middle and at the end', async () => {
      const { store, tamper } = await backend.fresh();
      await fill(store, 6);
      await tamper.remove(6);
      expect((await store.audit.verify()).problem).toMatchObject({ seq: 6, kind: 'removed', message: expect.stringContaining('missing from the end') });
      await tamper.remove(2);
      expect((await store.audit.verify()).problem).toEqual({ seq: 2, kind: 'removed', message: 'record 2 is missing (record 3 follows record 1)' });
      // Writing on does not hide the gap.
      await store.audit.append(entry('incident ack'));
      expect((await store.audit.verify()).problem).toMatchObject({ seq: 2, kind: 'removed' });
      await store.close();
    });

    it('finds reordered records', async () => {
      const { store, tamper } = await backend.fresh();
      await fill(store, 5);
      await tamper.swap(2, 4);
      expect((await store.audit.verify()).problem).toEqual({ seq: 2, kind: 'reordered', message: 'record 2 appears after record 4' });
      await store.close();
    });

    it('keeps one consistent chain with several writer processes at once', async () => {
      const { store, config } = await backend.fresh();
      const script = await writerScript();
      const writers = ['w1', 'w2', 'w3', 'w4'];
      await Promise.all(writers.map((w) => execa('node', [script, JSON.stringify(config), '30', w], { timeout: 120_000 })));
      const v = await store.audit.verify();
      expect(v).toMatchObject({ ok: true, count: 120 });
      const records = await store.audit.list();
      for (const w of writers) expect(records.filter((r) => r.by === w).map((r) => r.details!.i)).toEqual([...Array(30).keys()]);
      for (const w of writers) expect((await store.records.get('counter', w))!.version).toBe(30);
      // The writers really overlapped: one writer's records are interleaved with another's.
      expect(new Set(records.slice(0, 60).map((r) => r.by)).size).toBeGreaterThan(1);
      await store.close();
    });

    it('survives a writer killed mid-burst: no torn record, the chain verifies, writing goes on', async () => {
      const { store, config } = await backend.fresh();
      const script = await writerScript();
      const steady = execa('node', [script, JSON.stringify(config), '20', 'steady'], { timeout: 120_000 });
      for (let round = 0; round < 3; round++) {
        const victim = spawn('node', [script, JSON.stringify(config), 'forever', `victim${round}`], { stdio: 'ignore' });
        const exited = new Promise((r) => victim.once('exit', r));
        const target = (await store.audit.list()).length + 8;
        while ((await store.audit.list()).length < target) await new Promise((r) => setTimeout(r, 20));
        victim.kill('SIGKILL');
        await exited;
      }
      await steady;
      await store.audit.append(entry('incident ack'));
      const v = await store.audit.verify();
      expect(v.ok, v.problem?.message).toBe(true);
      const records = await store.audit.list();
      expect(v.count).toBe(records.length);
      expect(records.filter((r) => r.by === 'steady')).toHaveLength(20);
      expect(records.at(-1)!.action).toBe('incident ack');
      await store.close();
    });

    it('audits an action before and after, with the outcome, and secrets masked', async () => {
      const { store, config } = await backend.fresh();
      const redactor = new Redactor();
      redactor.add('hunter2-secret');
      const ctx = { action: 'maintain vacuum', config: { ...config, environment: 'staging' }, redactor, by: 'bob', argv: ['maintain', 'vacuum', '--token', 'hunter2-secret'] };
      const seen: number[] = [];
      const out = await audited(store, ctx, async () => { seen.push((await store.audit.list()).length); return 7; });
      expect(out).toBe(7);
      expect(seen).toEqual([1]);
      await expect(audited(store, { ...ctx, details: { plan: 'VACUUM accounts' } }, async () => { throw new Error('refused by hunter2-secret'); })).rejects.toThrow('refused');
      await audited(store, ctx, async () => 'planned', () => ({ outcome: 'dry-run' }));
      await auditEvent(store, { ...ctx, action: 'compliance attest' }, { outcome: 'ok', details: { control: 'SOX-1' } });
      // A trail that stops taking records after the action ran: the error says the action ended, and how.
      const failing: Store = { ...store, audit: { ...store.audit, append: async (e) => (e.phase === 'finished' ? Promise.reject(new Error('disk full')) : store.audit.append(e)) } };
      await expect(audited(failing, { ...ctx, action: 'cache flush' }, async () => 1)).rejects.toThrow('cache flush ended (ok) but its finished audit record was not written: disk full');
      const records = await store.audit.list();
      expect(records.map((r) => [r.phase, r.outcome])).toEqual([
        ['started', undefined], ['finished', 'ok'], ['started', undefined], ['finished', 'failed'], ['started', undefined], ['finished', 'dry-run'], ['event', 'ok'],
        ['started', undefined],
      ]);
      expect(records[0]).toMatchObject({ action: 'maintain vacuum', by: 'bob', environment: 'staging', args: ['maintain', 'vacuum', '--token', '***'] });
      expect(records[1]!.operation).toBe(records[0]!.operation);
      expect(records[2]!.details).toEqual({ plan: 'VACUUM accounts' });
      expect(records[3]!.message).toBe('refused by ***');
      expect(records[6]!.details).toEqual({ control: 'SOX-1' });
      expect(JSON.stringify(records)).not.toContain('hunter2-secret');
      expect((await store.audit.verify()).ok).toBe(true);
      await store.close();
    });

    it('keeps run history, filters it by command, check and time, and prunes old runs', async () => {
      const { store } = await backend.fresh();
      const old = report('health db', '2024-01-15T08:00:00.000Z', [{ id: 'postgres.connect-time', value: 10 }]);
      const mid = report('health db', '2024-03-31T23:59:00.000Z', [{ id: 'postgres.connect-time', value: 12 }]);
      const other = report('health daily', '2024-04-02T08:00:00.000Z', [{ id: 'redis.ping', value: 1 }]);
      const recent = report('health db', new Date().toISOString(), [{ id: 'postgres.connect-time', value: 14 }]);
      for (const r of [recent, old, other, mid]) await store.history.append(history(r));
      expect((await store.history.list()).map((e) => e.at)).toEqual([old, mid, other, recent].map((r) => r.startedAt));
      expect((await store.history.list({ command: 'health db' })).map((e) => e.report.items[0]!.results[0]!.observed!.value)).toEqual([10, 12, 14]);
      expect((await store.history.list({ check: 'redis.ping' })).map((e) => e.command)).toEqual(['health daily']);
      expect((await store.history.list({ since: new Date('2024-03-01') , until: new Date('2024-05-01') })).length).toBe(2);
      expect((await store.history.list({ limit: 1 }))[0]!.report).toEqual(recent);
      // The last run of a command in an environment, or made without one (null), across months.
      const unnamed = { ...report('health db', '2024-02-10T08:00:00.000Z', [{ id: 'postgres.connect-time', value: 11 }]), environment: null };
      await store.history.append(history(unnamed));
      expect((await store.history.list({ command: 'health db', environment: null, limit: 1 })).map((e) => e.at)).toEqual([unnamed.startedAt]);
      expect((await store.history.list({ command: 'health db', environment: 'staging', limit: 2 })).map((e) => e.at)).toEqual([mid.startedAt, recent.startedAt]);
      expect((await store.history.list({ command: 'health daily', environment: 'production' }))).toEqual([]);
      expect((await store.history.list({ environment: null })).map((e) => e.at)).toEqual([unnamed.startedAt]);
      // One environment's runs at a time: the run made without one is left to its own prune.
      expect(await store.history.prune(new Date('2024-04-01T00:00:00Z'), 'staging')).toBe(2);
      expect((await store.history.list()).map((e) => e.at)).toEqual([unnamed.startedAt, other.startedAt, recent.startedAt]);
      expect(await store.history.prune(new Date('2024-04-01T00:00:00Z'), 'production')).toBe(0);
      expect(await store.history.prune(new Date('2024-04-01T00:00:00Z'), null)).toBe(1);
      expect((await store.history.list()).map((e) => e.command)).toEqual(['health daily', 'health db']);
      expect(await store.history.prune(new Date('2024-04-01T00:00:00Z'), 'staging')).toBe(0);
      // The audit trail is not touched by pruning.
      await fill(store, 2);
      await store.history.prune(new Date(Date.now() + 1000), 'staging');
      expect(await store.history.list()).toEqual([]);
      expect((await store.audit.verify()).count).toBe(2);
      await store.close();
    });

    it('versions records: every update is kept, and a stale update is refused', async () => {
      const { store } = await backend.fresh();
      const v1 = await store.records.put('incident', 'INC-1', { status: 'detected', severity: 'P1' }, { by: 'alice', expectedVersion: 0 });
      expect(v1).toMatchObject({ kind: 'incident', id: 'INC-1', version: 1, by: 'alice' });
      await store.records.put('incident', 'INC-2', { status: 'detected' }, { by: 'bob' });
      await store.records.put('incident', 'INC-1', { status: 'acknowledged', severity: 'P1' }, { by: 'bob', expectedVersion: 1 });
      await expect(store.records.put('incident', 'INC-1', { status: 'resolved' }, { by: 'carol', expectedVersion: 1 })).rejects.toThrow(StateConflictError);
      await expect(store.records.put('incident', 'INC-1', { status: 'new' }, { by: 'carol', expectedVersion: 0 })).rejects.toThrow(/already exists/);
      await store.records.put('waiver', 'INC-1', { reason: 'same id, other kind' }, { by: 'carol' });
      expect((await store.records.get('incident', 'INC-1'))!.data).toEqual({ status: 'acknowledged', severity: 'P1' });
      expect((await store.records.versions('incident', 'INC-1')).map((v) => [v.version, v.by, v.data.status])).toEqual([[1, 'alice', 'detected'], [2, 'bob', 'acknowledged']]);
      expect((await store.records.list('incident')).map((v) => [v.id, v.version])).toEqual([['INC-1', 2], ['INC-2', 1]]);
      expect(await store.records.get('incident', 'INC-9')).toBeUndefined();
      expect(await store.records.list('attestation')).toEqual([]);
      await store.close();
    });

    describe('commands', () => {
      const cli = (config: Config, args: string[], extra: Record<string, unknown> = {}) =>
        nvcops([...args, '--config', writeConfig({ ...config, ...extra })]);

      it('history lists check runs, by command and by check, as a table or JSON', async () => {
        const { store, config } = await backend.fresh();
        await store.history.append(history(report('health db', '2025-01-06T08:00:00.000Z', [{ id: 'postgres.connect-time', value: 41 }])));
        const runs = await Promise.all([0, 1, 2].map(() => cli(config, ['health', 'daily', '--format', 'json', '--by', 'anna'])));
        // No system configured: uptime is a manual line, verdict 3. Runs of one command take turns (--if-running wait).
        for (const r of runs) expect([r.exitCode, r.stderr]).toEqual([3, expect.stringMatching(/^(nvcops: waiting for the run of health daily @ no environment that is still going \(.*\); --if-running exit does not wait)?$/)]);
        const all = await cli(config, ['history', '--format', 'json']);
        expect(JSON.parse(all.stdout).map((e: HistoryEntry) => [e.command, e.by])).toEqual([['health db', 'alice'], ['health daily', 'anna'], ['health daily', 'anna'], ['health daily', 'anna']]);
        const trend = await cli(config, ['history', '--check', 'postgres.connect-time', '--since', '2025-01-01', '--format', 'json']);
        expect(JSON.parse(trend.stdout)[0]).toMatchObject({ at: '2025-01-06T08:00:00.000Z', check: { status: 'pass', observed: { value: 41, unit: 'ms' } } });
        const table = await cli(config, ['history', '--check', 'postgres.connect-time', '--limit', '2']);
        expect(table.exitCode).toBe(0);
        expect(table.stdout.split('\n')[0]).toMatch(/^started\s+command\s+environment\s+postgres\.connect-time\s+observed\s+message$/);
        expect(table.stdout.trim().split('\n')).toHaveLength(3);
        expect((await cli(config, ['history', '--since', '1d'])).stdout).not.toContain('2025-01-06');
        const bad = await cli(config, ['history', '--since', 'last tuesday']);
        expect([bad.exitCode, bad.stderr.split('\n')[0]]).toEqual([64, "nvcops: option '--since <when>' argument 'last tuesday' is invalid. use a duration back from now such as 7d or 24h, or a date such as 2025-01-31 (run with --help for usage)"]);
        await store.close();
      });

      it('history prune plans, asks for --yes, honours --dry-run and protected environments, and is audited', async () => {
        const { store, config } = await backend.fresh();
        const old = new Date(Date.now() - 500 * 86_400_000).toISOString();
        const production = (r: RunReport) => ({ ...r, environment: 'production' });
        await store.history.append(history(production(report('health db', old, [{ id: 'redis.ping', value: 1 }]))));
        await store.history.append(history(production(report('health db', new Date().toISOString(), [{ id: 'redis.ping', value: 1 }]))));
        // Another environment's old run in the same store: pruning production's history leaves it alone.
        await store.history.append(history(report('health db', old, [{ id: 'redis.ping', value: 1 }])));
        const refused = await cli(config, ['history', 'prune', '--older-than', '400d', '--confirm-env', 'production'], { environment: 'production' });
        expect(refused.exitCode).toBe(64);
        expect(refused.stdout).toMatch(/^  1 check run of production started before .*; other environments' runs and the audit trail are kept$/m);
        expect(refused.stdout).toMatch(/^  1\. remove 1 check run of production that started before /m);
        expect(refused.stdout).toContain('refused: not confirmed: add --yes');
        const prod = { environment: 'production' };
        const dry = await cli(config, ['history', 'prune', '--older-than', '400d', '--dry-run', '--yes'], prod);
        expect(dry.exitCode).toBe(0);
        expect(dry.stdout).toContain('dry run: nothing was done.');
        expect((await store.history.list()).length).toBe(3);
        const guarded = await cli(config, ['history', 'prune', '--older-than', '400d', '--yes'], prod);
        expect(guarded.exitCode).toBe(64);
        expect(guarded.stdout).toContain('refused: production is protected: add --confirm-env production (and --yes) to act on it; nothing was done');
        expect((await store.history.list()).length).toBe(3);
        const done = await cli(config, ['history', 'prune', '--older-than', '400d', '--yes', '--confirm-env', 'production', '--by', 'carol', '--format', 'json'], prod);
        expect(done.exitCode).toBe(0);
        expect(JSON.parse(done.stdout)).toMatchObject({ action: 'history prune', status: 'done', outcomes: [{ status: 'done', message: 'removed 1 check run', data: { removed: 1 } }] });
        expect((await store.history.list()).map((e) => [e.environment, e.at === old])).toEqual([['staging', true], ['production', false]]);
        const again = await cli(config, ['history', 'prune', '--older-than', '400d', '--yes', '--confirm-env', 'production'], prod);
        expect([again.exitCode, again.stdout]).toEqual([0, expect.stringContaining('0 check runs of production started before')]);
        expect(again.stdout).toContain('nothing to do');
        const shown = JSON.parse((await cli(config, ['audit', 'show', '--action', 'history prune', '--format', 'json'])).stdout) as AuditRecord[];
        // Refusals and the dry run are on record too, then the prune itself, then the run that found nothing to do.
        expect(shown.map((r) => [r.phase, r.outcome, r.message])).toEqual([
          ['event', 'refused', expect.stringContaining('not confirmed')], ['event', 'dry-run', undefined], ['event', 'refused', expect.stringContaining('protected')],
          ['started', undefined, undefined], ['finished', 'ok', undefined], ['event', 'ok', 'nothing to do'],
        ]);
        expect(shown.slice(3, 5).map((r) => [r.by, r.environment])).toEqual([['carol', 'production'], ['carol', 'production']]);
        expect(shown[3]!.args).toEqual(['history', 'prune', '--older-than', '400d', '--yes', '--confirm-env', 'production', '--by', 'carol', '--format', 'json', '--config', expect.any(String)]);
        expect(shown[4]!.details).toEqual({ outcomes: [expect.objectContaining({ status: 'done', data: { removed: 1 } })] });
        await store.close();
      });

      it('audit verify exits 0 on an intact trail and 2 naming the first bad record', async () => {
        const { store, config, tamper } = await backend.fresh();
        const ok = await cli(config, ['audit', 'verify']);
        expect([ok.exitCode, ok.stdout.split('\n')[0]]).toEqual([0, expect.stringMatching(/^audit trail intact: 0 records/)]);
        await fill(store, 4);
        expect((await cli(config, ['audit', 'verify'])).stdout).toMatch(/^audit trail intact: 4 records, every hash and link checked/);
        await tamper.edit(2, (r) => { r.by = 'mallory'; });
        const edited = await cli(config, ['audit', 'verify']);
        expect(edited.exitCode).toBe(2);
        expect(edited.stdout.split('\n')[0]).toMatch(/^audit trail BROKEN at record 2: edited — record 2 was changed after it was written/);
        const asJson = JSON.parse((await cli(config, ['audit', 'verify', '--format', 'json'])).stdout);
        expect(asJson).toMatchObject({ ok: false, count: 1, problem: { seq: 2, kind: 'edited' } });
        await tamper.remove(2);
        expect((await cli(config, ['audit', 'verify'])).stdout).toMatch(/^audit trail BROKEN at record 2: removed — record 2 is missing/);
        await store.close();
      });

      it('finds records cut off the end when the head went with them, and writes nothing more on the shorter trail', async () => {
        const { store, config, tamper } = await backend.fresh();
        await fill(store, 21);
        await tamper.truncate(18);
        await tamper.dropHead();
        const v = await cli(config, ['audit', 'verify']);
        expect([v.exitCode, v.stdout.split('\n')[0]]).toEqual([2, expect.stringMatching(/^audit trail BROKEN at record 19: removed — the trail's head .* is missing \(it is kept from the store's creation on\), so records from 19 on may have been cut off the end/)]);
        await expect(store.audit.append(entry('incident ack'))).rejects.toThrow(/head .*missing/);
        expect(await store.audit.verify()).toMatchObject({ ok: false, count: 18, problem: { seq: 19, kind: 'removed' } });
        await store.close();
      });

      it('an emptied trail without its head is broken where the store was used, not a fresh start', async () => {
        const { store, config, tamper } = await backend.fresh();
        await fill(store, 3);
        await store.history.append(history(report('health db', new Date().toISOString(), [])));
        await tamper.truncate(0);
        await tamper.dropHead();
        const v = await cli(config, ['audit', 'verify']);
        expect([v.exitCode, v.stdout.split('\n')[0]]).toEqual([2, expect.stringMatching(/^audit trail BROKEN at record 1: removed — the trail's head .* is missing/)]);
        await store.close();
      });

      it('a check report carries the head; the kept run witnesses it against a head rewritten to an older record', async () => {
        const { store, config, tamper } = await backend.fresh();
        const written = await fill(store, 21);
        const run = await cli(config, ['health', 'daily', '--format', 'json']);
        expect(JSON.parse(run.stdout).audit).toEqual({ head: { seq: 21, hash: written[20]!.hash, at: written[20]!.at } });
        await tamper.truncate(18);
        await tamper.lowerHead(18);
        const v = await cli(config, ['audit', 'verify']);
        expect(v.exitCode).toBe(2);
        expect(v.stdout.split('\n')[0]).toMatch(/^audit trail BROKEN at record 19: removed — records 19–21 are missing from the end \(the report of `health daily` at \S+ says 21 records were written\)/);
        await store.close();
      });

      it('audit anchor writes every record\'s head to a file; verify against it names the first record missing or rewritten', async () => {
        const { store, config, tamper } = await backend.fresh();
        const written = await fill(store, 21);
        const file = join(mkdtempSync(join(tmpdir(), 'nvcops-anchor-')), 'trail.anchor');
        const anchored = { state: { ...config.state, anchors: [{ file }] } };
        const a = await cli(anchored, ['audit', 'anchor']);
        expect([a.exitCode, a.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^anchored 21:${written[20]!.hash} .*\nanchor ${file}: 21 new record heads$`))]);
        expect((await cli(anchored, ['audit', 'anchor'])).stdout).toContain(`anchor ${file}: 0 new record heads`);
        expect(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).hash)).toEqual(written.map((r) => r.hash));
        await tamper.truncate(18);
        await tamper.lowerHead(18);
        // The limit anchors are for: cut off with its head lowered, the trail alone looks whole.
        expect((await cli(config, ['audit', 'verify'])).stdout).toMatch(/^audit trail intact: 18 records/);
        const cut = /^audit trail BROKEN at record 19: removed — records 19–21 are missing from the end \((.*) says 21 records were written\)/;
        for (const [cfg, extra, source] of [
          [config, ['--anchor', file], `anchor ${file}`], [anchored, [], `anchor ${file}`], [config, ['--anchor', `21:${written[20]!.hash}`], 'the head given'],
        ] as const) {
          const v = await cli(cfg, ['audit', 'verify', ...extra]);
          expect(v.exitCode).toBe(2);
          expect(v.stdout.split('\n')[0]).toMatch(cut);
          expect(cut.exec(v.stdout)![1]).toContain(source);
        }
        // Rewritten from 19 on and written on: a consistent chain again, which only the anchor contradicts.
        await fill(store, 3);
        expect((await cli(config, ['audit', 'verify'])).stdout).toMatch(/^audit trail intact: 21 records/);
        const v = await cli(anchored, ['audit', 'verify', '--format', 'json']);
        expect([v.exitCode, JSON.parse(v.stdout)]).toEqual([2, expect.objectContaining({
          ok: false, count: 18, problem: { seq: 19, kind: 'edited', message: `record 19 differs from the one first written (anchor ${file} holds another hash)` },
        })]);
        const before = readFileSync(file, 'utf8');
        const refused = await cli(anchored, ['audit', 'anchor']);
        expect([refused.exitCode, refused.stdout]).toEqual([2, expect.stringContaining('not anchored: a broken trail is not written down as the truth')]);
        expect(readFileSync(file, 'utf8')).toBe(before);
        await store.close();
      });

      it('audit show filters by action and time; export writes the chain as JSON Lines that still verifies', async () => {
        const { store, config } = await backend.fresh();
        await fill(store, 4);
        const human = await cli(config, ['audit', 'show']);
        expect(human.stdout.split('\n')[0]).toMatch(/^#\s+time\s+action\s+outcome\s+by\s+host\s+environment\s+command$/);
        expect(human.stdout).toMatch(/^2\s+\S+ \S+\s+maintain vacuum\s+ok\s+alice\s+/m);
        expect(JSON.parse((await cli(config, ['audit', 'show', '--action', 'incident ack', '--format', 'json'])).stdout).map((r: AuditRecord) => r.seq)).toEqual([1, 3]);
        expect((await cli(config, ['audit', 'show', '--since', '2099-01-01'])).stdout).toMatch(/^no audit records match/);
        const exported = await cli(config, ['audit', 'export', '--format', 'jsonl']);
        expect(exported.exitCode).toBe(0);
        const lines = exported.stdout.trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);
        expect(lines).toEqual(await store.audit.list());
        expect(verifyChain(lines)).toMatchObject({ ok: true, count: 4 });
        const wrong = await cli(config, ['audit', 'export', '--format', 'csv']);
        expect(wrong.exitCode).toBe(64);
        await store.close();
      });
    });
  });
}
