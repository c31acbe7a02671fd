import { writeOutputFile } from '../report/output.js';
import { UsageError } from '../engine/errors.js';
import { markdownCell as cell, printableDeep } from '../engine/printable.js';
import { ACKNOWLEDGE_WITHIN_MS, SEVERITY_LEVELS } from '../runbook/severity.js';
import { actor } from '../state/index.js';
import { timelineOf, withStore } from './lifecycle.js';
import type { IncidentContext } from './output.js';
import { isOpen, respondedAt } from '../checks/incident-timers.js';
import type { Incident } from '../probes/incidents.js';
import { addEvent, chooseIncident, shownTitle, updateIncident } from './records.js';
import { formatAge } from './time.js';

export interface PostmortemOptions {
  owner?: string;
  output?: string;
  force: boolean;
}

const TODO = (what: string) => `_To be written: ${what}_`;

/** How long from → to against a target; on a closed incident what never happened is "never", and its target missed. */
function took(from: string, to: string | undefined, closed: boolean, targetMs?: number, never = 'never'): string {
  const target = (met: boolean) => (targetMs === undefined ? '' : ` (target ${formatAge(targetMs)}: ${met ? 'met' : 'MISSED'})`);
  if (!to) return closed ? `${never}${target(false)}` : 'not yet';
  const ms = Date.parse(to) - Date.parse(from);
  return `${formatAge(ms)}${target(ms <= targetMs!)}`;
}

/** The draft, following the runbook's Post-Incident checklist and the SRE book's post-mortem sections. */
export function postmortemMarkdown(record: Incident, entries: { at: string; source: string; by: string; what: string }[], owner: string, now: Date): string {
  // Titles, notes and audit messages people typed: shown, never acted on by the terminal or the Markdown viewer.
  const [i, timeline] = [printableDeep(record), printableDeep(entries)];
  const level = SEVERITY_LEVELS[i.severity];
  const closed = !isOpen(i);
  const failing = i.failingChecks.map((f) => `\`${f.id}\` (${f.status}: ${f.message})`);
  const action = (n: number, type: 'mitigate' | 'prevent' | 'process', what: string) => `| ${n} | ${type} | ${cell(what)} | ${cell(owner)} | | open |`;
  const actions = [
    action(1, 'mitigate', i.resolution ? `Make the fix permanent: ${i.resolution}` : 'Put the workaround in place for good'),
    ...i.failingChecks.map((f, k) => action(2 + k, 'prevent', `Keep \`${f.id}\` passing: find why it failed and remove the cause`)),
    action(2 + i.failingChecks.length, 'prevent', 'Implement preventive measures (runbook Post-Incident)'),
    action(3 + i.failingChecks.length, 'prevent', 'Update monitoring so this is alerted on before users notice (runbook Post-Incident)'),
    action(4 + i.failingChecks.length, 'process', 'Update runbooks with what was learnt (runbook Post-Incident)'),
  ];
  return [
    `# Post-mortem: ${i.id} — ${shownTitle(i)}`,
    '',
    `**Status:** draft · **Severity:** ${i.severity} ${level.name} (response: ${level.response}) · **Environment:** ${i.environment ?? 'not named'} · **Owner:** ${owner} · **Written:** ${now.toISOString()}`,
    '',
    'Runbook › Incident Response › Post-Incident: conduct post-mortem (P0/P1), update runbooks, implement preventive measures, update monitoring.',
    '',
    '## Summary',
    '',
    `${i.title}. Impact began ${i.startedAt}; the incident was opened ${i.openedAt} by ${i.openedBy}, ${i.acknowledgedAt ? `acknowledged ${i.acknowledgedAt} by ${i.acknowledgedBy}` : 'never acknowledged'}, and ${i.resolvedAt ? `resolved ${i.resolvedAt} by ${i.resolvedBy}: ${i.resolution}` : 'is still open'}.`,
    '',
    '## Impact',
    '',
    '| measure | value |',
    '|---|---|',
    `| Duration of impact | ${took(i.startedAt, i.resolvedAt, closed)} |`,
    `| Time to acknowledge | ${took(i.openedAt, i.acknowledgedAt, closed, ACKNOWLEDGE_WITHIN_MS, 'never — resolved without acknowledgement')} |`,
    `| Time to respond (investigation begun) | ${took(i.openedAt, respondedAt(i), closed, level.responseMs, 'never — no note, investigation or diagnosis before resolution')} |`,
    `| Time to resolve | ${took(i.openedAt, i.resolvedAt, closed)} |`,
    `| Checks failing at open | ${cell(failing.join(', ') || 'none recorded')} |`,
    `| Stakeholder notifications | ${i.notifications.length ? `${i.notifications.filter((n) => n.ok).length} sent, ${i.notifications.filter((n) => !n.ok).length} failed` : 'none'} |`,
    `| Customers, accounts and transactions affected | ${TODO('numbers from the business metrics')} |`,
    '',
    '## Timeline (UTC)',
    '',
    '| time | source | by | event |',
    '|---|---|---|---|',
    ...timeline.map((e) => `| ${e.at} | ${e.source} | ${cell(e.by)} | ${cell(e.what)} |`),
    '',
    '## Detection',
    '',
    `Opened by ${i.openedBy} at ${i.openedAt}${Date.parse(i.openedAt) > Date.parse(i.startedAt) ? `, ${formatAge(Date.parse(i.openedAt) - Date.parse(i.startedAt))} after impact began` : ''}. Failing checks then (${i.checksFrom}): ${failing.join(', ') || 'none'}.`,
    '',
    TODO('did an alert fire before a person noticed? which one, and how could it have fired sooner?'),
    '',
    '## Root causes',
    '',
    TODO('the conditions that made this possible (ask "why" until the answer is a condition you can change)'),
    '',
    '## Trigger',
    '',
    TODO(`what set it off — check the deploys flagged in this incident\'s window (\`nvcops incident deploys --since "${new Date(Date.parse(i.startedAt) - 3_600_000).toISOString()}"\`)`),
    '',
    '## Resolution',
    '',
    i.resolution ?? TODO('the fix or workaround'),
    '',
    ...(i.verification?.length ? ['Verification (checks failing at open, re-run at resolve):', '', ...i.verification.map((v) => `- \`${v.id}\`: ${v.before} → ${v.after} — ${cell(v.message)}`), ''] : []),
    '## Action items',
    '',
    '| # | type | action | owner | due | status |',
    '|---|---|---|---|---|---|',
    ...actions,
    '',
    '## Lessons learned',
    '',
    '### What went well',
    '',
    TODO('what helped'),
    '',
    '### What went wrong',
    '',
    TODO('what made it worse or slower'),
    '',
    '### Where we got lucky',
    '',
    TODO('what could have made it much worse'),
    '',
    '## Supporting information',
    '',
    ...(i.longStanding?.length ? [`- Failing before impact began, so not counted as this incident's (context): ${i.longStanding.map((f) => `\`${f.id}\` (${f.status})`).join(', ')}`] : []),
    ...(i.reports.length ? i.reports.map((r) => `- Diagnostic report \`${r.id}\` (${r.at}, ${r.by}): ${r.summary}`) : ['- No diagnostic report attached (`nvcops incident diagnose` attaches one).']),
    '',
  ].join('\n');
}

/** incident postmortem: a markdown draft for P0/P1 (others with --force), recorded on the incident. */
export async function postmortem(ctx: IncidentContext, id: string | undefined, o: PostmortemOptions): Promise<number> {
  return withStore(ctx, async (store) => {
    const i = await chooseIncident(store, ctx.config.environment ?? null, id, 'incident postmortem');
    if (!SEVERITY_LEVELS[i.severity].postmortem && !o.force) {
      throw new UsageError(`${i.id} is ${i.severity}: the runbook asks for a post-mortem for P0/P1 only; add --force to write one anyway`);
    }
    const now = ctx.now();
    const owner = o.owner ?? i.resolvedBy ?? i.acknowledgedBy ?? i.openedBy;
    const markdown = ctx.redactor.apply(postmortemMarkdown(i, await timelineOf(store, i), owner, now));
    if (o.output) writeOutputFile(o.output, markdown);
    else ctx.print(markdown);
    const by = actor(ctx.flags.by);
    await updateIncident(store, i.id, by, (x) => addEvent(x, { at: now.toISOString(), by, type: 'postmortem', message: `post-mortem draft written${o.output ? ` to ${o.output}` : ''} (owner ${owner})` }));
    if (o.output) ctx.print(`post-mortem draft for ${i.id} written to ${o.output}\n`);
    return 0;
  });
}
