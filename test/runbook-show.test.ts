import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';

const ONCALL = {
  primary: [
    { name: 'Dana Ruiz', phone: '+1-555-0100' },
    { name: 'Lee Park', phone: '+1-555-0101' },
    { name: 'Ari Cohen', phone: '+1-555-0104', email: 'ari@nvcfund.example' },
  ],
  secondary: { name: 'Sam Okafor', phone: '+1-555-0102' },
  escalation: { name: 'Kim Vance', phone: '+1-555-0103' },
  rotation: { start: '2026-10-19', time: '09:00' },
  emergency: [{ role: 'Security Officer', name: 'Noor Haddad', phone: '+1-555-0190' }, { role: 'Head of Payments', phone: '+1-555-0191' }],
};

describe('runbook oncall', () => {
  it('says what the runbook says, and that no names are configured, without an oncall section', async () => {
    const r = await nvcops(['runbook', 'oncall'], { env: { NVCOPS_NOW: '2026-11-27T14:00:00Z' } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe([
      'On-Call Rotation now, 2026-11-27 09:00 EST (America/New_York)',
      'role        runbook                     name  contact  turn',
      'Primary     DevOps Engineer (24/7)      —     —        not configured',
      'Secondary   Senior Developer (24/7)     —     —        not configured',
      'Escalation  Engineering Manager (24/7)  —     —        not configured',
      "Names are not configured: set oncall.primary, oncall.secondary and oncall.escalation (see docs/configuration.md).",
      'Emergency Contacts',
      'role                name  contact',
      'CTO                 —     not configured',
      'Security Officer    —     not configured',
      'Compliance Officer  —     not configured',
    ].join('\n'));
  });

  it('names who is on call now and who takes over at the next handover, 09:00 New York time after the clocks went back', async () => {
    const state = mkdtempSync(join(tmpdir(), 'nvcops-oncall-state-'));
    const config = writeConfig({ oncall: ONCALL });
    const r = await nvcops(['runbook', 'oncall', '--config', config], { env: { NVCOPS_NOW: '2026-11-01T15:00:00Z', XDG_STATE_HOME: state } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe([
      'On-Call Rotation now, 2026-11-01 10:00 EST (America/New_York); turns hand over every Monday at 09:00',
      'role        runbook                     name        contact      turn',
      'Primary     DevOps Engineer (24/7)      Lee Park    +1-555-0101  until 2026-11-02 09:00 EST, then Ari Cohen',
      'Secondary   Senior Developer (24/7)     Sam Okafor  +1-555-0102',
      'Escalation  Engineering Manager (24/7)  Kim Vance   +1-555-0103',
      'Emergency Contacts',
      'role                name         contact',
      'CTO                 —            not configured',
      'Security Officer    Noor Haddad  +1-555-0190',
      'Compliance Officer  —            not configured',
      'Head of Payments    —            +1-555-0191',
    ].join('\n'));
    // Phone numbers are shown, never kept: nothing of this look-up lands in the state store.
    const kept = existsSync(join(state, 'nvcops')) ? readdirSync(join(state, 'nvcops'), { recursive: true, withFileTypes: true }).filter((f) => f.isFile()) : [];
    expect(kept.filter((f) => readFileSync(join(f.parentPath, f.name), 'utf8').includes('555-01'))).toEqual([]);
  });

  it('shows both turns on a handover day with --date, in JSON with the instants', async () => {
    const config = writeConfig({ oncall: ONCALL });
    const human = await nvcops(['runbook', 'oncall', '--config', config, '--date', '2026-11-02']);
    expect(human.stdout.split('\n').slice(0, 4)).toEqual([
      'On-Call Rotation on Monday 2026-11-02 (America/New_York); turns hand over every Monday at 09:00',
      'role        runbook                     name        contact                           turn',
      'Primary     DevOps Engineer (24/7)      Lee Park    +1-555-0101                       until 2026-11-02 09:00 EST',
      'Primary     DevOps Engineer (24/7)      Ari Cohen   +1-555-0104, ari@nvcfund.example  from 2026-11-02 09:00 EST',
    ]);
    const json = JSON.parse((await nvcops(['runbook', 'oncall', '--config', config, '--date', '2026-11-02', '--format', 'json'])).stdout);
    expect(json).toMatchObject({ date: '2026-11-02', timezone: 'America/New_York', configured: true, rotation: { start: '2026-10-19', day: 'monday', time: '09:00' } });
    expect(json.roles[0].turns).toEqual([
      { name: 'Lee Park', phone: '+1-555-0101', from: '2026-10-26T13:00:00.000Z', to: '2026-11-02T14:00:00.000Z' },
      { name: 'Ari Cohen', phone: '+1-555-0104', email: 'ari@nvcfund.example', from: '2026-11-02T14:00:00.000Z', to: '2026-11-09T14:00:00.000Z' },
    ]);
    expect(json.roles[2]).toEqual({ role: 'Escalation', runbook: 'Engineering Manager (24/7)', turns: [{ name: 'Kim Vance', phone: '+1-555-0103' }] });
  });

  it('refuses a rotation it cannot follow with exit 78 naming the key', async () => {
    const cases: [unknown, string][] = [
      [{ primary: ONCALL.primary }, 'oncall.rotation: a role lists several people, so oncall.rotation (start, day, time) must say when they hand over'],
      [{ ...ONCALL, rotation: { start: '2026-10-20' } }, 'oncall.rotation.start: not a rotation.day (default monday); start is the day of the first handover'],
      [{ ...ONCALL, rotation: { start: '2026-10-19', time: '9am' } }, 'oncall.rotation.time: a 24-hour time such as 09:00'],
      [{ primary: { name: 'Dana', pager: '1234' } }, 'oncall.primary.pager: unknown key'],
    ];
    for (const [oncall, message] of cases) {
      const r = await nvcops(['runbook', 'oncall', '--config', writeConfig({ oncall })]);
      expect(r.exitCode).toBe(78);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe('');
    }
  });
});

describe('runbook show and runbook severity', () => {
  it('shows a section\'s headings with cadence, commands and each review\'s checklist lines with their checks', async () => {
    const r = await nvcops(['runbook', 'show', 'monthly']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe([
      'Monthly Operations',
      '  First Monday: Compliance Review — first Monday of the month',
      '    nvcops monthly compliance  ← its checklist, line by line',
      '      - SOX controls verification (7 checks)',
      '      - PCI DSS compliance check (8 checks)',
      '      - GDPR data processing review (3 checks)',
      '      - AML/KYC process audit (2 checks)',
      '  Second Monday: Disaster Recovery Test — second Monday of the month',
      '    nvcops monthly dr-test  ← ./scripts/test_backup_restore.sh; ./scripts/test_failover.sh',
      '  Third Monday: Security Assessment — third Monday of the month',
      '    nvcops monthly security  ← its checklist, line by line',
      '      - Penetration testing review (2 checks)',
      '      - Access control audit (2 checks)',
      '      - Security policy updates (1 check)',
      '      - Incident response drill (1 check)',
      '  Fourth Monday: Capacity Planning — fourth Monday of the month',
      '    nvcops monthly capacity  ← its checklist, line by line',
      '      - Infrastructure scaling review (2 checks)',
      '      - Cost optimization analysis (2 checks)',
      '      - Performance trend analysis (2 checks)',
      '      - Technology roadmap update (1 check)',
    ].join('\n'));
  });

  it('lists each command\'s checklist lines and checks from its procedure, in the configured time zone', async () => {
    const r = await nvcops(['runbook', 'show', 'daily', '--format', 'json', '--config', writeConfig({ schedule: { timezone: 'Europe/London' } })]);
    const [daily] = JSON.parse(r.stdout);
    expect(daily.headings[0]).toMatchObject({ title: 'Morning Health Check (8:00 AM EST)', cadence: 'daily at 08:00 Europe/London' });
    const [healthDaily, , security] = daily.headings[0].commands;
    expect(healthDaily.checklist.map((i: { title: string }) => i.title)).toEqual([
      'All services running (target: 99.9% uptime)', 'Database connections healthy', 'API response times < 200ms', 'Error rates < 0.1%',
      'Security alerts reviewed', 'Backup verification completed',
    ]);
    expect(healthDaily.checklist[4].checks).toEqual(['security.alerts-reviewed']);
    expect(security).toEqual({ command: 'nvcops health security --last-24h', replaces: 'python scripts/security_events_summary.py --last-24h' });
    const all = await nvcops(['runbook', 'show']);
    expect(all.stdout.split('\n').filter((l) => /^\S/.test(l))).toEqual([
      'Daily Operations', 'Weekly Operations', 'Monthly Operations', 'Incident Response', 'Maintenance Procedures', 'Backup and Recovery', 'Contact Information',
    ]);
    expect(all.stdout).toContain('    nvcops maintain db --vacuum --analyze  ← python scripts/db_maintenance.py --vacuum --analyze (weekly, on no day the runbook names)\n');
  });

  it('refuses an unknown section with exit 64 naming the allowed ones', async () => {
    const r = await nvcops(['runbook', 'show', 'quarterly']);
    expect(r.exitCode).toBe(64);
    expect(r.stderr.split('\n')[0]).toBe("nvcops: command-argument value 'quarterly' is invalid for argument 'section'. Allowed choices are daily, weekly, monthly, incident, maintenance, backup, contacts. (run with --help for usage)");
    expect(r.stdout).toBe('');
  });

  it('shows P0–P3 with their response targets and examples', async () => {
    const r = await nvcops(['runbook', 'severity']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe([
      'level  name      response   notify stakeholders  post-mortem  examples',
      'P0     Critical  Immediate  yes                  yes          Complete system outage; Security breach; Data corruption; Payment processing failure',
      'P1     High      1 hour     yes                  yes          Partial system outage; Performance degradation >50%; Authentication issues; Compliance violations',
      'P2     Medium    4 hours    no                   no           Non-critical feature issues; Performance degradation <50%; Minor security concerns; Documentation updates',
      'P3     Low       24 hours   no                   no           Enhancement requests; Minor bugs; Cosmetic issues; Training requests',
      'Every alert is acknowledged within 5 minutes (Initial Response); "Immediate" is held to that window. nvcops incident list shows what is overdue.',
    ].join('\n'));
    const json = JSON.parse((await nvcops(['runbook', 'severity', '--format', 'json'])).stdout);
    expect(json.acknowledgeWithinMinutes).toBe(5);
    expect(json.levels.map((l: { id: string; response: string; responseMs: number }) => [l.id, l.response, l.responseMs])).toEqual([
      ['P0', 'Immediate', 300_000], ['P1', '1 hour', 3_600_000], ['P2', '4 hours', 14_400_000], ['P3', '24 hours', 86_400_000],
    ]);
  });
});
