import { appendFileSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPLIANCE_COMMAND, controlsOf } from '../src/controls/catalogue.js';
import { SCHEMA_VERSION, type RunReport } from '../src/engine/report.js';
import { procedures } from '../src/runbook/procedures.js';
import { LocalStore } from '../src/state/local.js';
import type { AuditRecord } from '../src/state/store.js';
import { type TestCa } from './support/certs.js';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { startPostgres, testCa, type PgServer } from './support/servers.js';

const DAY = 86_400_000;
const CARD = '4111 1111 1111 1111';
const CONTROLS = controlsOf(COMPLIANCE_COMMAND);
const MANUAL = CONTROLS.filter((c) => c.manual).map((c) => c.id);
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

/** A run as the history keeps it, with the given results. */
function kept(command: string, at: string, results: { id: string; status: RunReport['status']; message?: string; details?: string[] }[]) {
  const report: RunReport = {
    schemaVersion: SCHEMA_VERSION, command, runbook: command, environment: 'production', startedAt: at, durationMs: 5,
    status: results.some((r) => r.status === 'fail') ? 'fail' : 'pass', exitCode: results.some((r) => r.status === 'fail') ? 2 : 0, interrupted: false,
    summary: { pass: 0, warn: 0, fail: 0, error: 0, skip: 0, manual: 0, waived: 0, total: results.length },
    items: [{ title: command, status: 'pass', results: results.map((r) => ({ title: r.id, observed: null, threshold: null, durationMs: 1, message: 'ok', ...r })) }],
  };
  return { at, by: 'Ola Ops', host: 'ops1', command, environment: 'production', status: report.status, exitCode: report.exitCode, report };
}

/** A clone whose deploy tags were cut now: one annotated with its change ticket, one without. */
async function deployRepo(): Promise<string> {
  const repo = mkdtempSync(join(tmpdir(), 'nvcops-compliance-deploys-'));
  const env = { GIT_AUTHOR_NAME: 'Ada Dev', GIT_AUTHOR_EMAIL: 'ada@bank.example', GIT_COMMITTER_NAME: 'Ada Dev', GIT_COMMITTER_EMAIL: 'ada@bank.example' };
  const git = (args: string[]) => execa('git', args, { cwd: repo, env });
  await git(['init', '-q', '-b', 'main']);
  writeFileSync(join(repo, 'a.txt'), 'a\n');
  await git(['add', 'a.txt']);
  await git(['commit', '-q', '-m', 'Raise payment timeout']);
  await git(['tag', '-a', 'deploy-101', '-m', 'CHG-4711 payment timeout to production']);
  return repo;
}

describe('nvcops monthly compliance against real servers', () => {
  let ca: TestCa;
  let hard: PgServer;
  let soft: PgServer;
  let work: string;
  let state: string;
  let appLog: string;
  let repo: string;
  let hardConfig: string;
  let softConfig: string;
  const env = () => ({ NODE_EXTRA_CA_CERTS: ca.ca });
  const review = (config: string, ...args: string[]) => nvcops(['monthly', 'compliance', '--config', config, ...args], { env: env() });

  beforeAll(async () => {
    ca = await testCa();
    [hard, soft] = await Promise.all([
      startPostgres({
        settings: {
          password_encryption: 'scram-sha-256',
          log_connections: 'on', log_disconnections: 'on', shared_preload_libraries: 'pgaudit', 'pgaudit.log': 'ddl,role,write',
        },
      }),
      // Careless: no TLS, MD5 passwords.
      startPostgres({ tls: false, settings: { password_encryption: 'md5' } }),
    ]);
    work = mkdtempSync(join(tmpdir(), 'nvcops-compliance-'));
    state = join(work, 'state');
    appLog = join(work, 'application.log');
    writeFileSync(appLog, `${JSON.stringify({ time: iso(60_000), level: 'info', msg: 'payment authorised', amount: 12.5, status: 200 })}\n`);
    repo = await deployRepo();
    await hard.sql(`CREATE TABLE events (id int, created_at timestamptz)`);
    await hard.sql(`INSERT INTO events SELECT g, now() - interval '1 day' FROM generate_series(1, 20) g`);
    await soft.sql(`CREATE ROLE legacy LOGIN PASSWORD 'legacy-pw'`);
    // A network line without TLS, and one that refuses TLS (loopback-only lines are fine either way).
    appendFileSync(join(soft.dataDir, 'pg_hba.conf'), 'host all all 10.0.0.0/8 scram-sha-256\nhostnossl all all 0.0.0.0/0 md5\n');
    const common = {
      environment: 'production',
      state: { path: state },
      logs: { application: appLog },
      deploys: { repositories: [repo] },
      compliance: { changeTicket: 'CHG-\\d+', retention: [{ table: 'public.events', column: 'created_at', keep: '7y' }] },
    };
    hardConfig = writeConfig({ ...common, postgres: { url: hard.url } });
    softConfig = writeConfig({ ...common, state: { path: join(work, 'soft-state') }, postgres: { url: soft.url }, compliance: { changeTicket: 'CHG-\\d+' } });
    // The run history the review reads: an access review 10 days ago and a backup verification yesterday.
    const store = LocalStore.open(state);
    await store.history.append(kept('maintain access', iso(10 * DAY), [{ id: 'access.postgres-roles', status: 'fail', details: ['[high] dba: superuser'] }]));
    await store.history.append(kept('backup verify', iso(DAY), [{ id: 'backups.checksums', status: 'pass' }, { id: 'backups.restorable', status: 'pass' }]));
    await store.close();
  });
  afterAll(async () => {
    await Promise.all([hard?.stop(), soft?.stop()]);
  });

  it('lists the runbook\'s four lines, each control once under its first framework, with its mappings', () => {
    const p = procedures['monthly compliance'];
    expect(p.items.map((i) => i.title)).toEqual(['SOX controls verification', 'PCI DSS compliance check', 'GDPR data processing review', 'AML/KYC process audit']);
    const all = p.items.flatMap((i) => i.checks);
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(CONTROLS.flatMap((c) => c.checks).sort());
    expect(new Set(CONTROLS.map((c) => c.id)).size).toBe(CONTROLS.length);
  });

  it('passes a hardened server on every automated control; the unattested manual controls leave the review incomplete (exit 3)', async () => {
    const r = await review(hardConfig, '--format', 'json');
    const { byId, line, report } = parseReport(r.stdout);
    for (const id of [
      'postgres.ssl', 'postgres.hba-ssl', 'postgres.password-encryption', 'postgres.pgaudit', 'postgres.connection-logging',
      'compliance.card-numbers-in-logs', 'compliance.access-review', 'compliance.backups-verified', 'compliance.data-retention',
      'compliance.change-records', 'compliance.audit-trail',
    ]) expect(byId[id]!.status, `${id}: ${byId[id]!.message}`).toBe('pass');
    expect(byId['postgres.hba-ssl']!.message).toMatch(/^every one of \d+ network lines of pg_hba\.conf is hostssl, hostgssenc, reject or loopback-only$/);
    expect(byId['postgres.password-encryption']!.message).toBe('password_encryption = scram-sha-256; no login role has an MD5 password (pg_authid read as postgres (postgres.url))');
    expect(byId['postgres.ssl']!.details![0]).toBe('control tls-in-transit · PCI DSS 4.2.1; 8.3.2 · SOX ITGC: access to programs and data · GDPR Art. 32(1)(a)');
    expect(byId['compliance.access-review']!.message).toMatch(/^maintain access run by Ola Ops on \d{4}-\d\d-\d\d \(10 days ago; its verdict: fail, 1 finding\)$/);
    expect(byId['compliance.change-records']!.message).toMatch(/^all 1 deploys since \d{4}-\d\d-01 name a change ticket$/);
    expect(byId['compliance.data-retention']!.details).toEqual(['control data-retention · GDPR Art. 5(1)(e) · PCI DSS 3.2.1', expect.stringMatching(/^public\.events: 0 rows with created_at before .+ \(keep 7y\)$/)]);
    for (const id of MANUAL) {
      expect(byId[`compliance.${id}`]).toMatchObject({ status: 'manual', message: expect.stringContaining(`nvcops monthly compliance --attest ${id} --by NAME --note`) });
    }
    expect(line('AML/KYC process audit').status).toBe('manual');
    expect(report.exitCode).toBe(3);
    expect(r.exitCode).toBe(3);
  });

  it('fails a careless server: ssl off, pg_hba host lines, md5, no audit logging, no retention rules configured', async () => {
    const r = await review(softConfig, '--format', 'json');
    const { byId } = parseReport(r.stdout);
    expect(byId['postgres.ssl']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^ssl = off/) });
    expect(byId['postgres.hba-ssl']).toMatchObject({ status: 'fail', message: '2 pg_hba.conf lines admit network clients without TLS — make them hostssl' });
    expect(byId['postgres.hba-ssl']!.details).toEqual([
      expect.stringMatching(/^control tls-in-transit/),
      expect.stringMatching(/^line \d+: host all all 10\.0\.0\.0 255\.0\.0\.0 scram-sha-256$/),
      expect.stringMatching(/^line \d+: hostnossl all all 0\.0\.0\.0 0\.0\.0\.0 md5$/),
    ]);
    expect(byId['postgres.password-encryption']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^password_encryption = md5/) });
    expect(byId['postgres.pgaudit']!.status).toBe('warn');
    expect(byId['postgres.connection-logging']!.status).toBe('warn');
    expect(byId['compliance.data-retention']).toMatchObject({ status: 'skip', message: expect.stringContaining('compliance.retention') });
    expect(r.exitCode).toBe(2);

    // A waiver of the automated TLS control: both its checks read waived, with what they found; the rest still fails.
    const until = new Date(Date.now() + 30 * DAY).toISOString().slice(0, 10);
    const w = await review(softConfig, '--waive', 'tls-in-transit', '--by', 'Dana Auditor', '--reason', 'batch host on an isolated VLAN until its migration', '--until', until);
    expect(w.exitCode).toBe(0);
    const waived = parseReport((await review(softConfig, '--format', 'json')).stdout);
    expect(waived.byId['postgres.ssl']).toMatchObject({ status: 'waived', message: expect.stringMatching(/^waived by Dana Auditor on .+ until .+: batch host on an isolated VLAN until its migration \(the check found: fail — ssl = off/) });
    expect(waived.byId['postgres.hba-ssl']!.status).toBe('waived');
    expect(waived.line('PCI DSS compliance check').status).toBe('fail');
    expect(waived.report.exitCode).toBe(2);
  });

  it('scram-sha-256 set but an old MD5 hash left: fail naming the role; without pg_authid or pg_hba_file_rules access, each is error naming the privilege', async () => {
    await hard.sql(`SET password_encryption = 'md5'; CREATE ROLE old_teller LOGIN PASSWORD 'old-pw' VALID UNTIL '2099-01-01'`);
    try {
      const { byId } = parseReport((await review(hardConfig, '--format', 'json')).stdout);
      expect(byId['postgres.password-encryption']).toMatchObject({
        status: 'fail', message: 'password_encryption = scram-sha-256, but 1 login role still has an MD5 password: old_teller — set each password again',
      });
    } finally {
      await hard.sql(`DROP ROLE old_teller`);
    }
    await hard.sql(`CREATE ROLE monitor LOGIN PASSWORD 'mon-pw' IN ROLE pg_monitor VALID UNTIL '2099-01-01'`);
    const monitor = writeConfig({ environment: 'production', state: { path: state }, postgres: { url: hard.urlFor('monitor', 'postgres', 'mon-pw') } });
    const evidence = join(work, 'evidence-monitor');
    const r = await review(monitor, '--format', 'json', '--evidence', evidence);
    const { byId } = parseReport(r.stdout);
    expect(byId['postgres.hba-ssl']).toMatchObject({ status: 'error', message: expect.stringMatching(/^pg_hba_file_rules cannot be read: it needs a superuser, or GRANT SELECT ON pg_hba_file_rules/) });
    // The stored hashes unseen: the check cannot tell, so it is error and PCI 8.3.2's password storage does not pass.
    expect(byId['postgres.password-encryption']).toMatchObject({ status: 'error', message: expect.stringMatching(/^missing privilege: pg_authid cannot be read.*GRANT SELECT ON pg_authid TO that role$/) });
    const pci = JSON.parse(readFileSync(join(evidence, 'evidence.json'), 'utf8')).frameworks.find((f: { framework: string }) => f.framework === 'PCI DSS');
    expect(pci.requirements.find((q: { ref: string }) => q.ref === '8.3.2').controls).toContainEqual({ id: 'password-storage', status: 'error' });
    expect(r.stdout).not.toContain('mon-pw');
    // The grant the message names is enough.
    await hard.sql('GRANT SELECT ON pg_authid TO monitor');
    try {
      const granted = parseReport((await review(monitor, '--format', 'json')).stdout);
      expect(granted.byId['postgres.password-encryption']).toMatchObject({ status: 'pass', message: 'password_encryption = scram-sha-256; no login role has an MD5 password (pg_authid read as monitor (postgres.url))' });
    } finally {
      await hard.sql('REVOKE SELECT ON pg_authid FROM monitor');
    }
  });

  it('finds a card number in the log and shows it masked in every format; rows beyond retention; an untagged deploy', async () => {
    appendFileSync(appLog, `${JSON.stringify({ time: iso(30_000), level: 'info', msg: `refund to card ${CARD} issued` })}\n`);
    await hard.sql(`INSERT INTO events SELECT g, now() - interval '8 years' FROM generate_series(1, 3) g`);
    await execa('git', ['tag', 'deploy-102'], { cwd: repo });
    try {
      const r = await review(hardConfig, '--format', 'json');
      const { byId } = parseReport(r.stdout);
      const cards = byId['compliance.card-numbers-in-logs']!;
      expect(cards).toMatchObject({ status: 'fail', observed: { value: 1 }, message: expect.stringMatching(/^1 log line of 2 holds a card number/) });
      expect(cards.details![1]).toMatch(/application\.log .*refund to card \*{12}1111 issued/);
      expect(byId['compliance.data-retention']).toMatchObject({ status: 'fail', observed: { value: 3 }, message: '1 of 1 tables keep rows beyond their retention — delete or anonymise them' });
      expect(byId['compliance.data-retention']!.details![1]).toMatch(/^public\.events: 3 rows with created_at before .+ \(keep 7y\)$/);
      expect(byId['compliance.change-records']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^1 of 2 deploys since .+ name no change ticket matching \/CHG-\\d\+\//) });
      expect(byId['compliance.change-records']!.details![1]).toMatch(/compliance-deploys-.+: deploy-102 \([0-9a-f]+, .+, Ada Dev/);
      expect(r.exitCode).toBe(2);
      const evidence = join(work, 'evidence-cards');
      for (const format of ['human', 'junit', 'nagios', 'markdown']) {
        const out = await review(hardConfig, '--format', format, '--evidence', evidence);
        // Nagios prints no details; the other formats show the masked line.
        if (format !== 'nagios') expect(out.stdout).toContain('************1111');
        for (const text of [out.stdout, out.stderr, readFileSync(join(evidence, 'evidence.md'), 'utf8'), readFileSync(join(evidence, 'evidence.json'), 'utf8')]) {
          expect(text).not.toContain(CARD);
          expect(text).not.toContain(CARD.replace(/ /g, ''));
        }
      }
      expect(r.stdout).not.toContain(CARD);
    } finally {
      writeFileSync(appLog, `${JSON.stringify({ time: iso(60_000), level: 'info', msg: 'payment authorised', status: 200 })}\n`);
      await hard.sql(`DELETE FROM events WHERE created_at < now() - interval '7 years'`);
      await execa('git', ['tag', '-d', 'deploy-102'], { cwd: repo });
    }
  });

  it('fails the access review older than 90 days, and backups whose latest verification failed', async () => {
    const dir = join(work, 'old-state');
    const store = LocalStore.open(dir);
    await store.history.append(kept('maintain access', iso(100 * DAY), [{ id: 'access.postgres-roles', status: 'pass' }]));
    await store.history.append(kept('backup verify', iso(3 * DAY), [{ id: 'backups.checksums', status: 'pass' }]));
    await store.history.append(kept('health daily', iso(DAY), [{ id: 'backups.checksums', status: 'fail', message: 'db-1 sha256 differs from its manifest' }]));
    await store.close();
    const config = writeConfig({ environment: 'production', state: { path: dir } });
    const { byId } = parseReport((await review(config, '--format', 'json')).stdout);
    expect(byId['compliance.access-review']).toMatchObject({ status: 'fail', message: 'no complete access review in the last 90 days — run nvcops maintain access and work its findings' });
    expect(byId['compliance.backups-verified']).toMatchObject({
      status: 'fail', message: expect.stringMatching(/^the latest verification \(health daily by Ola Ops, .+\) did not pass: backups\.checksums fail — db-1 sha256 differs from its manifest$/),
    });
    expect(byId['compliance.backups-verified']!.details).toContain(`2 verification runs since ${new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 1)).toISOString().slice(0, 10)}, 1 passed`);
  });

  it('refuses a bad --attest or --waive with one line and exit 64, recording nothing (every case: test/attestations.test.ts)', async () => {
    const usage = [
      [['--attest', 'nope', '--by', 'Kim', '--note', 'n'], /--attest: unknown manual control "nope"; allowed: segregation-of-duties, records-of-processing, data-subject-requests, kyc-screening, transaction-monitoring/],
      [['--waive', 'data-retention', '--by', 'Kim', '--reason', 'r'], /--until is required/],
      [['--waive', 'data-retention', '--by', 'Kim', '--reason', 'r', '--until', '2099-01-01'], /more than 366 days ahead/],
      [['--attest', 'kyc-screening', '--waive', 'kyc-screening', '--by', 'Kim'], /cannot be used with option/],
      [['--attest', 'kyc-screening', '--by', 'Kim', '--note', 'n', '--evidence', join(work, 'evidence-refused')], /--evidence goes with a review run, not with --attest or --waive/],
    ] as const;
    for (const [args, message] of usage) {
      const r = await review(hardConfig, ...args);
      expect(r.exitCode, args.join(' ')).toBe(64);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.split('\n')[0]).toMatch(/^nvcops: /);
      expect(r.stderr).not.toMatch(/at .+\.js:\d+/);
    }
    const store = LocalStore.open(state);
    expect(await store.audit.list()).toEqual([]);
    await store.close();
  });

  it('attest and waive through the CLI: attested and waived controls, exit 0 when all is done, evidence files', async () => {
    for (const id of MANUAL.filter((m) => m !== 'data-subject-requests')) {
      const r = await review(hardConfig, '--attest', id, '--by', 'Grace Officer', '--note', `${id} reviewed, evidence in GRC-7`);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Attested ${id} \\(.+\\) in production by Grace Officer at .+: ${id} reviewed, evidence in GRC-7\\nRecorded in the audit trail of .+ as seq \\d+ \\(hash [0-9a-f]{64}\\)\\.$`));
    }
    const until = new Date(Date.now() + 20 * DAY).toISOString().slice(0, 10);
    const waive = ['--waive', 'data-subject-requests', '--by', 'Dana DPO', '--reason', 'request tooling migrated; backlog reviewed weekly by the DPO', '--until', until];
    const w = await review(hardConfig, ...waive, '--format', 'json');
    expect(w.exitCode).toBe(0);
    expect(JSON.parse(w.stdout)).toMatchObject({ waived: { control: 'data-subject-requests', until, by: 'Dana DPO', recordVersion: 1, alreadyRecorded: false } });
    const again = await review(hardConfig, ...waive);
    expect(again.stdout).toMatch(/^Already recorded: data-subject-requests waived until .+; nothing written\.$/);

    const evidence = join(work, 'evidence');
    const r = await review(hardConfig, '--format', 'json', '--evidence', evidence);
    const { byId, line, report } = parseReport(r.stdout);
    expect(byId['compliance.kyc-screening']).toMatchObject({ status: 'pass', message: expect.stringMatching(/^attested by Grace Officer on .+: kyc-screening reviewed, evidence in GRC-7$/) });
    expect(byId['compliance.data-subject-requests']).toMatchObject({ status: 'waived', message: expect.stringMatching(/^waived by Dana DPO on .+ until \d{4}-\d\d-\d\d: request tooling migrated/) });
    expect(line('GDPR data processing review').status).toBe('waived');
    expect(report.summary).toMatchObject({ waived: 1, manual: 0, fail: 0, error: 0 });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe(`nvcops: evidence written to ${evidence}/evidence.md and ${evidence}/evidence.json`);

    const e = JSON.parse(readFileSync(join(evidence, 'evidence.json'), 'utf8'));
    const verify = JSON.parse((await nvcops(['audit', 'verify', '--config', hardConfig, '--format', 'json'])).stdout);
    expect(e).toMatchObject({
      evidenceVersion: 1, review: 'monthly compliance', environment: 'production', exitCode: 0,
      auditTrail: { verified: true, records: verify.count, headHash: verify.head },
    });
    const ctl = (id: string) => e.controls.find((c: { id: string }) => c.id === id);
    expect(ctl('kyc-screening')).toMatchObject({
      type: 'manual', owner: 'the compliance officer', validFor: '31d', status: 'pass',
      attestation: { by: 'Grace Officer', note: 'kyc-screening reviewed, evidence in GRC-7', current: true, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
      requirements: [{ framework: 'AML/KYC', ref: 'FATF R.10, 31 CFR 1020.220' }, { framework: 'AML/KYC', ref: 'FATF R.6, OFAC' }],
    });
    expect(ctl('data-subject-requests')).toMatchObject({ status: 'waived', waiver: { by: 'Dana DPO', until, reason: 'request tooling migrated; backlog reviewed weekly by the DPO', active: true } });
    expect(ctl('tls-in-transit').checks.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([['postgres.ssl', 'pass'], ['postgres.hba-ssl', 'pass']]);
    // A control serving several frameworks is listed under each of its requirements.
    const pci = e.frameworks.find((f: { framework: string }) => f.framework === 'PCI DSS');
    expect(pci.requirements.find((q: { ref: string }) => q.ref === '8.3.2').controls).toEqual([{ id: 'tls-in-transit', status: 'pass' }, { id: 'password-storage', status: 'pass' }]);
    const gdpr = e.frameworks.find((f: { framework: string }) => f.framework === 'GDPR');
    expect(gdpr.requirements.find((q: { ref: string }) => q.ref === 'Art. 32(1)(a)').controls).toEqual([{ id: 'tls-in-transit', status: 'pass' }]);

    const md = readFileSync(join(evidence, 'evidence.md'), 'utf8');
    expect(md).toContain(`- Verified: yes, ${verify.count} records; head hash \`${verify.head}\``);
    expect(md).toContain('### data-subject-requests — Data subject requests answered in time: WAIVED');
    expect(md).toMatch(/- Waiver: by Dana DPO at .+ until .+: "request tooling migrated; backlog reviewed weekly by the DPO" \(record production\/data-subject-requests version 1, audit seq \d+\)\n/);
    expect(md).toMatch(/- Attestation: by Grace Officer at .+: "kyc-screening reviewed, evidence in GRC-7" \(audit seq \d+, hash `[0-9a-f]{64}`\)\n/);
    expect(md).toContain('| Art. 30 | records of processing activities | records-of-processing (PASS) |');
  });

  it('40 days on, the attestations have expired and the waiver is over', async () => {
    // 40 days on, the attestations have expired and the waiver is over: the manual controls are open again.
    const later = await nvcops(['monthly', 'compliance', '--config', hardConfig, '--format', 'json'], { env: { ...env(), NVCOPS_NOW: new Date(Date.now() + 40 * DAY).toISOString() } });
    const after = parseReport(later.stdout).byId;
    expect(after['compliance.kyc-screening']).toMatchObject({ status: 'manual', message: expect.stringMatching(/^last attested by Grace Officer on .+, older than 31d: attest again/) });
    expect(after['compliance.data-subject-requests']!.status).toBe('manual');
  });

  it('a tampered audit record turns the review red: audit trail fails, attestations untrusted, waivers not applied', async () => {
    const file = join(state, 'audit.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const rec = JSON.parse(lines[1]!) as AuditRecord;
    rec.details = { ...rec.details, note: 'rewritten after the fact' };
    writeFileSync(file, [lines[0], JSON.stringify(rec), ...lines.slice(2)].map((l) => `${l}\n`).join(''));
    const evidence = join(work, 'evidence-tampered');
    const r = await review(hardConfig, '--format', 'json', '--evidence', evidence);
    const { byId } = parseReport(r.stdout);
    expect(byId['compliance.audit-trail']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^the audit trail failed verification at seq 2 \(edited\)/) });
    for (const id of MANUAL) {
      expect(byId[`compliance.${id}`]).toMatchObject({ status: 'fail', message: 'the audit trail failed verification at seq 2 (edited): attestations and waivers are untrusted — run nvcops audit verify' });
    }
    expect(r.exitCode).toBe(2);
    const e = JSON.parse(readFileSync(join(evidence, 'evidence.json'), 'utf8'));
    expect(e.auditTrail).toMatchObject({ verified: false, problem: { seq: 2, kind: 'edited' } });
    expect(readFileSync(join(evidence, 'evidence.md'), 'utf8')).toContain('- Verified: **NO** — failed at seq 2 (edited)');
  });

  it('refuses bad compliance configuration with the key path (exit 78)', async () => {
    const bad = writeConfig({ compliance: { retention: [{ table: 'events; DROP TABLE x', column: 'created_at', keep: '7y' }] } });
    const r = await review(bad);
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toMatch(/compliance\.retention\[0\]\.table: a table name/);
    const badKeep = await review(writeConfig({ compliance: { changeTicket: 'CHG-(', retention: [{ table: 'events', column: 'created_at', keep: '7 eons' }] } }));
    expect(badKeep.exitCode).toBe(78);
    expect(badKeep.stderr).toMatch(/compliance\.changeTicket: a regular expression|compliance\.retention\[0\]\.keep: a retention such as 90d/);
  });
});

describe('monthly compliance --evidence DIR that cannot be made', () => {
  it('is refused in one line, exit 64, before the review runs: under a parent that refuses children, or where a file is in the way', async () => {
    const config = writeConfig({ environment: 'production' });
    const file = join(mkdtempSync(join(tmpdir(), 'nvcops-evidence-')), 'evidence');
    writeFileSync(file, 'not a directory');
    for (const [dir, message] of [['/proc/1/nope', 'cannot create the directory /proc/1/nope (ENOENT)'], [file, `cannot create the directory ${file} (a file of that name is in the way)`]] as const) {
      // Node's recursive mkdir spins for ever under /proc: the timeout is the test.
      const r = await nvcops(['monthly', 'compliance', '--config', config, '--evidence', dir], { timeoutMs: 20_000 });
      expect(r.exitCode, r.stderr).toBe(64);
      expect(r.stderr.trim().split('\n')).toEqual([`nvcops: --evidence: ${message}`]);
      expect(r.stdout).toBe('');
    }
  });
});

describe('compliance.change-records on a clone that has not been fetched', () => {
  it('is error, naming the clone and saying to fetch, until it was fetched since the period began: a stale clone cannot know of the period\'s deploys', async () => {
    const origin = await deployRepo();
    const clone = join(mkdtempSync(join(tmpdir(), 'nvcops-compliance-clone-')), 'payments');
    await execa('git', ['clone', '-q', origin, clone]);
    const config = writeConfig({ state: { path: join(clone, '..', 'state') }, deploys: { repositories: [clone] }, compliance: { changeTicket: 'CHG-\\d+' } });
    const changeRecords = async () => parseReport((await nvcops(['monthly', 'compliance', '--config', config, '--format', 'json'])).stdout).byId['compliance.change-records']!;
    expect(await changeRecords()).toMatchObject({ status: 'error', message: `${clone}: never fetched (no FETCH_HEAD), so it cannot show the period's deploys — run git -C ${clone} fetch --tags` });
    await execa('git', ['fetch', '-q', '--tags'], { cwd: clone });
    expect(await changeRecords()).toMatchObject({ status: 'pass', message: expect.stringMatching(/^all 1 deploys since \d{4}-\d\d-01 name a change ticket$/) });
    const longAgo = new Date(Date.now() - 70 * DAY);
    utimesSync(join(clone, '.git', 'FETCH_HEAD'), longAgo, longAgo);
    expect(await changeRecords()).toMatchObject({
      status: 'error',
      message: expect.stringMatching(new RegExp(`^${clone}: last fetched ${longAgo.toISOString().slice(0, 10)}T.+, before the period under review began \\(\\d{4}-\\d\\d-01\\), so it cannot show the period's deploys — run git -C ${clone} fetch --tags$`)),
    });
  });
});
