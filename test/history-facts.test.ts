import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, type CheckResult, type RunReport } from '../src/engine/report.js';
import { HistoryProbe } from '../src/probes/history.js';
import { LocalStore } from '../src/state/local.js';

const ID = 'postgres.restarts-failovers';

function kept(at: string, result: Partial<CheckResult> & { status: CheckResult['status'] }) {
  const report: RunReport = {
    schemaVersion: SCHEMA_VERSION, command: 'health daily', runbook: 'daily', environment: 'production', startedAt: at, durationMs: 5,
    status: result.status, exitCode: 0, interrupted: false,
    summary: { pass: 0, warn: 0, fail: 0, error: 0, skip: 0, manual: 0, waived: 0, total: 1 },
    items: [{ title: 'L', status: result.status, results: [{ id: ID, title: ID, observed: null, threshold: null, durationMs: 1, message: 'm', ...result }] }],
  };
  return { at, by: 'Ola Ops', host: 'ops1', command: 'health daily', environment: 'production', status: report.status, exitCode: 0, report };
}

describe('HistoryProbe.previousFacts', () => {
  const setup = async (runs: ReturnType<typeof kept>[]) => {
    const store = LocalStore.open(mkdtempSync(join(tmpdir(), 'nvcops-facts-')));
    for (const r of runs) await store.history.append(r);
    return new HistoryProbe(async () => store, 'production');
  };
  const now = new Date('2026-12-07T12:00:00Z');

  it('answers with the newest run that kept facts for the check', async () => {
    const history = await setup([
      kept('2026-12-05T08:00:00Z', { status: 'pass', facts: { started: 'a' } }),
      kept('2026-12-06T08:00:00Z', { status: 'pass', facts: { started: 'b' } }),
    ]);
    expect(await history.previousFacts(ID, now)).toEqual({ at: '2026-12-06T08:00:00Z', facts: { started: 'b' } });
  });

  it('skips the newest runs where the check erred and kept none: the one before answers', async () => {
    const history = await setup([
      kept('2026-12-04T08:00:00Z', { status: 'pass', facts: { started: 'a' } }),
      kept('2026-12-05T08:00:00Z', { status: 'error' }),
      kept('2026-12-06T08:00:00Z', { status: 'error' }),
    ]);
    expect(await history.previousFacts(ID, now)).toEqual({ at: '2026-12-04T08:00:00Z', facts: { started: 'a' } });
  });

  it('is undefined on the first run, and when no run kept facts', async () => {
    expect(await (await setup([])).previousFacts(ID, now)).toBeUndefined();
    expect(await (await setup([kept('2026-12-06T08:00:00Z', { status: 'error' })])).previousFacts(ID, now)).toBeUndefined();
  });
});
