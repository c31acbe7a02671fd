import { UsageError } from '../engine/errors.js';
import { parseDuration } from '../engine/units.js';
import { addDays, dateIn, dayWindow, isDate } from '../engine/zoned.js';

const UNIT_MS: Record<string, number> = {
  second: 1000, sec: 1000, minute: 60_000, min: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000,
};

export const SINCE_FORMS = 'a duration (30m, 2h, 3d), git-style "1 hour ago" / "yesterday", or a date (2025-07-01T03:00Z)';

/**
 * Parses --since the way git log does for the forms people type: a duration, "N units ago", yesterday, or a date.
 * `today`, `yesterday` and a date alone begin at midnight in `timeZone` (the runbook's), not on the machine's clock or UTC.
 */
export function parseSince(text: string, now: Date, timeZone: string, flag = '--since'): Date {
  const t = text.trim().toLowerCase();
  const duration = parseDuration(t);
  if (duration !== undefined) return new Date(now.getTime() - duration);
  const ago = /^(\d+(?:\.\d+)?)[\s.]*(second|sec|minute|min|hour|day|week)s?[\s.]+ago$/.exec(t);
  if (ago) return new Date(now.getTime() - Number(ago[1]) * UNIT_MS[ago[2]!]!);
  if (t === 'yesterday' || t === 'today') return dayWindow(addDays(dateIn(now, timeZone), t === 'yesterday' ? -1 : 0), timeZone).start;
  const date = /^\d{4}-\d{2}-\d{2}(?:[t\s](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(z|[+-]\d{2}:?\d{2})?)?$/.exec(t);
  if (date) {
    // Date.parse rolls a day that does not exist (2026-02-30) over into the next month.
    if (!isDate(t.slice(0, 10))) throw new UsageError(`${flag}: "${text}": no such day; use a date that exists, such as 2025-07-01`);
    // Without a zone, Date.parse reads a time on the machine's clock: the same words would be hours apart on two hosts.
    if (date[1] && !date[2]) throw new UsageError(`${flag}: "${text}" has no time zone; add one: ${t.slice(0, 10)}T${date[1]}Z (UTC) or an offset such as ${t.slice(0, 10)}T${date[1]}-05:00`);
    // A day alone is that day in the runbook's zone, as today and yesterday are (Date.parse would take UTC midnight).
    if (!date[1]) return dayWindow(t, timeZone).start;
    const ms = Date.parse(text.trim().replace(' ', 'T'));
    if (!Number.isNaN(ms)) return new Date(ms);
  }
  throw new UsageError(`${flag}: "${text}" is not a time; use ${SINCE_FORMS}`);
}

/** A short age for a terminal: 45 s, 12 min, 2 h 5 min, 3 days. A negative span is never shown as 0: it says the times disagree. */
export function formatAge(ms: number): string {
  if (ms < 0) return `-${formatAge(-ms)} (inconsistent: it ends before it begins)`;
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} days`;
}

export const ago = (then: Date, now: Date): string => (then.getTime() === now.getTime() ? 'now' : then > now ? `in ${formatAge(then.getTime() - now.getTime())}` : `${formatAge(now.getTime() - then.getTime())} ago`);
