/** `nvcops runbook show|severity|oncall`: the runbook's sections, severity levels and on-call rotation, as data the tool holds. */
import { clockFromEnv } from '../engine/clock.js';
import { EXIT } from '../engine/errors.js';
import { counted } from '../engine/units.js';
import { dateIn, dayWindow, timeIn, weekdayName, weekdayOf, zoneName } from '../engine/zoned.js';
import { EMERGENCY_ROLES, namesConfigured, ONCALL_ROLES, shifts, type Shift } from '../runbook/oncall.js';
import { procedures } from '../runbook/procedures.js';
import { cadenceText, runbookTimeZone } from '../runbook/schedule.js';
import { SECTIONS, type RunbookSection, type SectionCommand, type SectionId } from '../runbook/sections.js';
import { ACKNOWLEDGE_WITHIN_MS, SEVERITIES, SEVERITY_LEVELS } from '../runbook/severity.js';
import type { GlobalOptions } from '../app/prepare.js';
import { prepare } from '../app/prepare.js';
import { Redactor } from '../engine/redact.js';
import { paragraph, writeDocument } from '../report/document.js';
import { OUTPUT_SCHEMA_VERSION } from '../engine/output-version.js';
import type { OutputOf } from '../report/schemas.js';

interface ViewFlags extends GlobalOptions {
  format: 'human' | 'json';
  date?: string;
}

/** The checklist lines a command's procedure verifies (`health daily` → its six lines), or none for an action. */
function itemsOf(c: SectionCommand) {
  const id = c.command.split(' --')[0]!;
  return id in procedures ? procedures[id as keyof typeof procedures].items : undefined;
}

export async function runbookShow(flags: ViewFlags, section?: SectionId): Promise<number> {
  const { config, redactor } = await prepare(flags);
  const tz = runbookTimeZone(config);
  const chosen: readonly RunbookSection[] = section ? SECTIONS.filter((s) => s.id === section) : SECTIONS;
  const lines: string[] = [];
  for (const [n, s] of chosen.entries()) {
    lines.push(...(n ? [''] : []), s.title);
    for (const h of s.headings) {
      lines.push(`  ${h.title}${h.cadence ? ` — ${cadenceText(h.cadence, tz)}` : ''}`);
      for (const c of h.commands) {
        lines.push(`    nvcops ${c.command}  ← ${c.runbook}${c.cadence ? ` (${cadenceText(c.cadence, tz)})` : ''}`);
        for (const i of itemsOf(c) ?? []) lines.push(`      - ${i.title} (${counted(i.checks.length, 'check')})`);
      }
      if (h.checklist) lines.push('    Checklist:', ...h.checklist.map((l) => `      - [ ] ${l}`));
    }
  }
  await writeDocument({
    blocks: [paragraph(lines)],
    json: chosen.map((s) => ({
      id: s.id, title: s.title,
      headings: s.headings.map((h) => ({
        title: h.title, ...(h.cadence && { cadence: cadenceText(h.cadence, tz) }), ...(h.checklist && { checklist: [...h.checklist] }),
        commands: h.commands.map((c) => ({
          command: `nvcops ${c.command}`, replaces: c.runbook, ...(c.cadence && { cadence: cadenceText(c.cadence, tz) }),
          ...(itemsOf(c) && { checklist: itemsOf(c)!.map((i) => ({ title: i.title, checks: [...i.checks] })) }),
        })),
      })),
    })) satisfies OutputOf<'runbook-show'>,
  }, flags.format, redactor);
  return EXIT.ok;
}

export async function runbookSeverity(flags: ViewFlags): Promise<number> {
  const levels = SEVERITIES.map((s) => SEVERITY_LEVELS[s]);
  const ackMinutes = ACKNOWLEDGE_WITHIN_MS / 60_000;
  // The tool's own data, no configuration read: nothing to mask but what any text is masked for.
  await writeDocument({
    blocks: [
      {
        kind: 'table', columns: ['level', 'name', 'response', 'notify stakeholders', 'post-mortem', 'examples'],
        rows: levels.map((l) => [l.id, l.name, l.response, l.notifyStakeholders ? 'yes' : 'no', l.postmortem ? 'yes' : 'no', l.examples.join('; ')]),
      },
      paragraph([`Every alert is acknowledged within ${ackMinutes} minutes (Initial Response); "Immediate" is held to that window. nvcops incident list shows what is overdue.`]),
    ],
    json: { schemaVersion: OUTPUT_SCHEMA_VERSION, acknowledgeWithinMinutes: ackMinutes, levels: levels.map(({ pagerDutySeverity: _p, ...l }) => ({ ...l, examples: [...l.examples] })) } satisfies OutputOf<'runbook-severity'>,
  }, flags.format, new Redactor());
  return EXIT.ok;
}

export async function runbookOncall(flags: ViewFlags): Promise<number> {
  const { config, redactor } = await prepare(flags);
  const tz = runbookTimeZone(config);
  const oncall = config.oncall ?? {};
  const now = clockFromEnv()();
  const window = flags.date ? dayWindow(flags.date, tz) : { start: now, end: new Date(now.getTime() + 1) };
  const configured = namesConfigured(oncall);
  const roles = ONCALL_ROLES.map((r) => {
    const turns = shifts(oncall, r.key, window.start, window.end, tz);
    // For "now": who takes over at the end of the current turn.
    const last = turns.at(-1);
    const next = !flags.date && last?.to ? shifts(oncall, r.key, last.to, new Date(last.to.getTime() + 1), tz)[0] : undefined;
    return { ...r, turns, next };
  });
  // The runbook's contacts in its order, then any others the configuration adds.
  const emergency: { role: string; name?: string; phone?: string; email?: string }[] = [
    ...EMERGENCY_ROLES.map((role) => oncall.emergency?.find((e) => e.role === role) ?? { role }),
    ...(oncall.emergency ?? []).filter((e) => !(EMERGENCY_ROLES as readonly string[]).includes(e.role)),
  ];
  const local = (t: Date) => `${dateIn(t, tz)} ${timeIn(t, tz)} ${zoneName(t, tz)}`;
  const contact = (p: { phone?: string; email?: string }) => [p.phone, p.email].filter(Boolean).join(', ') || '—';
  const turnJson = (s: Shift) => ({ ...s.person, ...(s.from && { from: s.from.toISOString() }), ...(s.to && { to: s.to.toISOString() }) });

  const when = flags.date ? `on ${weekdayName(weekdayOf(flags.date))} ${flags.date}` : `now, ${local(now)}`;
  const title = `On-Call Rotation ${when} (${tz})${oncall.rotation ? `; turns hand over every ${weekdayName(oncall.rotation.day)} at ${oncall.rotation.time}` : ''}`;
  const span = (s: Shift) => {
    if (!flags.date) return s.to ? `until ${local(s.to)}` : '';
    const from = s.from && s.from > window.start ? `from ${local(s.from)}` : '';
    const to = s.to && s.to < window.end ? `until ${local(s.to)}` : '';
    return [from, to].filter(Boolean).join(' ');
  };
  await writeDocument({
    blocks: [
      paragraph([title]),
      {
        kind: 'table', columns: ['role', 'runbook', 'name', 'contact', 'turn'],
        rows: roles.flatMap((r) => r.turns.length
          ? r.turns.map((s) => [r.label, r.runbook, s.person.name, contact(s.person), `${span(s)}${r.next ? `, then ${r.next.person.name}` : ''}`])
          : [[r.label, r.runbook, '—', '—', 'not configured']]),
      },
      paragraph([...(configured ? [] : ['Names are not configured: set oncall.primary, oncall.secondary and oncall.escalation (see docs/configuration.md).']), 'Emergency Contacts']),
      { kind: 'table', columns: ['role', 'name', 'contact'], rows: emergency.map((e) => [e.role, e.name ?? '—', e.phone || e.email ? contact(e) : 'not configured']) },
    ],
    json: {
      schemaVersion: OUTPUT_SCHEMA_VERSION,
      ...(flags.date ? { date: flags.date } : { at: now.toISOString() }), timezone: tz, configured,
      ...(oncall.rotation && { rotation: oncall.rotation }),
      roles: roles.map((r) => ({ role: r.label, runbook: r.runbook, turns: r.turns.map(turnJson), ...(r.next && { next: turnJson(r.next) }) })),
      emergency,
    } satisfies OutputOf<'runbook-oncall'>,
  }, flags.format, redactor);
  return EXIT.ok;
}
