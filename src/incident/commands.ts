import { ConfigError, UsageError } from '../engine/errors.js';
import { interruptOnSignals } from '../engine/interrupt.js';
import { missingTarget } from '../engine/targets.js';
import { NO_CONFIG_FILE } from '../app/run.js';
import { entryRenderers } from '../report/document.js';
import { formatValue } from '../engine/units.js';
import { Probes } from '../probes/index.js';
import { dbDiagnostics, type Counters } from './db.js';
import { DEFAULT_DEPLOY_TAG_PATTERN, repositoryChanges, type IncidentWindow } from '../probes/deploys.js';
import { deploySections } from './deploys.js';
import type { Section } from './document.js';
import { fingerprint, followLog, LEVELS, parseLogLine, shownLine, summarizeLogs, type Level, type LogSummary } from '../probes/log-files.js';
import { incidentContext, makeDocument, printDocument, type IncidentContext, type IncidentFlags } from './output.js';
import { NOTHING_TO_PROBE, statusSections, systemStatus } from './status.js';
import { parseSince } from './time.js';
import { runbookTimeZone } from '../runbook/schedule.js';
import { OUTPUT_SCHEMA_VERSION } from '../engine/output-version.js';
import type { OutputOf } from '../report/schemas.js';

/** incident status: exit 2 when something is down, 78 when nothing is configured to probe. */
export async function status(flags: IncidentFlags): Promise<number> {
  const ctx = await incidentContext(flags);
  const states = await systemStatus(ctx.config);
  requireConfigured(ctx, 'incident status', states.length, NOTHING_TO_PROBE);
  const doc = makeDocument(ctx, 'nvcops incident status', 'Incident Response › Detection and Alert: ./scripts/system_status.sh', statusSections(states, ctx.config));
  const code = await printDocument(ctx, doc);
  await recordInvestigation(ctx, 'incident status', doc.sections);
  return states.some((s) => s.up === false) ? 2 : code;
}

export interface DeploysFlags extends IncidentFlags {
  since: string;
}

const NO_REPOSITORIES = 'no repositories configured: list local clones in deploys.repositories[]';
const NO_APPLICATION_LOG = 'no application log configured: set logs.application (or pass --file)';

/** The one rule for "not configured": a command of one system that is not configured is exit 78 naming the key. */
function requireConfigured(ctx: IncidentContext, command: string, configured: unknown, missing: string): void {
  if (!configured) throw new ConfigError(`${command}: ${missing}${ctx.config.source ? '' : `; ${NO_CONFIG_FILE()}`}`);
}

export async function deploySectionsFor(ctx: IncidentContext, since: Date, windows: IncidentWindow[]): Promise<Section[]> {
  const repos = ctx.config.deploys?.repositories ?? [];
  if (!repos.length) return [{ title: 'Deployments', state: 'skipped', summary: NO_REPOSITORIES }];
  const pattern = ctx.config.deploys?.tagPattern ?? DEFAULT_DEPLOY_TAG_PATTERN;
  const now = ctx.now();
  const changes = await Promise.all(repos.map((r) => repositoryChanges(r, since, pattern, windows)));
  return deploySections(changes, since, now, windows);
}

/** incident deploys: the runbook's `git log --oneline --since="1 hour ago"` over every configured clone. */
export async function deploys(flags: DeploysFlags): Promise<number> {
  const ctx = await incidentContext(flags);
  requireConfigured(ctx, 'incident deploys', ctx.config.deploys?.repositories?.length, NO_REPOSITORIES);
  const since = parseSince(flags.since, ctx.now(), runbookTimeZone(ctx.config));
  const { incidentWindows } = await import('./lifecycle.js');
  const sections = await deploySectionsFor(ctx, since, await incidentWindows(ctx));
  const code = await printDocument(ctx, makeDocument(ctx, 'nvcops incident deploys', 'Incident Response › Detection and Alert: git log --oneline --since="1 hour ago"', sections));
  await recordInvestigation(ctx, 'incident deploys', sections);
  return code;
}

/** Adds what an investigation found to the open incidents' timelines. */
async function recordInvestigation(ctx: IncidentContext, what: string, sections: Section[]): Promise<void> {
  const notable = sections.filter((s) => s.state === 'attention' || s.state === 'error');
  const { recordInvestigation: record } = await import('./lifecycle.js');
  await record(ctx, what, notable.length ? notable.map((s) => `${s.title}: ${s.summary}`).join('; ') : 'nothing abnormal');
}

export interface LogsFlags extends IncidentFlags {
  since: string;
  follow?: boolean;
  grep?: string;
  level: Level;
  top: number;
  file?: string;
}

function grepOf(pattern?: string): RegExp | undefined {
  if (pattern === undefined) return undefined;
  try {
    return new RegExp(pattern, 'i');
  } catch (e) {
    throw new UsageError(`--grep: not a regular expression (${(e as Error).message})`);
  }
}

export function logSections(summary: LogSummary, since: Date, top: number): Section[] {
  const errors = summary.groups.filter((g) => g.level === 'error' || g.level === 'fatal').reduce((n, g) => n + g.count, 0);
  const shown = summary.groups.slice(0, top);
  return [
    {
      title: 'Errors and warnings by fingerprint',
      state: errors ? 'attention' : 'ok',
      summary: `${summary.matched} lines in ${summary.groups.length} groups since ${since.toISOString()}${shown.length < summary.groups.length ? ` (top ${shown.length} shown)` : ''}`,
      table: {
        head: ['count', 'level', 'first seen', 'last seen', 'sample'],
        rows: shown.map((g) => [String(g.count), g.level, g.firstSeen ?? '—', g.lastSeen ?? '—', g.sample.slice(0, 200)]),
      },
      data: summary.groups,
    },
    {
      title: 'Files read',
      state: 'ok',
      summary: `${summary.files.length} file(s)`,
      lines: summary.files.map((f) => `${f.path}: ${formatValue(f.bytesRead, 'bytes')} read of ${formatValue(f.size, 'bytes')}${f.seeked ? `, seeked to byte ${f.startOffset}` : ''}, ${f.lines} lines`),
      data: summary.files,
    },
  ];
}

export async function logSectionsFor(ctx: IncidentContext, opts: { since: Date; level: Level; grep?: RegExp; top: number; file?: string }): Promise<{ sections: Section[]; summary?: LogSummary; path?: string }> {
  const path = opts.file ?? ctx.config.logs?.application;
  if (!path) return { sections: [{ title: 'Application log', state: 'skipped', summary: NO_APPLICATION_LOG }] };
  try {
    const summary = await summarizeLogs(path, { since: opts.since, level: opts.level, grep: opts.grep });
    return { sections: logSections(summary, opts.since, opts.top), summary, path };
  } catch (e) {
    return { sections: [{ title: 'Application log', state: 'error', summary: (e as Error).message }], path };
  }
}

/** incident logs: `tail -f application.log`, grouped; --follow keeps printing new lines across rotation until Ctrl-C. */
export async function logs(flags: LogsFlags): Promise<number> {
  const ctx = await incidentContext(flags);
  requireConfigured(ctx, 'incident logs', flags.file ?? ctx.config.logs?.application, NO_APPLICATION_LOG);
  if (!LEVELS.includes(flags.level)) throw new UsageError(`--level: use one of ${LEVELS.join(', ')}`);
  const grep = grepOf(flags.grep);
  const since = parseSince(flags.since, ctx.now(), runbookTimeZone(ctx.config));
  const { sections, summary, path } = await logSectionsFor(ctx, { since, level: flags.level, grep, top: flags.top, file: flags.file });
  const code = await printDocument(ctx, makeDocument(ctx, 'nvcops incident logs', 'Incident Response › Investigation: tail -f /var/log/nvcfund/application.log', sections));
  await recordInvestigation(ctx, 'incident logs', sections);
  if (!flags.follow || !path) return code;
  const stop = interruptOnSignals();
  ctx.print(`following ${path} (Ctrl-C to stop)\n`, process.stderr);
  try {
    await followLog(path, summary?.current, (line) => {
      const rec = parseLogLine(line);
      const shown = shownLine(rec, line, { level: flags.level, grep });
      if (!shown) return;
      ctx.print(entryRenderers[flags.format]({ text: shown.line, json: { schemaVersion: OUTPUT_SCHEMA_VERSION, time: rec.time?.toISOString() ?? null, level: rec.level, fingerprint: fingerprint(shown.message), line: shown.line } satisfies OutputOf<'incident-log-line'> }));
    }, stop.signal);
  } finally {
    stop.release();
  }
  return 0;
}

export interface DbFlags extends IncidentFlags {
  long: number;
}

export async function dbSectionsFor(ctx: IncidentContext, longRunningMs: number): Promise<Section[]> {
  const noPostgres = missingTarget('postgres', ctx.config);
  if (noPostgres) return [{ title: 'PostgreSQL', state: 'skipped', summary: noPostgres }];
  const probes = new Probes(ctx.config);
  try {
    const { primary, replicas } = probes.postgres;
    try {
      await primary.connect();
    } catch (e) {
      return [{ title: 'PostgreSQL', state: 'error', summary: (e as Error).message }];
    }
    const { openStore } = await import('../state/index.js');
    const store = await openStore(ctx.config);
    try {
      const key = ctx.config.environment ?? 'default';
      const previous = (await store.records.get<Counters & Record<string, unknown>>('pg-counters', key))?.data;
      const { sections, counters } = await dbDiagnostics(primary, replicas, { longRunningMs, previous, now: ctx.now() });
      if (counters) await store.records.put('pg-counters', key, { ...counters }, { by: 'nvcops' });
      return sections;
    } finally {
      await store.close();
    }
  } finally {
    await probes.close();
  }
}

/** incident db: the runbook's db_diagnostics.py. */
export async function db(flags: DbFlags): Promise<number> {
  const ctx = await incidentContext(flags);
  requireConfigured(ctx, 'incident db', ctx.config.postgres, missingTarget('postgres', ctx.config)!);
  const sections = await dbSectionsFor(ctx, flags.long);
  const code = await printDocument(ctx, makeDocument(ctx, 'nvcops incident db', 'Incident Response › Investigation: python scripts/db_diagnostics.py', sections));
  await recordInvestigation(ctx, 'incident db', sections);
  return code;
}
