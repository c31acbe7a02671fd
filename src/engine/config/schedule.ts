import * as z from 'zod';
import { isDate, isLocalTime, isTimeZone, weekdayOf, WEEKDAYS } from '../zoned.js';
import { name } from './fields.js';

/** `runbook today|oncall`: the runbook's time zone, and Contact Information › On-Call Rotation. */
const timezone = z.string().refine(isTimeZone, 'an IANA time zone such as America/New_York');
const person = z.strictObject({ name, phone: z.string().min(1).optional(), email: z.string().min(1).optional() });
const oncallRole = z.union([person, z.array(person).min(1)]);
export const oncall = z
  .strictObject({
    /** Primary: DevOps Engineer (24/7); a list takes weekly turns. */
    primary: oncallRole.optional(),
    /** Secondary: Senior Developer (24/7). */
    secondary: oncallRole.optional(),
    /** Escalation: Engineering Manager (24/7). */
    escalation: oncallRole.optional(),
    /** The weekly handover of the roles given as lists, in schedule.timezone; the lists' first people are on call from `start`. */
    rotation: z
      .strictObject({
        start: z.string().refine(isDate, 'a date such as 2026-01-05 (a handover day)'),
        day: z.enum(WEEKDAYS).optional().default('monday'),
        time: z.string().refine(isLocalTime, 'a 24-hour time such as 09:00').optional().default('09:00'),
      })
      .refine((r) => weekdayOf(r.start) === r.day, { message: 'not a rotation.day (default monday); start is the day of the first handover', path: ['start'] })
      .optional(),
    /** Emergency Contacts: CTO, Security Officer, Compliance Officer. */
    emergency: z.array(z.strictObject({ role: name, name: name.optional(), phone: z.string().min(1).optional(), email: z.string().min(1).optional() })).optional(),
  })
  .refine((o) => o.rotation || !(['primary', 'secondary', 'escalation'] as const).some((k) => { const v = o[k]; return Array.isArray(v) && v.length > 1; }), {
    message: 'a role lists several people, so oncall.rotation (start, day, time) must say when they hand over',
    path: ['rotation'],
  });

/** The runbook's calendar (runbook today): its time zone, default America/New_York. */
export const schedule = z.strictObject({ timezone: timezone.optional() }).optional();
