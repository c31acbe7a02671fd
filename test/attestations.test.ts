import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handleAttestation } from '../src/commands/attest.js';
import { recordAttestation, recordWaiver } from '../src/controls/attestations.js';
import { applyWaiver, controlCheck } from '../src/controls/check.js';
import { WAIVER_KIND } from '../src/probes/attestations.js';
import type { CheckContext } from '../src/engine/check.js';
import type { CheckOutput } from '../src/engine/verdict.js';
import type { Config } from '../src/engine/config/index.js';
import { UsageError } from '../src/engine/errors.js';
import { Redactor } from '../src/engine/redact.js';
import { exitCodeFor, summarize, worst, type CheckResult } from '../src/engine/report.js';
import { Probes } from '../src/probes/index.js';
import { LocalStore } from '../src/state/local.js';
import type { AuditRecord } from '../src/state/store.js';

const DAY = 86_400_000;
const COMMAND = 'monthly compliance';

function setup(environment = 'production') {
  const dir = mkdtempSync(join(tmpdir(), 'nvcops-attest-'));
  const config = { environment, state: { path: dir } } as unknown as Config;
  const store = LocalStore.open(dir);
  const action = { action: COMMAND, config, redactor: new Redactor(), by: 'Dana Auditor', argv: ['monthly', 'compliance'] };
  /** Evaluates with a fresh probe set (a new check run) at `now`. */
  const evaluate = async <T>(now: Date, fn: (ctx: CheckContext) => Promise<T>): Promise<T> => {
    const probes = new Probes(config);
    try {
      return await fn({ config, probes, signal: new AbortController().signal, now: () => now, othersDone: () => Promise.resolve() });
    } finally {
      await probes.close();
    }
  };
  const control = (now: Date, id = 'segregation-of-duties') => evaluate(now, (ctx) => controlCheck(id).run(ctx));
  return { dir, config, store, action, evaluate, control };
}

describe('manual controls: attestations', () => {
  it('is manual with the command that attests it until someone attests, then pass with who, when and the note', async () => {
    const s = setup();
    const before = await s.control(new Date());
    expect(before).toMatchObject({ status: 'manual', message: expect.stringContaining('nvcops monthly compliance --attest segregation-of-duties --by NAME --note') });

    const rec = await recordAttestation(s.store, s.action, { control: 'segregation-of-duties', note: 'SoD matrix reviewed, ticket GRC-12' });
    expect(rec).toMatchObject({ action: 'attest', phase: 'event', by: 'Dana Auditor', environment: 'production', details: { command: COMMAND, control: 'segregation-of-duties', note: 'SoD matrix reviewed, ticket GRC-12' } });

    const after = await s.control(new Date());
    expect(after.status).toBe('pass');
    expect(after.message).toMatch(/^attested by Dana Auditor on \d{4}-\d\d-\d\dT[\d:]+Z: SoD matrix reviewed, ticket GRC-12$/);
    expect(after.details).toEqual([`attestation: audit seq ${rec.seq}, hash ${rec.hash}`]);
    // Another control, or the same control in another environment, is not attested by it.
    expect((await s.control(new Date(), 'records-of-processing')).status).toBe('manual');
    const staging = setup('staging');
    await recordAttestation(staging.store, staging.action, { control: 'kyc-screening', note: 'n' });
    const other = { ...staging.config, environment: 'production' } as Config;
    const probes = new Probes(other);
    try {
      expect((await controlCheck('kyc-screening').run({ config: other, probes, signal: new AbortController().signal, now: () => new Date(), othersDone: () => Promise.resolve() })).status).toBe('manual');
    } finally {
      await probes.close();
    }
  });

  it('a security or capacity control is built by the same factory: its own review attests it, for 35 days', async () => {
    const s = setup();
    const check = controlCheck('security-policy-updates');
    expect(check).toMatchObject({ id: 'security.policy-updates', title: 'Security policy updates' });
    const open = await s.evaluate(new Date(), (ctx) => check.run(ctx));
    expect(open).toMatchObject({ status: 'manual', message: 'not attested (valid for 35d); when done: nvcops monthly security --attest security-policy-updates --by NAME --note "…"' });
    await recordAttestation(s.store, { ...s.action, action: 'monthly security' }, { control: 'security-policy-updates', note: 'policies v7 approved' });
    expect((await s.evaluate(new Date(Date.now() + 34 * DAY), (ctx) => check.run(ctx))).status).toBe('pass');
    expect((await s.evaluate(new Date(Date.now() + 36 * DAY), (ctx) => check.run(ctx))).status).toBe('manual');
    // Only a manual control has a check of its own to build.
    expect(() => controlCheck('tls-in-transit')).toThrow(/not a manual control/);
  });

  it('reads the trail once per run: an attestation recorded during a run counts from the next run', async () => {
    const s = setup();
    // A minute ahead, so that the attestation below is not later than the run's clock.
    await s.evaluate(new Date(Date.now() + 60_000), async (ctx) => {
      expect((await controlCheck('segregation-of-duties').run(ctx)).status).toBe('manual');
      await recordAttestation(s.store, s.action, { control: 'segregation-of-duties', note: 'done' });
      expect((await controlCheck('segregation-of-duties').run(ctx)).status).toBe('manual');
    });
    expect((await s.control(new Date(Date.now() + 60_000))).status).toBe('pass');
  });

  it('an attestation older than validFor no longer counts: manual again, naming the last one', async () => {
    const s = setup();
    await recordAttestation(s.store, s.action, { control: 'segregation-of-duties', note: 'done' });
    expect((await s.control(new Date(Date.now() + 30 * DAY))).status).toBe('pass');
    const expired = await s.control(new Date(Date.now() + 32 * DAY));
    expect(expired.status).toBe('manual');
    expect(expired.message).toMatch(/^last attested by Dana Auditor on .+, older than 31d: attest again: nvcops monthly compliance --attest segregation-of-duties/);
  });
});

describe('waivers', () => {
  const until = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);

  it('a waiver makes the control waived (never pass) until its expiry, then it is evaluated normally', async () => {
    const s = setup();
    await recordAttestation(s.store, s.action, { control: 'segregation-of-duties', note: 'done' });
    const w = await recordWaiver(s.store, s.action, { control: 'segregation-of-duties', reason: 'auditor accepted compensating control CC-4', until: until(10) });
    expect(w.record).toMatchObject({ kind: WAIVER_KIND, id: 'production/segregation-of-duties', version: 1, by: 'Dana Auditor', data: { reason: 'auditor accepted compensating control CC-4', until: until(10) } });
    expect(w.audit).toMatchObject({ action: 'waive', details: { control: 'segregation-of-duties', until: until(10), recordVersion: 1 } });

    const waived = await s.control(new Date());
    expect(waived.status).toBe('waived');
    expect(waived.message).toBe(`waived by Dana Auditor on ${w.audit!.at.replace(/\.\d+Z$/, 'Z')} until ${until(10)}: auditor accepted compensating control CC-4`);

    // The day after `until` the waiver is over: the attestation (still within 31 days) decides.
    expect((await s.control(new Date(Date.now() + 12 * DAY))).status).toBe('pass');
    // …and when that has expired too, the control is manual again.
    expect((await s.control(new Date(Date.now() + 40 * DAY))).status).toBe('manual');
  });

  it('re-running the same waiver writes nothing; a changed one is a new version', async () => {
    const s = setup();
    const args = { control: 'tls-in-transit', reason: 'legacy batch host until migration', until: until(30) };
    const first = await recordWaiver(s.store, s.action, args);
    const again = await recordWaiver(s.store, s.action, args);
    expect(again.audit).toBeUndefined();
    expect(again.record.version).toBe(1);
    expect(await s.store.audit.list({ action: 'waive' })).toHaveLength(1);
    const changed = await recordWaiver(s.store, s.action, { ...args, until: until(20) });
    expect(changed.record.version).toBe(2);
    expect(changed.audit!.seq).toBe(first.audit!.seq + 1);
  });

  it('a waiver record written without its audit event (a crash between the two) is completed by re-running it', async () => {
    const s = setup();
    const args = { control: 'tls-in-transit', reason: 'proxy', until: until(9) };
    await s.store.records.put(WAIVER_KIND, 'production/tls-in-transit', { command: COMMAND, environment: 'production', ...args }, { by: 'Dana Auditor', expectedVersion: 0 });
    const repaired = await recordWaiver(s.store, s.action, args);
    expect(repaired.record.version).toBe(2);
    expect(repaired.audit).toMatchObject({ action: 'waive', details: { recordVersion: 2 } });
    expect((await s.evaluate(new Date(), (ctx) => applyWaiver(ctx, 'tls-in-transit', { status: 'fail', message: 'ssl is off' }))).status).toBe('waived');
  });

  it('refuses a waiver without a reason, with an expiry in the past, or longer than a year', async () => {
    const s = setup();
    await expect(recordWaiver(s.store, s.action, { control: 'tls-in-transit', reason: ' ', until: until(5) })).rejects.toThrow(/--reason must say why/);
    await expect(recordWaiver(s.store, s.action, { control: 'tls-in-transit', reason: 'r', until: until(-2) })).rejects.toThrow(/is in the past/);
    await expect(recordWaiver(s.store, s.action, { control: 'tls-in-transit', reason: 'r', until: until(400) })).rejects.toThrow(/more than 366 days ahead/);
    await expect(recordWaiver(s.store, s.action, { control: 'tls-in-transit', reason: 'r', until: '2026-02-30' })).rejects.toThrow(/is not a date; use YYYY-MM-DD/);
    expect(await s.store.records.list(WAIVER_KIND)).toEqual([]);
  });

  it('applies to an automated control: waived with what the check found; nothing waived otherwise', async () => {
    const s = setup();
    const failing: CheckOutput = { status: 'fail', message: 'ssl is off' };
    expect(await s.evaluate(new Date(), (ctx) => applyWaiver(ctx, 'tls-in-transit', failing))).toBe(failing);
    await recordWaiver(s.store, s.action, { control: 'tls-in-transit', reason: 'TLS terminates at the proxy on this host', until: until(3) });
    const out = await s.evaluate(new Date(), (ctx) => applyWaiver(ctx, 'tls-in-transit', failing));
    expect(out.status).toBe('waived');
    expect(out.message).toMatch(/^waived by Dana Auditor on .+ until .+: TLS terminates at the proxy on this host \(the check found: fail — ssl is off\)$/);
    expect(await s.evaluate(new Date(Date.now() + 5 * DAY), (ctx) => applyWaiver(ctx, 'tls-in-transit', failing))).toBe(failing);
  });

  it('a waiver record that was edited behind the audit trail is untrusted', async () => {
    const s = setup();
    await recordWaiver(s.store, s.action, { control: 'tls-in-transit', reason: 'proxy', until: until(3) });
    const file = join(s.dir, 'records.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').replace(until(3), until(300)));
    const out = await s.evaluate(new Date(), (ctx) => applyWaiver(ctx, 'tls-in-transit', { status: 'fail', message: 'ssl is off' }));
    expect(out).toMatchObject({ status: 'fail', message: expect.stringContaining('does not match its audit event') });
  });
});

describe('a tampered audit trail', () => {
  it('turns an attested control into fail naming the record, and applies no waiver', async () => {
    const s = setup();
    await recordAttestation(s.store, s.action, { control: 'segregation-of-duties', note: 'done' });
    await recordWaiver(s.store, s.action, { control: 'tls-in-transit', reason: 'proxy', until: new Date(Date.now() + DAY).toISOString().slice(0, 10) });
    expect((await s.control(new Date())).status).toBe('pass');
    // Someone edits the attestation's note in the JSONL file.
    const file = join(s.dir, 'audit.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const first = JSON.parse(lines[0]!) as AuditRecord;
    first.details = { ...first.details, note: 'done (edited later)' };
    writeFileSync(file, [JSON.stringify(first), ...lines.slice(1)].map((l) => `${l}\n`).join(''));

    const out = await s.control(new Date());
    expect(out.status).toBe('fail');
    expect(out.message).toBe('the audit trail failed verification at seq 1 (edited): attestations and waivers are untrusted — run nvcops audit verify');
    const automated = await s.evaluate(new Date(), (ctx) => applyWaiver(ctx, 'tls-in-transit', { status: 'fail', message: 'ssl is off' }));
    expect(automated).toMatchObject({ status: 'fail', details: ['waivers not applied: the audit trail failed verification at seq 1'] });
  });
});

describe('the --attest/--waive handler of a review command', () => {
  const run = (flags: Record<string, string>) => handleAttestation({ color: false, ...flags }, COMMAND);
  const manual = 'segregation-of-duties, records-of-processing, data-subject-requests, kyc-screening, transaction-monitoring';

  it('runs the review when neither flag is given', async () => {
    expect(await run({})).toBeUndefined();
  });

  it('refuses, before writing anything, an unknown control, an automated one to attest, and missing --by/--note/--reason/--until', async () => {
    await expect(run({ attest: 'nope', by: 'x', note: 'n' })).rejects.toThrow(new UsageError(`monthly compliance: --attest: unknown manual control "nope"; allowed: ${manual}`));
    await expect(run({ attest: 'tls-in-transit', by: 'x', note: 'n' })).rejects.toThrow(/tls-in-transit is checked automatically; it can be waived, not attested/);
    await expect(run({ waive: 'nope', by: 'x', reason: 'r', until: '2099-01-01' })).rejects.toThrow(/--waive: unknown control "nope"; allowed: access-review, change-records, database-integrity, segregation-of-duties, backups-verified, audit-trail-integrity, tls-in-transit, /);
    await expect(run({ attest: 'segregation-of-duties', by: 'x' })).rejects.toThrow(/--note is required/);
    await expect(run({ attest: 'segregation-of-duties', note: 'n' })).rejects.toThrow(/--by is required/);
    await expect(run({ waive: 'tls-in-transit', by: 'x', until: '2099-01-01' })).rejects.toThrow(/--reason is required/);
    await expect(run({ waive: 'tls-in-transit', by: 'x', reason: 'r' })).rejects.toThrow(/--until is required/);
    await expect(run({ note: 'n' })).rejects.toThrow(/--note goes with --attest CONTROL/);
    // Given but empty (an unset variable): a control to name, never taken for no flag (which ran the review instead).
    await expect(run({ attest: '', by: 'x', note: 'n' })).rejects.toThrow(new UsageError(`monthly compliance: --attest: unknown manual control ""; allowed: ${manual}`));
    await expect(run({ attest: '' })).rejects.toThrow(/--attest: unknown manual control ""/);
    await expect(run({ attest: 'segregation-of-duties', by: 'x', note: 'n', until: '2099-01-01' })).rejects.toThrow(/--reason and --until go with --waive/);
  });
});

describe('statuses: waived ranks above pass, manual leaves an attested review incomplete', () => {
  const r = (status: CheckResult['status']): CheckResult => ({ id: 'x', title: 'x', status, observed: null, threshold: null, message: '', durationMs: 0 });
  it('rolls up and sets the exit code', () => {
    expect(worst(['pass', 'waived', 'pass'])).toBe('waived');
    expect(worst(['waived', 'manual'])).toBe('manual');
    expect(worst(['waived', 'warn'])).toBe('warn');
    const waived = summarize([{ title: 't', status: 'waived', results: [r('pass'), r('waived')] }]);
    expect(waived).toMatchObject({ pass: 1, waived: 1, total: 2 });
    expect(exitCodeFor(waived)).toBe(0);
    const manual = summarize([{ title: 't', status: 'manual', results: [r('pass'), r('manual')] }]);
    expect(exitCodeFor(manual)).toBe(0);
    expect(exitCodeFor(manual, 'warn', true)).toBe(3);
    expect(exitCodeFor(manual, 'fail', true)).toBe(3);
  });
});
