/**
 * Calendar days and wall-clock times in a named time zone (the runbook's "8:00 AM EST" is New York
 * time: 13:00 UTC in winter, 12:00 UTC in summer). Days are `YYYY-MM-DD` strings; their arithmetic
 * is done on the proleptic calendar (Date.UTC), and only the step from a wall-clock time to an
 * instant asks Intl for the zone's offset, so month ends, year ends and DST changes need no cases.
 */

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A wall-clock time, `HH:MM` (24-hour). */
export type LocalTime = string;

const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

const ymd = (date: string): [number, number, number] => {
  const m = DATE_RE.exec(date);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
};

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Is it a real day written YYYY-MM-DD (2026-02-30 is not)? */
export function isDate(text: string): boolean {
  if (!DATE_RE.test(text)) return false;
  const [y, m, d] = ymd(text);
  return iso(Date.UTC(y, m - 1, d)) === text;
}

export const isLocalTime = (text: string): boolean => TIME_RE.test(text);

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = ymd(date);
  return iso(Date.UTC(y, m - 1, d + days));
}

/** Whole days from `a` to `b` (negative when b is earlier). */
export function daysBetween(a: string, b: string): number {
  const [ya, ma, da] = ymd(a);
  const [yb, mb, db] = ymd(b);
  return Math.round((Date.UTC(yb, mb - 1, db) - Date.UTC(ya, ma - 1, da)) / DAY_MS);
}

/** Monday, not monday. */
export const weekdayName = (w: Weekday): string => `${w[0]!.toUpperCase()}${w.slice(1)}`;

export function weekdayOf(date: string): Weekday {
  const [y, m, d] = ymd(date);
  return WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]!;
}

/** Which occurrence of its weekday in its month the day is: 1 for days 1–7, … 5 for days 29–31. */
export const nthOfMonth = (date: string): number => Math.ceil(ymd(date)[2] / 7);

/** The latest day on or before `date` that falls on `weekday`. */
export function onOrBefore(date: string, weekday: Weekday): string {
  const back = (WEEKDAYS.indexOf(weekdayOf(date)) - WEEKDAYS.indexOf(weekday) + 7) % 7;
  return addDays(date, -back);
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function parts(instant: number, tz: string): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number> {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(tz, f);
  }
  const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of f.formatToParts(new Date(instant))) if (p.type in out) out[p.type as keyof typeof out] = Number(p.value);
  return out;
}

/** The wall clock in `tz` at an instant, as if it were UTC (milliseconds dropped). */
function wallClock(instant: number, tz: string): number {
  const p = parts(instant, tz);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

/** The day an instant falls on in `tz`. */
export const dateIn = (instant: Date, tz: string): string => iso(wallClock(instant.getTime(), tz));

/** `HH:MM` of an instant in `tz`. */
export const timeIn = (instant: Date, tz: string): string => new Date(wallClock(instant.getTime(), tz)).toISOString().slice(11, 16);

/** The zone's abbreviation at an instant: EST, EDT, GMT+1. */
export function zoneName(instant: Date, tz: string): string {
  const p = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'short' }).formatToParts(instant);
  return p.find((x) => x.type === 'timeZoneName')?.value ?? tz;
}

/**
 * The instant a wall-clock time happens on a day in `tz`. A time the clocks skip (02:30 on the
 * spring-forward night) is taken as the same distance past the change (03:30); a time they pass
 * twice (01:30 on the fall-back night) as its first occurrence.
 */
export function instantOf(date: string, time: LocalTime, tz: string): Date {
  const [y, m, d] = ymd(date);
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  // The offsets in force half a day either side bracket any change near this wall time.
  const before = wallClock(wall - DAY_MS / 2, tz) - (wall - DAY_MS / 2);
  const after = wallClock(wall + DAY_MS / 2, tz) - (wall + DAY_MS / 2);
  const candidates = [...new Set([before, after])].map((offset) => wall - offset).filter((t) => wallClock(t, tz) === wall).sort((a, b) => a - b);
  return new Date(candidates[0] ?? wall - before);
}

/** The instants a day of `tz` starts and ends: 24 hours, or 23 and 25 on the days the clocks change. */
export const dayWindow = (date: string, tz: string): { start: Date; end: Date } => ({
  start: instantOf(date, '00:00', tz),
  end: instantOf(addDays(date, 1), '00:00', tz),
});
