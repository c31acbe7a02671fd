import { describe, expect, it } from 'vitest';
import { addDays, dateIn, dayWindow, instantOf, isDate, nthOfMonth, timeIn, zoneName } from '../src/engine/zoned.js';
import { shifts, type OncallConfig } from '../src/runbook/oncall.js';
import { dueOn, SCHEDULE } from '../src/runbook/schedule.js';

const NY = 'America/New_York';
const due = (date: string, tz = NY) => dueOn(date, tz).map((o) => o.entry.title);
const HOUR = 3_600_000;

describe('the runbook\'s calendar in New York time', () => {
  it('holds the Morning Health Check at 8:00 New York time: 13:00 UTC in winter, 12:00 UTC in summer, across both clock changes', () => {
    const eight = (date: string) => dueOn(date, NY)[0]!.dueAt.toISOString();
    // 2026-03-08: clocks go forward at 02:00 EST.
    expect(eight('2026-03-07')).toBe('2026-03-07T13:00:00.000Z');
    expect(eight('2026-03-08')).toBe('2026-03-08T12:00:00.000Z');
    // 2026-11-01: clocks go back at 02:00 EDT.
    expect(eight('2026-10-31')).toBe('2026-10-31T12:00:00.000Z');
    expect(eight('2026-11-01')).toBe('2026-11-01T13:00:00.000Z');
    expect(zoneName(new Date('2026-03-08T12:00:00Z'), NY)).toBe('EDT');
    expect(zoneName(new Date('2026-11-01T13:00:00Z'), NY)).toBe('EST');
  });

  it('makes the clock-change days 23 and 25 hours long, and every other day 24', () => {
    const hours = (date: string) => { const w = dayWindow(date, NY); return (w.end.getTime() - w.start.getTime()) / HOUR; };
    expect(hours('2026-03-08')).toBe(23);
    expect(hours('2026-11-01')).toBe(25);
    expect(hours('2026-03-09')).toBe(24);
    expect(dayWindow('2026-11-01', NY)).toEqual({ start: new Date('2026-11-01T04:00:00Z'), end: new Date('2026-11-02T05:00:00Z') });
  });

  it('takes a time the clocks skip as past the change, and a time they pass twice as its first occurrence', () => {
    expect(instantOf('2026-03-08', '02:30', NY).toISOString()).toBe('2026-03-08T07:30:00.000Z'); // 03:30 EDT
    expect(instantOf('2026-11-01', '01:30', NY).toISOString()).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT, not EST
  });

  it('puts an instant near midnight UTC on the New York day, across month and year ends', () => {
    expect(dateIn(new Date('2026-12-01T03:00:00Z'), NY)).toBe('2026-11-30');
    expect(dateIn(new Date('2027-01-01T04:59:59Z'), NY)).toBe('2026-12-31');
    expect(dateIn(new Date('2027-01-01T05:00:00Z'), NY)).toBe('2027-01-01');
    expect(timeIn(new Date('2027-01-01T04:59:59Z'), NY)).toBe('23:59');
    expect(dateIn(new Date('2026-07-01T03:59:00Z'), NY)).toBe('2026-06-30');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
  });

  it('knows a real day from a malformed one', () => {
    expect(['2026-11-30', '2028-02-29'].every(isDate)).toBe(true);
    expect(['2026-02-29', '2026-13-01', '2026-11-31', '26-11-30', '2026-11-30T00:00Z', 'today'].some(isDate)).toBe(false);
  });

  it('lists each weekday\'s reviews: Monday capacity, Wednesday security, Friday performance', () => {
    expect(due('2026-11-25')).toEqual(['Morning Health Check (8:00 AM EST)', 'Wednesday: Security Review', 'Weekly maintenance']);
    expect(due('2026-11-27')).toEqual(['Morning Health Check (8:00 AM EST)', 'Friday: Performance Optimization', 'Weekly maintenance']);
    expect(due('2026-11-28')).toEqual(['Morning Health Check (8:00 AM EST)', 'Weekly maintenance']);
  });

  it('finds the nth Monday in a month that starts on a Monday, and gives its fifth Monday none of the four', () => {
    // June 2026 starts on a Monday: 1, 8, 15, 22 are the first to fourth Mondays, 29 is a fifth.
    const monthly = (date: string) => due(date).filter((t) => / Monday: /.test(t));
    expect(monthly('2026-06-01')).toEqual(['First Monday: Compliance Review']);
    expect(monthly('2026-06-08')).toEqual(['Second Monday: Disaster Recovery Test']);
    expect(monthly('2026-06-15')).toEqual(['Third Monday: Security Assessment']);
    expect(monthly('2026-06-22')).toEqual(['Fourth Monday: Capacity Planning']);
    expect(monthly('2026-06-29')).toEqual([]);
    expect(due('2026-06-29')).toEqual(['Morning Health Check (8:00 AM EST)', 'Monday: Capacity Planning', 'Weekly maintenance']);
    expect(nthOfMonth('2026-06-29')).toBe(5);
    // Across the year end: the first Monday of 2027 is 4 January; February 2027 starts on a Monday.
    expect(monthly('2026-12-28')).toEqual(['Fourth Monday: Capacity Planning']);
    expect(monthly('2027-01-04')).toEqual(['First Monday: Compliance Review']);
    expect(monthly('2027-02-01')).toEqual(['First Monday: Compliance Review']);
    // The second Monday of March 2026 is the day after the clocks change.
    expect(monthly('2026-03-09')).toEqual(['Second Monday: Disaster Recovery Test']);
  });

  it('counts a weekly task on no stated day over the seven days ending with the day', () => {
    const maintenance = dueOn('2026-11-03', NY).find((o) => o.entry.section === 'maintenance')!;
    // Seven New York days back, across the fall-back change: 2026-10-28 00:00 EDT.
    expect(maintenance).toMatchObject({ timed: false, from: new Date('2026-10-28T04:00:00Z'), to: new Date('2026-11-04T05:00:00Z'), dueAt: new Date('2026-11-04T05:00:00Z') });
  });

  it('follows the configured time zone: 8:00 in Tokyo is 23:00 UTC the day before', () => {
    expect(dueOn('2027-01-01', 'Asia/Tokyo')[0]!.dueAt.toISOString()).toBe('2026-12-31T23:00:00.000Z');
    expect(dateIn(new Date('2026-12-31T23:30:00Z'), 'Asia/Tokyo')).toBe('2027-01-01');
  });

  it('names a command for every entry, and only cadences the runbook states', () => {
    expect(SCHEDULE.map((e) => [e.title, e.commands.map((c) => c.command)])).toEqual([
      ['Morning Health Check (8:00 AM EST)', ['health daily', 'health db', 'health security --last-24h']],
      ['Monday: Capacity Planning', ['weekly capacity']],
      ['Wednesday: Security Review', ['weekly security']],
      ['Friday: Performance Optimization', ['weekly performance']],
      ['First Monday: Compliance Review', ['monthly compliance']],
      ['Second Monday: Disaster Recovery Test', ['monthly dr-test']],
      ['Third Monday: Security Assessment', ['monthly security']],
      ['Fourth Monday: Capacity Planning', ['monthly capacity']],
      ['Weekly maintenance', ['maintain db --vacuum --analyze']],
    ]);
  });
});

describe('on-call turns', () => {
  const people = [{ name: 'Dana' }, { name: 'Lee' }, { name: 'Ari' }];
  const config: OncallConfig = { primary: people, secondary: { name: 'Sam' }, rotation: { start: '2026-10-19', day: 'monday', time: '09:00' } };
  const at = (iso: string) => shifts(config, 'primary', new Date(iso), new Date(Date.parse(iso) + 1), NY).map((s) => [s.person.name, s.from?.toISOString(), s.to?.toISOString()]);

  it('hands over weekly at 09:00 New York time, which moves from 13:00 to 14:00 UTC when the clocks go back', () => {
    expect(at('2026-10-19T13:00:00Z')).toEqual([['Dana', '2026-10-19T13:00:00.000Z', '2026-10-26T13:00:00.000Z']]);
    expect(at('2026-10-26T12:59:59Z')).toEqual([['Dana', '2026-10-19T13:00:00.000Z', '2026-10-26T13:00:00.000Z']]);
    // Lee's turn is 7 days and 1 hour long: it spans 2026-11-01.
    expect(at('2026-10-26T13:00:00Z')).toEqual([['Lee', '2026-10-26T13:00:00.000Z', '2026-11-02T14:00:00.000Z']]);
    expect(at('2026-11-02T14:00:00Z')).toEqual([['Ari', '2026-11-02T14:00:00.000Z', '2026-11-09T14:00:00.000Z']]);
    expect(at('2026-11-09T14:00:00Z')[0]![0]).toBe('Dana');
    // Before the start the cycle runs on backwards.
    expect(at('2026-10-18T12:00:00Z')[0]![0]).toBe('Ari');
  });

  it('shows both turns of a handover day, and one open-ended turn for a role one person fills', () => {
    const day = dayWindow('2026-11-02', NY);
    expect(shifts(config, 'primary', day.start, day.end, NY).map((s) => s.person.name)).toEqual(['Lee', 'Ari']);
    expect(shifts(config, 'secondary', day.start, day.end, NY)).toEqual([{ person: { name: 'Sam' } }]);
    expect(shifts(config, 'escalation', day.start, day.end, NY)).toEqual([]);
  });
});
