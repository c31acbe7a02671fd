import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { addDays, instantOf, weekdayOf, WEEKDAYS } from '../src/engine/zoned.js';
import { dueOn } from '../src/runbook/schedule.js';
import { nvcops, writeConfig } from './support/cli.js';

const NY = 'America/New_York';
/** A year with both clock changes (2027-03-14, 2027-11-07) and four months with a fifth Monday. */
const YEAR = Array.from({ length: 365 }, (_, i) => addDays('2027-01-01', i));
const READ_ONLY = ['health daily', 'health db', 'health security --last-24h', 'weekly capacity', 'weekly security', 'weekly performance', 'monthly compliance', 'monthly security', 'monthly capacity'];

/** What the runbook's own calendar has due that day, as the commands scheduled for it; the weekly maintenance (no day named) on Sundays. */
function expectedOn(date: string, withActions: boolean): string[] {
  return dueOn(date, NY)
    .filter((o) => o.entry.cadence.every !== 'week' || o.entry.cadence.on !== undefined || weekdayOf(date) === 'sunday')
    .flatMap((o) => o.entry.commands.map((c) => c.command))
    .filter((c) => withActions || READ_ONLY.includes(c))
    .sort();
}

/** A directory with a `date` that answers +%u for the simulated day (and checks it was asked in the runbook's zone), and an `nvcops` that prints what it was asked to run. */
function fakeTools(): string {
  const bin = mkdtempSync(join(tmpdir(), 'nvcops-fake-'));
  writeFileSync(join(bin, 'date'), '#!/bin/sh\n[ "$1" = "+%u" ] && [ "$TZ" = "America/New_York" ] || { echo "unexpected date $* TZ=$TZ" >&2; exit 9; }\necho "$SIM_WEEKDAY"\n');
  writeFileSync(join(bin, 'nvcops'), '#!/bin/sh\necho "$*"\n');
  chmodSync(join(bin, 'date'), 0o755);
  chmodSync(join(bin, 'nvcops'), 0o755);
  return bin;
}

/** Does one crontab time field (`*`, `N`, `A-B`) match? */
const fieldMatches = (field: string, value: number) => field === '*' || field.split(',').some((part) => {
  const [a, b] = part.split('-').map(Number);
  return b === undefined ? value === a : value >= a! && value <= b;
});

/**
 * Which commands fire on each day at 08:00: cron's fields on the local date, then every firing line run by
 * one real shell (each in its own subshell, as cron runs each line) with the fake tools; by date.
 */
function fired(entries: Array<{ schedule: string; script: string }>, dates: readonly string[], bin: string): Map<string, string[]> {
  let script = '';
  for (const date of dates) {
    const [, month, day] = date.split('-').map(Number) as [number, number, number];
    const dow = WEEKDAYS.indexOf(weekdayOf(date));
    const firing = entries.filter(({ schedule }) => {
      const [minute, hour, dom, mon, wd] = schedule.split(' ');
      expect([minute, hour]).toEqual(['0', '8']);
      // cron ORs day-of-month and day-of-week when both are restricted; the generator never restricts both.
      expect(dom !== '*' && wd !== '*').toBe(false);
      return fieldMatches(dom!, day) && fieldMatches(mon!, month) && fieldMatches(wd!, dow);
    });
    script += `SIM_WEEKDAY=${dow || 7}; export SIM_WEEKDAY; echo "@${date}"\n${firing.map((f) => `(${f.script}) || [ $? = 1 ] || exit 9\n`).join('')}`;
  }
  const out = execFileSync('/bin/sh', ['-s'], { input: script, env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
  const byDate = new Map<string, string[]>();
  let current = '';
  for (const line of out.split('\n').filter(Boolean)) {
    if (line.startsWith('@')) byDate.set((current = line.slice(1)), []);
    else byDate.get(current)!.push(line.replace(/ --yes$/, ''));
  }
  for (const list of byDate.values()) list.sort();
  return byDate;
}

/** The crontab's lines as cron reads them: environment lines apart, `\%` back to `%` (an unescaped % would end the command). */
function parseCrontab(text: string) {
  const env: Record<string, string> = {};
  const entries: Array<{ schedule: string; script: string }> = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const assign = /^([A-Z_]+)=(.*)$/.exec(line);
    if (assign) { env[assign[1]!] = assign[2]!; continue; }
    const fields = line.split(' ');
    const command = fields.slice(5).join(' ');
    expect(command.replace(/\\%/g, '')).not.toContain('%');
    entries.push({ schedule: fields.slice(0, 5).join(' '), script: command.replace(/\\%/g, '%') });
  }
  return { env, entries };
}

describe('nvcops runbook schedule: the runbook\'s calendar as timers', () => {
  const config = writeConfig({ environment: 'production' });

  it('crontab: CRON_TZ is the runbook\'s zone, and over a year every read-only entry fires on exactly the days the runbook has it due (fifth Mondays: none)', async () => {
    const r = await nvcops(['runbook', 'schedule', '--config', config]);
    expect(r.exitCode).toBe(0);
    const { env, entries } = parseCrontab(r.stdout);
    expect(env).toEqual({ CRON_TZ: NY, NVCOPS_CONFIG: config });
    const year = fired(entries, YEAR, fakeTools());
    for (const date of YEAR) expect(year.get(date), date).toEqual(expectedOn(date, false));
    // Spot checks the simulation must agree with: a first Monday, and a fifth Monday (no monthly entry).
    expect(year.get('2027-02-01')).toContain('monthly compliance');
    expect(year.get('2027-03-29')).toEqual(['health daily', 'health db', 'health security --last-24h', 'weekly capacity']);
  });

  it('--include-actions adds the DR test and the weekly maintenance, with --yes and the environment typed out; --env reaches every command', async () => {
    const r = await nvcops(['runbook', 'schedule', '--config', writeConfig({ environment: 'production', environments: { prod: {} } }), '--env', 'prod', '--include-actions']);
    expect(r.exitCode).toBe(0);
    const { entries } = parseCrontab(r.stdout);
    expect(entries.map((e) => e.script.split('nvcops ')[1])).toContain('monthly dr-test --env prod --yes --confirm-env prod');
    expect(entries.every((e) => e.script.includes(' --env prod'))).toBe(true);
    const year = fired(entries, YEAR, fakeTools());
    const strip = (cmds: string[]) => cmds.map((c) => c.replace(/ --env prod( --yes --confirm-env prod)?$/, '')).sort();
    for (const date of YEAR) expect(strip(year.get(date)!), date).toEqual(expectedOn(date, true));
  });

  it('systemd: every OnCalendar passes systemd-analyze, and its elapses over the year are the runbook\'s 8:00 New York on each due day (13:00 UTC in winter, 12:00 in summer)', async () => {
    const r = await nvcops(['runbook', 'schedule', '--config', config, '--format', 'systemd']);
    expect(r.exitCode).toBe(0);
    const files = r.stdout.split(/^# file: /m).filter(Boolean);
    const timers = files.filter((f) => f.split('\n')[0]!.endsWith('.timer'));
    const services = files.filter((f) => f.split('\n')[0]!.endsWith('.service'));
    expect(timers.length).toBe(READ_ONLY.length);
    expect(services.map((s) => s.split('\n')[0]!.replace('.service', ''))).toEqual(timers.map((t) => t.split('\n')[0]!.replace('.timer', '')));
    for (const s of services) expect(s).toContain(`Environment=NVCOPS_CONFIG=${config}\n`);
    for (const timer of timers) {
      expect(timer).toContain('Persistent=true\n');
      const calendar = /^OnCalendar=(.*)$/m.exec(timer)![1]!;
      const service = files.find((f) => f.startsWith(timer.split('\n')[0]!.replace('.timer', '.service')))!;
      const command = /^ExecStart=nvcops (.*)$/m.exec(service)![1]!;
      const out = execFileSync('systemd-analyze', ['calendar', '--iterations=400', '--base-time=2026-12-31 23:59:59 UTC', calendar], { env: { ...process.env, TZ: 'UTC' }, encoding: 'utf8' });
      const elapses = [...out.matchAll(/(?:Next elapse|Iter\. #\d+): \w+ (\S+ \S+) UTC/g)].map((m) => new Date(`${m[1]}Z`).toISOString()).filter((t) => t < '2028-01-01');
      const due = YEAR.filter((d) => expectedOn(d, false).includes(command)).map((d) => instantOf(d, '08:00', NY).toISOString());
      expect(elapses, calendar).toEqual(due);
    }
    expect(timers.map((t) => /^OnCalendar=(.*)$/m.exec(t)![1])).toContain('Mon *-*-15..21 08:00:00 America/New_York');
  });

  it('kubernetes: CronJobs parse as YAML with the zone, Forbid and the image, and fire on the runbook\'s days', async () => {
    const none = await nvcops(['runbook', 'schedule', '--config', config, '--format', 'kubernetes']);
    expect([none.exitCode, none.stdout, none.stderr]).toEqual([64, '', 'nvcops: --image: needed with --format kubernetes: the container image that runs nvcops, such as registry.example.com/nvcops:0.1.0']);
    const r = await nvcops(['runbook', 'schedule', '--config', config, '--format', 'kubernetes', '--image', 'registry.example.com/nvcops:0.1.0']);
    expect(r.exitCode).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => { expect(d.errors).toEqual([]); return d.toJSON(); });
    expect(docs.length).toBe(READ_ONLY.length);
    const entries = docs.map((d) => {
      expect([d.apiVersion, d.kind, d.spec.timeZone, d.spec.concurrencyPolicy]).toEqual(['batch/v1', 'CronJob', NY, 'Forbid']);
      const container = d.spec.jobTemplate.spec.template.spec.containers[0];
      expect(container.image).toBe('registry.example.com/nvcops:0.1.0');
      expect(container.env).toContainEqual({ name: 'NVCOPS_CONFIG', value: config });
      const script = container.command ? container.command[2] : `nvcops ${container.args.join(' ')}`;
      if (container.command) expect(container.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
      return { schedule: d.spec.schedule, script: `TZ=${NY}; export TZ; ${script}` };
    });
    const year = fired(entries, YEAR, fakeTools());
    for (const date of YEAR) expect(year.get(date), date).toEqual(expectedOn(date, false));
  });

  it('refuses a bad --at or --format with one line and exit 64', async () => {
    const at = await nvcops(['runbook', 'schedule', '--config', config, '--at', '8am']);
    expect([at.exitCode, at.stdout]).toEqual([64, '']);
    expect(at.stderr).toMatch(/--at.*use a time written HH:MM \(24-hour\), such as 08:00/);
    const format = await nvcops(['runbook', 'schedule', '--config', config, '--format', 'cron']);
    expect([format.exitCode, format.stdout]).toEqual([64, '']);
    expect(format.stderr).toMatch(/--format.*crontab, systemd, kubernetes/);
  });
});
