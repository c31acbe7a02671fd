/**
 * The runbook's calendar (SCHEDULE) as what a machine runs it with: crontab lines, systemd timers,
 * Kubernetes CronJobs. Only the Morning Health Check states a time; every other entry runs at `at`
 * (default 08:00) on its day. The weekly maintenance names no day: it runs on Sundays.
 */
import { stringify } from 'yaml';
import { WEEKDAYS, type Weekday } from '../engine/zoned.js';
import { SCHEDULE, type Cadence, type ScheduleEntry, type ScheduledCommand } from './schedule.js';


/** Commands that change something: scheduled only when asked, since they run without a person to confirm. */
const ACTIONS = new Set(['monthly dr-test', 'maintain db']);
/** The day the weekly maintenance runs, as the runbook names none: the week's quietest day for a bank's traffic. */
const MAINTENANCE_DAY: Weekday = 'sunday';

export interface TimerOptions {
  /** The runbook's time zone. */
  timezone: string;
  /** HH:MM for the entries whose time the runbook does not state. */
  at: string;
  includeActions: boolean;
  /** How to call nvcops (crontab, systemd). */
  bin: string;
  /** --env to run each command in. */
  env?: string;
  /** The config file the scheduled runs read (NVCOPS_CONFIG). */
  config?: string;
  /** The container image (kubernetes). */
  image?: string;
}

/** One scheduled command: when it runs and what it runs. */
export interface Timer {
  /** `nvcops-health-daily`: the unit, job or comment name. */
  name: string;
  entry: ScheduleEntry;
  /** Arguments after `nvcops`. */
  args: string[];
  hour: number;
  minute: number;
  /** Every day, a weekday each week, or the nth weekday of the month. */
  cadence: Cadence & { every: 'day' | 'week' | 'month' };
  day?: Weekday;
}

const baseCommand = (c: ScheduledCommand): string => c.command.split(' --')[0]!;

/** What runs, in the runbook's order; actions only with `includeActions`, and then without asking (`--yes`). */
export function timers(opts: TimerOptions): Timer[] {
  const out: Timer[] = [];
  for (const entry of SCHEDULE) {
    for (const c of entry.commands) {
      const action = ACTIONS.has(baseCommand(c));
      if (action && !opts.includeActions) continue;
      const time = entry.cadence.every === 'day' ? entry.cadence.at : opts.at;
      const [hour, minute] = time.split(':').map(Number) as [number, number];
      const args = [...c.command.split(' '), ...(opts.env ? ['--env', opts.env] : []), ...(action ? ['--yes', ...(opts.env ? ['--confirm-env', opts.env] : [])] : [])];
      const day = entry.cadence.every === 'day' ? undefined : entry.cadence.on ?? MAINTENANCE_DAY;
      out.push({ name: `nvcops-${baseCommand(c).replace(/ /g, '-')}`, entry, args, hour, minute, cadence: entry.cadence, ...(day && { day }) });
    }
  }
  return out;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** Days of the month of the nth weekday: 1-7, 8-14, 15-21, 22-28. */
const nthDays = (nth: number): [number, number] => [(nth - 1) * 7 + 1, nth * 7];
const cronWeekday = (d: Weekday) => WEEKDAYS.indexOf(d);
/** ISO weekday (date +%u): Monday 1 … Sunday 7. */
const isoWeekday = (d: Weekday) => cronWeekday(d) || 7;

/** The cron schedule, and for an nth weekday the weekday the command must test itself (cron ORs day-of-month and day-of-week). */
function cronOf(t: Timer): { schedule: string; weekdayGuard?: number } {
  const time = `${t.minute} ${t.hour}`;
  if (t.cadence.every === 'day') return { schedule: `${time} * * *` };
  if (t.cadence.every === 'week') return { schedule: `${time} * * ${cronWeekday(t.day!)}` };
  const [from, to] = nthDays(t.cadence.nth);
  return { schedule: `${time} ${from}-${to} * *`, weekdayGuard: isoWeekday(t.day!) };
}

/** A word of the shell, quoted only when it needs it. */
const sh = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

export function crontab(opts: TimerOptions): string {
  const lines = [
    `# nvcops: the Operations Runbook's calendar in ${opts.timezone} (nvcops runbook schedule --format crontab).`,
    '# CRON_TZ needs cronie (RHEL, Fedora, Alpine, Arch); on a cron without it, set the machine\'s zone to the runbook\'s or use --format systemd.',
    '# cron ORs day-of-month and day-of-week, so an "nth Monday" line runs on its seven days and tests the weekday itself.',
    `CRON_TZ=${opts.timezone}`,
    ...(opts.config ? [`NVCOPS_CONFIG=${opts.config}`] : []),
  ];
  for (const t of timers(opts)) {
    const { schedule, weekdayGuard } = cronOf(t);
    // % ends a crontab command unless escaped.
    const guard = weekdayGuard ? `[ "$(TZ=${opts.timezone} date +\\%u)" = ${weekdayGuard} ] && ` : '';
    lines.push('', `# ${t.entry.title}`, `${schedule} ${guard}${[opts.bin, ...t.args].map(sh).join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** systemd's calendar event: "Mon *-*-01..07 08:00:00 America/New_York". */
export function onCalendar(t: Timer, tz: string): string {
  const time = `${pad(t.hour)}:${pad(t.minute)}:00 ${tz}`;
  const dow = t.day ? `${t.day.slice(0, 1).toUpperCase()}${t.day.slice(1, 3)} ` : '';
  if (t.cadence.every !== 'month') return `${dow}*-*-* ${time}`;
  const [from, to] = nthDays(t.cadence.nth);
  return `${dow}*-*-${pad(from)}..${pad(to)} ${time}`;
}

/** A `.service` and a `.timer` for each command, each after a `# file:` line naming where it goes. */
export function systemdUnits(opts: TimerOptions): string {
  const files: string[] = [];
  for (const t of timers(opts)) {
    const what = `nvcops ${t.args.join(' ')} (${t.entry.title})`;
    // systemd splits ExecStart like a shell; arguments with specials are quoted, % is its specifier character.
    const exec = [opts.bin, ...t.args].map((a) => sh(a).replace(/%/g, '%%')).join(' ');
    files.push(
      `# file: /etc/systemd/system/${t.name}.service\n[Unit]\nDescription=${what}\n\n[Service]\nType=oneshot\n${opts.config ? `Environment=NVCOPS_CONFIG=${opts.config}\n` : ''}ExecStart=${exec}\n`,
      `# file: /etc/systemd/system/${t.name}.timer\n[Unit]\nDescription=${what}\n\n[Timer]\nOnCalendar=${onCalendar(t, opts.timezone)}\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n`,
    );
  }
  return `${files.join('\n')}`;
}

/** CronJob manifests, one YAML document each: the zone in `timeZone`, never two runs of one job at once. */
export function kubernetesCronJobs(opts: TimerOptions & { image: string }): string {
  return timers(opts).map((t) => {
    const { schedule, weekdayGuard } = cronOf(t);
    const run = weekdayGuard
      ? { command: ['/bin/sh', '-c', `[ "$(date +%u)" = ${weekdayGuard} ] || exit 0; exec nvcops ${t.args.map(sh).join(' ')}`] }
      : { args: t.args };
    const env = [{ name: 'TZ', value: opts.timezone }, ...(opts.config ? [{ name: 'NVCOPS_CONFIG', value: opts.config }] : [])];
    return `---\n${stringify({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: t.name, labels: { 'app.kubernetes.io/name': 'nvcops' }, annotations: { 'nvcops/runbook': t.entry.title } },
      spec: {
        schedule, timeZone: opts.timezone, concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 3600,
        jobTemplate: { spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'nvcops', image: opts.image, ...run, env }] } } } },
      },
    })}`;
  }).join('');
}
