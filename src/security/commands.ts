/** `nvcops health security` (the runbook's security_events_summary --last-24h) and `… security ack`. */
import { hostname } from 'node:os';
import { EXIT, UsageError } from '../engine/errors.js';
import { printableDeep } from '../engine/printable.js';
import { Probes } from '../probes/index.js';
import { actor, auditEvent, VERSION } from '../state/index.js';
import type { GlobalOptions } from '../app/prepare.js';
import { prepare } from '../app/prepare.js';
import { paragraph, writeDocument, type Document, type Style, type Text } from '../report/document.js';
import { useColor } from '../report/output.js';
import { outgrownText, withReviews, type Reviewed } from '../checks/security-reviews.js';
import { SEVERITIES, type SecurityScan } from '../probes/security-events.js';
import { acknowledge } from './acks.js';
import { OUTPUT_SCHEMA_VERSION } from '../engine/output-version.js';
import type { OutputOf } from '../report/schemas.js';

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
    const result = await probes.securityEvents(flags.since ? now.getTime() - flags.since.getTime() : DAY_MS, now);
    const store = await probes.state();
    const acks = await probes.securityAcks();
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

function eventLines(e: Reviewed): Text[] {
  const who = [e.user && `user ${e.user}`, e.from && `from ${e.from}`].filter(Boolean).join(' ');
  const mark = e.reviewed ? { text: `reviewed by ${e.reviewed.by}`, style: 'green' as const } : { text: `UNREVIEWED${e.outgrown ? ` (${outgrownText(e.outgrown, e)})` : ''}`, style: 'bold' as const };
  return [[{ text: `  ${e.id}  ${e.time.replace(/\.\d+Z$/, 'Z')}  ${e.kind.padEnd(16)} ${e.source.padEnd(15)} ${who}${e.count > 1 ? ` ×${e.count}` : ''}  ` }, mark], `      ${e.message.slice(0, 200)}`];
}

function summaryDocument(environment: string | null, scanned: SecurityScan, found: Reviewed[]): Document {
  // Log lines and user names an attacker chose: shown, never acted on by the terminal.
  const [result, events] = [printableDeep(scanned), printableDeep(found)];
  const paint: Record<(typeof SEVERITIES)[number], Style> = { high: 'red', medium: 'yellow', low: 'gray' };
  const out: Text[] = [
    'Sources:',
    ...result.sources.map((s): Text => [{ text: '  ' }, s.state === 'error' ? { text: '! error  ', style: 'magenta' } : s.state === 'read' ? { text: '✔ read   ', style: 'green' } : { text: '– skipped', style: 'gray' }, { text: ` ${s.name}: ${s.note}` }]),
  ];
  for (const severity of SEVERITIES) {
    const list = events.filter((e) => e.severity === severity);
    const open = list.filter((e) => !e.reviewed).length;
    out.push('', [{ text: `${severity.toUpperCase()}: ${list.length} event${list.length === 1 ? '' : 's'}, ${open} unreviewed`, style: paint[severity] }]);
    // Single failed logins are many and matter in aggregate: the table below counts them by user and source.
    const shown = list.filter((e) => e.kind !== 'auth-failure');
    out.push(...shown.flatMap(eventLines));
    if (shown.length < list.length) out.push([{ text: `  ${list.length - shown.length} failed logins, counted by user and source below (--format json lists each with its id)`, style: 'gray' }]);
  }
  const failures = new Map<string, number>();
  for (const e of events.filter((x) => x.kind === 'auth-failure')) {
    const key = `${e.user ?? '?'} from ${e.from ?? '?'} (${e.source})`;
    failures.set(key, (failures.get(key) ?? 0) + e.count);
  }
  const brute = new Set(events.filter((e) => e.kind === 'brute-force').map((e) => `${e.user ?? '?'} from ${e.from ?? '?'} (${e.source})`));
  if (failures.size) {
    out.push('', 'Authentication failures by user and source:');
    for (const [key, n] of [...failures].sort((a, b) => b[1] - a[1])) out.push([{ text: `  ${String(n).padStart(5)}  ${key}` }, ...(brute.has(key) ? [{ text: '  brute force', style: 'red' as const }] : [])]);
  }
  const high = events.filter((e) => e.severity === 'high' && !e.reviewed).length;
  const broken = result.sources.filter((s) => s.state === 'error').length;
  const read = result.sources.filter((s) => s.state === 'read').length;
  out.push(
    '',
    [high
      ? { text: `✖ ${high} high-severity event${high > 1 ? 's' : ''} unreviewed — after looking into them: nvcops health security ack <id…> --note "…"`, style: 'red' }
      : broken
        ? { text: `! ${broken} source${broken > 1 ? 's' : ''} could not be read: the review is incomplete`, style: 'magenta' }
        : !read
          ? { text: '! no source of security events was read: nothing was reviewed (set logs.application, logs.postgres or redis.url)', style: 'magenta' }
          : { text: '✔ every high-severity event has been reviewed', style: 'green' }],
  );
  return {
    header: { title: 'nvcops health security', environment, at: `${result.since} → ${result.until}`, runbook: 'Daily Operations › Morning Health Check: python scripts/security_events_summary.py --last-24h' },
    blocks: [paragraph(out)],
    json: { schemaVersion: OUTPUT_SCHEMA_VERSION, command: 'health security', environment, since: scanned.since, until: scanned.until, exitCode: exitCode(found, scanned), sources: scanned.sources, events: found },
  };
}

/** `nvcops health security [--last-24h | --since …]`: the events of the window, grouped by severity, with their review state. */
export async function securitySummary(flags: SummaryFlags): Promise<number> {
  const s = await scan(flags);
  try {
    const color = useColor(flags.color);
    await writeDocument(summaryDocument(s.config.environment ?? null, s.result, s.events), flags.format, s.redactor, { color });
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
    // The plan is on the screen before anything is written; the JSON says what was done.
    await writeDocument({ blocks: [paragraph(plan)], json: undefined }, flags.format, s.redactor);
    if (flags.dryRun || !todo.length) {
      await writeDocument({ blocks: [], json: { schemaVersion: OUTPUT_SCHEMA_VERSION, dryRun: Boolean(flags.dryRun), acknowledged: [], wouldAcknowledge: todo.map((e) => e.id), alreadyReviewed: already.map((e) => e.id) } satisfies OutputOf<'security-ack'> }, flags.format, s.redactor);
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
    await writeDocument({
      blocks: [paragraph([`Recorded ${written.length} acknowledgement${written.length === 1 ? '' : 's'} in ${s.store.location} and the audit trail.`])],
      json: { schemaVersion: OUTPUT_SCHEMA_VERSION, dryRun: false, acknowledged: written.map((w) => ({ id: w.id, by: w.by, at: w.at })), alreadyReviewed: already.map((e) => e.id) },
    }, flags.format, s.redactor);
    return EXIT.ok;
  } finally {
    await s.probes.close();
  }
}
