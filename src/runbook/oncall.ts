/**
 * Contact Information › On-Call Rotation and Emergency Contacts: the roles as the runbook names
 * them, and who fills them at a given time from `oncall` in the configuration. A role given as a
 * list takes weekly turns: the handover is `oncall.rotation.day` at `.time` in the runbook's time
 * zone, and the list's first person is on call from the handover on `oncall.rotation.start`.
 */
import type { Config } from '../engine/config/index.js';
import { addDays, daysBetween, dateIn, instantOf, onOrBefore } from '../engine/zoned.js';

export const ONCALL_ROLES = [
  { key: 'primary', label: 'Primary', runbook: 'DevOps Engineer (24/7)' },
  { key: 'secondary', label: 'Secondary', runbook: 'Senior Developer (24/7)' },
  { key: 'escalation', label: 'Escalation', runbook: 'Engineering Manager (24/7)' },
] as const;
export type OncallRole = (typeof ONCALL_ROLES)[number]['key'];

/** Emergency Contacts, as the runbook lists them (its numbers are placeholders: +1-xxx-xxx-xxxx). */
export const EMERGENCY_ROLES = ['CTO', 'Security Officer', 'Compliance Officer'] as const;

export type OncallConfig = NonNullable<Config['oncall']>;
export type Person = Exclude<NonNullable<OncallConfig['primary']>, unknown[]>;

/** One person's turn in a role: [from, to) — open-ended for a role one person fills. */
export interface Shift {
  person: Person;
  from?: Date;
  to?: Date;
}

const people = (v: Person | Person[] | undefined): Person[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The handover that began the turn running at `instant`, and the turn's number since rotation.start. */
function turnAt(rotation: NonNullable<OncallConfig['rotation']>, instant: Date, tz: string): { index: number; from: Date; to: Date } {
  let day = onOrBefore(dateIn(instant, tz), rotation.day);
  if (instantOf(day, rotation.time, tz) > instant) day = addDays(day, -7);
  return { index: daysBetween(rotation.start, day) / 7, from: instantOf(day, rotation.time, tz), to: instantOf(addDays(day, 7), rotation.time, tz) };
}

/** Who fills a role over [from, to): one shift for a fixed person, each turn that overlaps for a rotation. */
export function shifts(config: OncallConfig, role: OncallRole, from: Date, to: Date, tz: string): Shift[] {
  const list = people(config[role]);
  if (list.length <= 1 || !config.rotation) return list.map((person) => ({ person }));
  const out: Shift[] = [];
  for (let turn = turnAt(config.rotation, from, tz); turn.from < to; turn = turnAt(config.rotation, turn.to, tz)) {
    // Before rotation.start the cycle runs backwards, so the list repeats either side of it.
    out.push({ person: list[((turn.index % list.length) + list.length) % list.length]!, from: turn.from, to: turn.to });
  }
  return out;
}

/** Does the configuration name anyone at all? */
export const namesConfigured = (c: OncallConfig | undefined): boolean => ONCALL_ROLES.some((r) => people(c?.[r.key]).length > 0);
