/**
 * The runbook's calendar: Daily, Weekly and Monthly Operations, and the one maintenance line the
 * runbook gives a cadence ("# Weekly maintenance"). Only cadences the runbook states are here; the
 * one time it states is the Morning Health Check's 8:00, in the runbook's time zone (`schedule.timezone`,
 * default America/New_York: the runbook writes "8:00 AM EST" and means New York's clock, EST or EDT).
 */
import { addDays, dayWindow, instantOf, nthOfMonth, weekdayName, weekdayOf, type LocalTime, type Weekday } from '../engine/zoned.js';

/** What `runbook schedule` prints the calendar as (runbook/timers.ts). */
export const TIMER_FORMATS = ['crontab', 'systemd', 'kubernetes'] as const;
export type TimerFormat = (typeof TIMER_FORMATS)[number];

/** The runbook's time zone when `schedule.timezone` is not set. */
export const DEFAULT_TIMEZONE = 'America/New_York';

/** The runbook's time zone: `schedule.timezone`, else the runbook's own. */
export const runbookTimeZone = (config: { schedule?: { timezone?: string } }): string => config.schedule?.timezone ?? DEFAULT_TIMEZONE;

export type Cadence =
  /** Every day, due at a wall-clock time. */
  | { every: 'day'; at: LocalTime }
  /** A named weekday every week ("Monday: Capacity Planning"), or once a week on no stated day. */
  | { every: 'week'; on?: Weekday }
  /** The nth weekday of each month ("Second Monday"); a month's fifth Monday is none of them. */
  | { every: 'month'; nth: 1 | 2 | 3 | 4; on: Weekday };

/** What shows that a command ran: its check runs in the run history, or its audit records. */
export type Evidence =
  /** Check runs of `command`; with `check`, that check's result in them stands for the line. */
  | { history: string; check?: string }
  /**
   * `finished` audit records of `action` (dry runs and refusals are not runs); `args` the command line must hold;
   * `parts` what the runbook's task names, each of which the run must have judged (a run with some of them is partial).
   */
  | { audit: string; args?: readonly string[]; parts?: readonly string[] };

export interface ScheduledCommand {
  /** What to type after `nvcops`. */
  command: string;
  /** The runbook's script it replaces. */
  runbook: string;
  /** Any one of these, on the day, means it ran; without them, a run of `command` in the run history. */
  evidence?: readonly Evidence[];
}

/** What shows that a scheduled command ran. */
export const evidenceOf = (c: ScheduledCommand): readonly Evidence[] => c.evidence ?? [{ history: c.command }];

export type ScheduleSection = 'daily' | 'weekly' | 'monthly' | 'maintenance';

export interface ScheduleEntry {
  /** The runbook's heading. */
  title: string;
  section: ScheduleSection;
  /** Where the heading sits in the runbook. */
  runbook: string;
  cadence: Cadence;
  commands: readonly ScheduledCommand[];
}

export const SCHEDULE: readonly ScheduleEntry[] = [
  {
    title: 'Morning Health Check (8:00 AM EST)',
    section: 'daily',
    runbook: 'Daily Operations › Morning Health Check (8:00 AM EST)',
    cadence: { every: 'day', at: '08:00' },
    commands: [
      { command: 'health daily', runbook: './scripts/daily_health_check.sh' },
      { command: 'health db', runbook: 'python scripts/db_performance_check.py' },
      {
        command: 'health security --last-24h',
        runbook: 'python scripts/security_events_summary.py --last-24h',
        // The review keeps no run of its own; the morning checklist's "Security alerts reviewed" line is its verdict.
        evidence: [{ history: 'health daily', check: 'security.alerts-reviewed' }],
      },
    ],
  },
  {
    title: 'Monday: Capacity Planning',
    section: 'weekly',
    runbook: 'Weekly Operations › Monday: Capacity Planning',
    cadence: { every: 'week', on: 'monday' },
    commands: [{ command: 'weekly capacity', runbook: 'python scripts/capacity_analysis.py --week; aws autoscaling describe-auto-scaling-groups' }],
  },
  {
    title: 'Wednesday: Security Review',
    section: 'weekly',
    runbook: 'Weekly Operations › Wednesday: Security Review',
    cadence: { every: 'week', on: 'wednesday' },
    commands: [{ command: 'weekly security', runbook: './scripts/weekly_security_scan.sh; python scripts/vulnerability_check.py' }],
  },
  {
    title: 'Friday: Performance Optimization',
    section: 'weekly',
    runbook: 'Weekly Operations › Friday: Performance Optimization',
    cadence: { every: 'week', on: 'friday' },
    commands: [{ command: 'weekly performance', runbook: 'python scripts/db_optimization.py; redis-cli info stats' }],
  },
  {
    title: 'First Monday: Compliance Review',
    section: 'monthly',
    runbook: 'Monthly Operations › First Monday: Compliance Review',
    cadence: { every: 'month', nth: 1, on: 'monday' },
    commands: [{ command: 'monthly compliance', runbook: 'its checklist, line by line' }],
  },
  {
    title: 'Second Monday: Disaster Recovery Test',
    section: 'monthly',
    runbook: 'Monthly Operations › Second Monday: Disaster Recovery Test',
    cadence: { every: 'month', nth: 2, on: 'monday' },
    commands: [{ command: 'monthly dr-test', runbook: './scripts/test_backup_restore.sh; ./scripts/test_failover.sh', evidence: [{ audit: 'monthly dr-test', parts: ['restore drill', 'failover drill'] }] }],
  },
  {
    title: 'Third Monday: Security Assessment',
    section: 'monthly',
    runbook: 'Monthly Operations › Third Monday: Security Assessment',
    cadence: { every: 'month', nth: 3, on: 'monday' },
    commands: [{ command: 'monthly security', runbook: 'its checklist, line by line' }],
  },
  {
    title: 'Fourth Monday: Capacity Planning',
    section: 'monthly',
    runbook: 'Monthly Operations › Fourth Monday: Capacity Planning',
    cadence: { every: 'month', nth: 4, on: 'monday' },
    commands: [{ command: 'monthly capacity', runbook: 'its checklist, line by line' }],
  },
  {
    title: 'Weekly maintenance',
    section: 'maintenance',
    runbook: 'Maintenance Procedures › Database Maintenance: # Weekly maintenance',
    // The runbook says weekly and names no day: due whenever a week has passed since the last run.
    cadence: { every: 'week' },
    commands: [{ command: 'maintain db --vacuum --analyze', runbook: 'python scripts/db_maintenance.py --vacuum --analyze', evidence: [{ audit: 'maintain db', args: ['--vacuum'] }] }],
  },
];

/** A scheduled entry on one day: when it is due, and the span whose runs count for it. */
export interface Occurrence {
  entry: ScheduleEntry;
  /** The stated time, or the end of the day when the runbook states none. */
  dueAt: Date;
  /** Whether the runbook states the time (only the Morning Health Check's 8:00). */
  timed: boolean;
  /** Runs in [from, to) count: the day; for a weekly task on no stated day, the seven days ending with it. */
  from: Date;
  to: Date;
}

/** Does the entry fall on this day of the runbook's calendar? A weekly task on no stated day falls on every day. */
function fallsOn(cadence: Cadence, date: string): boolean {
  switch (cadence.every) {
    case 'day':
      return true;
    case 'week':
      return cadence.on === undefined || weekdayOf(date) === cadence.on;
    case 'month':
      return weekdayOf(date) === cadence.on && nthOfMonth(date) === cadence.nth;
  }
}

/** What the runbook has due on a day (`YYYY-MM-DD` in `tz`), in the runbook's order. */
export function dueOn(date: string, tz: string): Occurrence[] {
  const day = dayWindow(date, tz);
  return SCHEDULE.filter((entry) => fallsOn(entry.cadence, date)).map((entry) => {
    const c = entry.cadence;
    const timed = c.every === 'day';
    return {
      entry,
      dueAt: timed ? instantOf(date, c.at, tz) : day.end,
      timed,
      from: c.every === 'week' && c.on === undefined ? dayWindow(addDays(date, -6), tz).start : day.start,
      to: day.end,
    };
  });
}

/** The cadence in words: "daily at 08:00", "every Monday", "second Monday of the month", "weekly (no day stated)". */
export function cadenceText(c: Cadence, tz: string): string {
  switch (c.every) {
    case 'day':
      return `daily at ${c.at} ${tz}`;
    case 'week':
      return c.on ? `every ${weekdayName(c.on)}` : 'weekly, on no day the runbook names';
    case 'month':
      return `${['first', 'second', 'third', 'fourth'][c.nth - 1]} ${weekdayName(c.on)} of the month`;
  }
}
