/** `nvcops health security` (the runbook's security_events_summary --last-24h) and `… security ack`. */
import { Chalk } from 'chalk';
import { hostname } from 'node:os';
import { EXIT, UsageError } from '../engine/errors.js';
import { printable, printableDeep } from '../engine/printable.js';
import { Probes } from '../probes/index.js';
import { actor, auditEvent, VERSION } from '../state/index.js';
import type { GlobalOptions } from '../app/prepare.js';
import { prepare } from '../app/prepare.js';
import { useColor, write } from '../report/output.js';
import { acknowledge, acknowledgements, outgrownText, withReviews, type Reviewed } from './acks.js';
import { collectSecurityEvents, SEVERITIES, type SecurityScan } from './events.js';

const DAY_MS = 86_400_000;

export interface SummaryFlags extends GlobalOptions {
  since?: Date;
  format: 'human' | 'json';
}

export interface AckFlags extends GlobalOptions {
  since?: Date;
  all?: boolean;
  note: string;
  dryRun?: boolean;
  format: 'human' | 'json';
}

async function scan(flags: GlobalOptions & { since?: Date }) {
  const { config, redactor } = await prepare(flags);
  const probes = new Probes(config);
  try {
    const now = new Date();
    const result = await collectSecurityEvents(config, probes, flags.since ?? new Date(now.getTime() - DAY_MS), now);
    const store = await probes.state();
    const acks = await acknowledgements(store);
    const events = withReviews(result.events, acks);
    return { config, redactor, result, events, store, probes };
  } catch (e) {
    await probes.close();
    throw e;
  }
}

/** 0: every high-severity event reviewed; 2: some are not; 3: a source could not be read, or none was. */
function exitCode(events: Reviewed[], result: SecurityScan): number {
  if (events.some((e) => e.severity === 'high' && !e.reviewed)) return EXIT.fail;
  if (result.sources.some((s) => s.state === 'error') || !result.sources.some((s) => s.state === 'read')) return EXIT.error;
  return EXIT.ok;
}

function eventLine(e: Reviewed, c: InstanceType<typeof Chalk>): string {
  const who = [e.user && `user ${e.user}`, e.from && `from ${e.from}`].filter(Boolean).join(' ');
  const mark = e.reviewed ? c.green(`reviewed by ${e.reviewed.by}`) : c.bold(`UNREVIEWED${e.outgrown ? ` (${outgrownText(e.outgrown, e)})` : ''}`);
  return `  ${e.id}  ${e.time.replace(/\.\d+Z$/, 'Z')}  ${e.kind.padEnd(16)} ${e.source.padEnd(15)} ${who}${e.count > 1 ? ` ×${e.count}` : ''}  ${mark}\n      ${e.message.slice(0, 200)}`;
}

function human(flags: SummaryFlags, environment: string | null, scanned: SecurityScan, found: Reviewed[], color: boolean): string {
  // Log lines and user names an attacker chose: shown, never acted on by the terminal.
  const [result, events] = [printableDeep(scanned), printableDeep(found)];
  const c = new Chalk({ level: color ? 1 : 0 });
  const paint = { high: c.red, medium: c.yellow, low: c.gray };
  const out = [
    c.bold('nvcops health security') + c.gray(` · ${environment ?? 'no environment named'} · ${result.since} → ${result.until}`),
    c.gray('Daily Operations › Morning Health Check: python scripts/security_events_summary.py --last-24h'),
    '',
    'Sources:',
    ...result.sources.map((s) => `  ${s.state === 'error' ? c.magenta('! error  ') : s.state === 'read' ? c.green('✔ read   ') : c.gray('– skipped')} ${s.name}: ${s.note}`),
  ];
  for (const severity of SEVERITIES) {
    const list = events.filter((e) => e.severity === severity);
    const open = list.filter((e) => !e.reviewed).length;
    out.push('', paint[severity](`${severity.toUpperCase()}: ${list.length} event${list.length === 1 ? '' : 's'}, ${open} unreviewed`));
    // Single failed logins are many and matter in aggregate: the table below counts them by user and source.
    const shown = list.filter((e) => e.kind !== 'auth-failure');
    out.push(...shown.map((e) => eventLine(e, c)));
    if (shown.length < list.length) out.push(c.gray(`  ${list.length - shown.length} failed logins, counted by user and source below (--format json lists each with its id)`));
  }
  const failures = new Map<string, number>();
  for (const e of events.filter((x) => x.kind === 'auth-failure')) {
    const key = `${e.user ?? '?'} from ${e.from ?? '?'} (${e.source})`;
    failures.set(key, (failures.get(key) ?? 0) + e.count);
  }
  const brute = new Set(events.filter((e) => e.kind === 'brute-force').map((e) => `${e.user ?? '?'} from ${e.from ?? '?'} (${e.source})`));
  if (failures.size) {
    out.push('', 'Authentication failures by user and source:');
    for (const [key, n] of [...failures].sort((a, b) => b[1] - a[1])) out.push(`  ${String(n).padStart(5)}  ${key}${brute.has(key) ? c.red('  brute force') : ''}`);
  }
  const high = events.filter((e) => e.severity === 'high' && !e.reviewed).length;
  const broken = result.sources.filter((s) => s.state === 'error').length;
  const read = result.sources.filter((s) => s.state === 'read').length;
  out.push(
    '',
    high
      ? c.red(`✖ ${high} high-severity event${high > 1 ? 's' : ''} unreviewed — after looking into them: nvcops health security ack <id…> --note "…"`)
      : broken
        ? c.magenta(`! ${broken} source${broken > 1 ? 's' : ''} could not be read: the review is incomplete`)
        : !read
          ? c.magenta('! no source of security events was read: nothing was reviewed (set logs.application, logs.postgres or redis.url)')
          : c.green('✔ every high-severity event has been reviewed'),
  );
  return `${out.join('\n')}\n`;
}

/** `nvcops health security [--last-24h | --since …]`: the events of the window, grouped by severity, with their review state. */
export async function securitySummary(flags: SummaryFlags): Promise<number> {
  const s = await scan(flags);
  try {
    const color = useColor(flags.color);
    const text = flags.format === 'json'
      ? `${JSON.stringify({ command: 'health security', environment: s.config.environment ?? null, since: s.result.since, until: s.result.until, exitCode: exitCode(s.events, s.result), sources: s.result.sources, events: s.events }, null, 2)}\n`
      : human(flags, s.config.environment ?? null, s.result, s.events, color);
    write(text, s.redactor);
    return exitCode(s.events, s.result);
  } finally {
    await s.probes.close();
  }
}

/**
 * `nvcops health security ack <id…> | --all --note …`: records who reviewed which events, when and
 * why, as records in the state store and one event in the audit trail. It changes no system, so it
 * asks for no --yes; --dry-run shows what it would record. Every id is checked before anything is written.
 */
export async function securityAck(ids: string[], flags: AckFlags): Promise<number> {
  if (flags.all && ids.length) throw new UsageError('health security ack: give event ids or --all, not both');
  if (!flags.all && !ids.length) throw new UsageError('health security ack: name the events to acknowledge (ids from nvcops health security), or --all');
  if (!flags.note.trim()) throw new UsageError('health security ack: --note must say what was found (it goes on record)');
  const s = await scan(flags);
  try {
    const byId = new Map(s.events.map((e) => [e.id, e]));
    const unknown = ids.filter((id) => !byId.has(id));
    if (unknown.length) {
      throw new UsageError(`health security ack: no security event with id ${unknown.join(', ')} in the window (${s.result.since} → ${s.result.until}); nvcops health security lists them; nothing was recorded`);
    }
    const chosen = flags.all ? s.events : ids.map((id) => byId.get(id)!);
    const already = chosen.filter((e) => e.reviewed);
    const todo = chosen.filter((e) => !e.reviewed);
    const by = actor(flags.by);
    const plan = [
      `${flags.dryRun ? 'Would acknowledge' : 'Acknowledging'} ${todo.length} event${todo.length === 1 ? '' : 's'} as reviewed by ${by}: "${flags.note}"`,
      ...todo.map((e) => `  ${e.id}  ${e.severity.padEnd(6)} ${e.kind}${e.count > 1 ? ` ×${e.count}` : ''}${e.outgrown ? ` (again: ${outgrownText(e.outgrown, e)})` : ''}  ${e.message.slice(0, 120)}`),
      ...(already.length ? [`Already reviewed, left as they are: ${already.map((e) => `${e.id} (by ${e.reviewed!.by} at ${e.reviewed!.at})`).join(', ')}`] : []),
    ];
    if (flags.format === 'human') write(`${plan.map(printable).join('\n')}\n`, s.redactor);
    if (flags.dryRun || !todo.length) {
      if (flags.format === 'json') write(`${JSON.stringify({ dryRun: Boolean(flags.dryRun), acknowledged: [], wouldAcknowledge: todo.map((e) => e.id), alreadyReviewed: already.map((e) => e.id) }, null, 2)}\n`, s.redactor);
      return EXIT.ok;
    }
    const written = await acknowledge(s.store, todo, flags.note, by);
    await auditEvent(s.store, {
      action: 'health security ack',
      config: s.config,
      redactor: s.redactor,
      by,
      details: { events: written.map((w) => ({ id: w.id, severity: w.data.event.severity, kind: w.data.event.kind, count: w.data.event.count })), note: flags.note, host: hostname(), version: VERSION },
    }, { outcome: 'ok', message: `${written.length} security event${written.length === 1 ? '' : 's'} reviewed` });
    if (flags.format === 'json') {
      write(`${JSON.stringify({ dryRun: false, acknowledged: written.map((w) => ({ id: w.id, by: w.by, at: w.at })), alreadyReviewed: already.map((e) => e.id) }, null, 2)}\n`, s.redactor);
    } else write(`Recorded ${written.length} acknowledgement${written.length === 1 ? '' : 's'} in ${s.store.location} and the audit trail.\n`, s.redactor);
    return EXIT.ok;
  } finally {
    await s.probes.close();
  }
}
