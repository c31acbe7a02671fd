import { describe, expect, it } from 'vitest';
import { defineCheck, type CheckDefinition } from '../src/engine/check.js';
import { runProcedure, type RunOptions } from '../src/engine/runner.js';
import { resolveThresholds } from '../src/engine/thresholds.js';
import { Probes } from '../src/probes/index.js';

const never = () => new Promise<never>(() => undefined);
const checks: CheckDefinition[] = [
  defineCheck({ id: 't.fast', title: 'Fast', requires: [], unit: 'ms', thresholds: { warn: '> 100ms', fail: '> 200ms', source: 'test' }, run: async () => ({ value: 150, message: 'slowish' }) }),
  defineCheck({ id: 't.throws', title: 'Throws', requires: [], unit: 'count', run: async () => { throw new Error('permission denied for pg_stat_activity'); } }),
  defineCheck({ id: 't.hangs', title: 'Hangs', requires: [], unit: 'count', timeoutMs: 200, run: never }),
  defineCheck({ id: 't.nodata', title: 'No data', requires: [], unit: '%', run: async () => ({ value: null, message: 'no rows' }) }),
  defineCheck({ id: 't.redis', title: 'Needs Redis', requires: ['redis'], unit: 'ms', run: async () => ({ value: 1, message: 'never runs' }) }),
  defineCheck({ id: 't.long', title: 'Long', requires: [], unit: 'count', timeoutMs: 60_000, run: never }),
];
const registry = new Map(checks.map((c) => [c.id, c]));
const procedure = {
  id: 'test run',
  runbook: 'test',
  items: [
    { title: 'Line one', checks: ['t.fast', 't.throws', 't.hangs', 't.nodata'] },
    { title: 'Line two', checks: ['t.redis'] },
  ],
};
// No check here reaches a system: probes made from an empty config only answer which targets are missing.
const base: RunOptions = { probes: new Probes({}), thresholds: resolveThresholds(checks), concurrency: 4, deadlineMs: 10_000, failOn: 'warn' };

describe('runner', () => {
  it('keeps going when a check throws or hangs; each gets its own verdict', async () => {
    const report = await runProcedure(procedure, registry, base);
    const r = Object.fromEntries(report.items.flatMap((i) => i.results).map((x) => [x.id, x]));
    expect(r['t.fast']).toMatchObject({ status: 'warn', observed: { value: 150, unit: 'ms' }, threshold: { warn: '> 100ms', fail: '> 200ms' } });
    expect(r['t.throws']).toMatchObject({ status: 'error', message: 'permission denied for pg_stat_activity' });
    expect(r['t.hangs']).toMatchObject({ status: 'error', message: 'timed out after 200 ms' });
    expect(r['t.nodata']).toMatchObject({ status: 'error', message: 'no data: no rows' });
    expect(r['t.redis']).toMatchObject({ status: 'skip', message: expect.stringContaining('redis.url') });
    expect(report.summary).toMatchObject({ warn: 1, error: 3, skip: 1, total: 5 });
    expect(report.items.map((i) => i.status)).toEqual(['error', 'skip']);
    expect(report.exitCode).toBe(3);
  });

  it('stops at the run deadline and reports what finished', async () => {
    const p = { id: 'deadline', runbook: 't', items: [{ title: 'L', checks: ['t.fast', 't.long'] }] };
    const t0 = Date.now();
    const report = await runProcedure(p, registry, { ...base, deadlineMs: 300 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(report.items[0]!.results.map((x) => [x.id, x.status])).toEqual([['t.fast', 'warn'], ['t.long', 'error']]);
    expect(report.items[0]!.results[1]!.message).toBe('not finished within the run deadline of 300 ms');
    expect(report.interrupted).toBe(true);
  });

  it('on Ctrl-C reports what finished and exits 130', async () => {
    const ctrlC = new AbortController();
    const p = { id: 'ctrl-c', runbook: 't', items: [{ title: 'L', checks: ['t.fast', 't.long'] }] };
    setTimeout(() => ctrlC.abort(), 100);
    const report = await runProcedure(p, registry, { ...base, signal: ctrlC.signal });
    expect(report.items[0]!.results.map((x) => x.status)).toEqual(['warn', 'error']);
    expect(report.items[0]!.results[1]!.message).toBe('interrupted (Ctrl-C) before it finished');
    expect(report.exitCode).toBe(130);
  });

  it('bounds concurrency', async () => {
    let running = 0;
    let peak = 0;
    const slow = Array.from({ length: 6 }, (_, i) => defineCheck({
      id: `t.slow${i}`, title: `Slow ${i}`, requires: [], unit: 'count',
      run: async () => { running++; peak = Math.max(peak, running); await new Promise((r) => setTimeout(r, 30)); running--; return { value: 0, message: 'ok' }; },
    }));
    const p = { id: 'bounded', runbook: 't', items: [{ title: 'L', checks: slow.map((c) => c.id) }] };
    const report = await runProcedure(p, new Map(slow.map((c) => [c.id, c])), { ...base, concurrency: 2, thresholds: new Map() });
    expect(peak).toBe(2);
    expect(report.status).toBe('pass');
    expect(report.exitCode).toBe(0);
  });

  describe('checks that time a round trip run first, by themselves', () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const traced = (events: string[], id: string, ms: number, timesRoundTrip?: true, watchesWindow?: true) => defineCheck({
      id, title: id, requires: [], unit: 'ms', ...(timesRoundTrip && { timesRoundTrip }), ...(watchesWindow && { watchesWindow }),
      run: async () => { events.push(`${id} start`); await sleep(ms); events.push(`${id} end`); return { value: ms, message: 'ok' }; },
    });
    const run = (events: string[], roundTripMs: number, opts: Partial<RunOptions> = {}) => {
      const defs = [traced(events, 't.work', 10), traced(events, 't.connect', roundTripMs, true), traced(events, 't.ping', 20, true)];
      const p = { id: 'first', runbook: 't', items: [{ title: 'L', checks: defs.map((c) => c.id) }] };
      return runProcedure(p, new Map(defs.map((c) => [c.id, c])), { ...base, thresholds: new Map(), ...opts });
    };

    it('the others start when they are done; the report keeps the procedure order', async () => {
      const events: string[] = [];
      const report = await run(events, 50);
      expect(events.indexOf('t.work start')).toBeGreaterThan(Math.max(events.indexOf('t.connect end'), events.indexOf('t.ping end')));
      expect(events.indexOf('t.ping start')).toBeLessThan(events.indexOf('t.connect end'));
      expect(report.items[0]!.results.map((r) => r.id)).toEqual(['t.work', 't.connect', 't.ping']);
    });

    it('a check that watches a counter over a window starts first among the others, after the round trips', async () => {
      const events: string[] = [];
      const defs = [traced(events, 't.work', 10), traced(events, 't.more', 10), traced(events, 't.ping', 20, true), traced(events, 't.window', 60, undefined, true)];
      const p = { id: 'window', runbook: 't', items: [{ title: 'L', checks: defs.map((c) => c.id) }] };
      const report = await runProcedure(p, new Map(defs.map((c) => [c.id, c])), { ...base, concurrency: 2, thresholds: new Map() });
      expect(events.slice(0, 3)).toEqual(['t.ping start', 't.ping end', 't.window start']);
      // Its window runs beside the others' work: both of them are done before it is.
      expect(events.indexOf('t.more end')).toBeLessThan(events.indexOf('t.window end'));
      expect(report.items[0]!.results.map((r) => r.id)).toEqual(['t.work', 't.more', 't.ping', 't.window']);
    });

    /** A check that watches a window: its first reading at start, its second when `othersDone` resolves. */
    const watcher = (events: string[], id: string, timeoutMs?: number) => defineCheck({
      id, title: id, requires: [], unit: 'count', watchesWindow: true, ...(timeoutMs && { timeoutMs }),
      run: async ({ othersDone }) => { events.push(`${id} start`); await othersDone(); events.push(`${id} end`); return { value: 0, message: 'ok' }; },
    });
    const runWith = (defs: CheckDefinition[], opts: Partial<RunOptions> = {}) =>
      runProcedure({ id: 'window', runbook: 't', items: [{ title: 'L', checks: defs.map((c) => c.id) }] }, new Map(defs.map((c) => [c.id, c])), { ...base, thresholds: new Map(), ...opts });

    it('a check that watches a window ends it when every other check is done, holding no place while it waits (--concurrency 1)', async () => {
      const events: string[] = [];
      const report = await runWith([traced(events, 't.work', 30), watcher(events, 't.window'), traced(events, 't.more', 10), watcher(events, 't.second')], { concurrency: 1 });
      expect(events.slice(0, 2)).toEqual(['t.window start', 't.second start']);
      expect(events.slice(-2).sort()).toEqual(['t.second end', 't.window end']);
      expect(report.items[0]!.results.map((r) => [r.id, r.status])).toEqual([['t.work', 'pass'], ['t.window', 'pass'], ['t.more', 'pass'], ['t.second', 'pass']]);
    });

    it('its wait on the others does not count against its own time limit; the run deadline still ends it', async () => {
      const events: string[] = [];
      const report = await runWith([traced(events, 't.work', 150), watcher(events, 't.window', 50)]);
      expect(report.items[0]!.results[1]).toMatchObject({ id: 't.window', status: 'pass' });

      const stuck = defineCheck({ id: 't.stuck', title: 'Stuck', requires: [], unit: 'count', timeoutMs: 60_000, run: never });
      const cut = await runWith([stuck, watcher([], 't.window', 50)], { deadlineMs: 200 });
      expect(cut.items[0]!.results[1]).toMatchObject({ id: 't.window', status: 'error', message: 'not finished within the run deadline of 200 ms' });
    });

    it('a slow server holds the others back one second at most, and never past the run deadline', async () => {
      const events: string[] = [];
      const t0 = performance.now();
      let workStarted = 0;
      const done = run(events, 3000);
      while (!events.includes('t.work start')) await sleep(5);
      workStarted = performance.now() - t0;
      await done;
      expect(workStarted).toBeGreaterThanOrEqual(990);
      expect(workStarted).toBeLessThan(2500);
      expect(events.indexOf('t.work end')).toBeLessThan(events.indexOf('t.connect end'));

      const deadline: string[] = [];
      const report = await run(deadline, 3000, { deadlineMs: 200 });
      expect(deadline).not.toContain('t.work start');
      expect(report.items[0]!.results[0]).toMatchObject({ id: 't.work', status: 'error', message: 'not started: not finished within the run deadline of 200 ms' });
    });
  });

  it('turns warnings into exit 0 with --fail-on fail, but never errors', async () => {
    const p = { id: 'gate', runbook: 't', items: [{ title: 'L', checks: ['t.fast'] }] };
    expect((await runProcedure(p, registry, { ...base, failOn: 'fail' })).exitCode).toBe(0);
    const e = { id: 'gate', runbook: 't', items: [{ title: 'L', checks: ['t.fast', 't.throws'] }] };
    expect((await runProcedure(e, registry, { ...base, failOn: 'fail' })).exitCode).toBe(3);
  });
});
