import { writeDocument } from '../report/document.js';
import { writeOutputFile } from '../report/output.js';
import { StateConflictError } from '../engine/errors.js';
import { printable } from '../engine/printable.js';
import { SEVERITY_LEVELS } from '../runbook/severity.js';
import { actor } from '../state/index.js';
import { dbSectionsFor, deploySectionsFor, logSectionsFor } from './commands.js';
import { renderSectionsMarkdown, sectionsExitCode, type Section } from './document.js';
import { incidentWindows, SUSPECT_LEAD_MS, withStore } from './lifecycle.js';
import { METRIC_PRESETS } from './metric-presets.js';
import { presetSummaries } from './metrics.js';
import type { IncidentContext } from './output.js';
import { isOpen } from '../checks/incident-timers.js';
import { listIncidents, REPORT_KIND, type Incident } from '../probes/incidents.js';
import { addEvent, chooseIncident, shownTitle, updateIncident } from './records.js';
import { statusSections, systemStatus } from './status.js';
import { formatAge, parseSince } from './time.js';
import { runbookTimeZone } from '../runbook/schedule.js';
import { OUTPUT_SCHEMA_VERSION } from '../engine/output-version.js';
import type { OutputOf } from '../report/schemas.js';

export interface DiagnoseOptions {
  id?: string;
  /** Log window start; default: 30 minutes before the incident's impact began (or 30 minutes ago). */
  since?: string;
  longRunningMs: number;
  output?: string;
}

async function metricSections(ctx: IncidentContext, sinceMs: number): Promise<Section[]> {
  if (!ctx.config.aws) return [{ title: 'Infrastructure metrics', state: 'skipped', summary: 'AWS not configured: set aws.region (and aws.loadBalancer, aws.rds, …)' }];
  const rows = await presetSummaries(ctx.config, METRIC_PRESETS, sinceMs);
  const n = (v: number | null) => (v === null ? '—' : String(Number(v.toPrecision(4))));
  return [{
    title: 'Infrastructure metrics',
    state: rows.some((r) => r.error) ? 'error' : rows.length ? 'ok' : 'skipped',
    summary: rows.length ? `${rows.length} CloudWatch series over the last ${formatAge(sinceMs)}` : 'no metric preset can be named from the aws configuration',
    table: { head: ['preset', 'stat', 'last', 'min', 'max', 'trend', 'metric'], rows: rows.map((r) => [r.preset, r.stat, r.error ? `error: ${r.error}` : n(r.last), n(r.min), n(r.max), r.spark, r.what]) },
    data: rows,
  }];
}

/** The incident the bundle belongs to: the one named, else the only open one, else none (the report is still written). */
async function target(ctx: IncidentContext, id?: string): Promise<Incident | undefined> {
  return withStore(ctx, async (store) => {
    if (id !== undefined) return chooseIncident(store, ctx.config.environment ?? null, id, 'incident diagnose --id');
    const open = (await listIncidents(store)).filter((i) => isOpen(i) && i.environment === (ctx.config.environment ?? null));
    return open.length === 1 ? open[0] : open.length ? chooseIncident(store, ctx.config.environment ?? null) : undefined;
  });
}

/** incident diagnose: status, deploys, logs, database and metrics in one markdown report, attached to the incident. */
export async function diagnose(ctx: IncidentContext, o: DiagnoseOptions): Promise<number> {
  const now = ctx.now();
  const incident = await target(ctx, o.id);
  const started = incident ? new Date(incident.startedAt) : now;
  const logsSince = o.since ? parseSince(o.since, now, runbookTimeZone(ctx.config)) : new Date(started.getTime() - 30 * 60_000);
  const deploysSince = new Date(Math.min(started.getTime() - SUSPECT_LEAD_MS, now.getTime() - SUSPECT_LEAD_MS));
  const [states, deploys, logs, db, metrics] = await Promise.all([
    systemStatus(ctx.config),
    incidentWindows(ctx).then((w) => deploySectionsFor(ctx, deploysSince, w)),
    logSectionsFor(ctx, { since: logsSince, level: 'warn', top: 20 }),
    dbSectionsFor(ctx, o.longRunningMs),
    metricSections(ctx, Math.max(now.getTime() - deploysSince.getTime(), 3_600_000)),
  ]);
  const parts: [string, Section[]][] = [
    ['System status', statusSections(states, ctx.config)],
    ['Recent deployments', deploys],
    ['Application log', logs.sections],
    ['Database', db],
    ['Infrastructure metrics', metrics],
  ];
  const all = parts.flatMap(([, s]) => s);
  const notable = all.filter((s) => s.state === 'attention' || s.state === 'error');
  const summary = notable.length ? notable.map((s) => s.title).join(', ') : 'nothing abnormal found';
  const heading = incident ? `${incident.id} [${incident.severity} ${SEVERITY_LEVELS[incident.severity].name}] ${printable(shownTitle(incident))}` : 'no open incident';
  const markdown = ctx.redactor.apply([
    `# Incident diagnosis — ${heading}`,
    '',
    `Generated ${now.toISOString()} by ${actor(ctx.flags.by)} · environment ${ctx.config.environment ?? 'not named'}${incident ? ` · impact began ${incident.startedAt}` : ''}`,
    '',
    `**Needs a look:** ${summary}`,
    '',
    ...parts.map(([title, sections]) => `## ${title}\n\n${renderSectionsMarkdown(sections, 3)}`),
  ].join('\n'));
  // Written before the report is attached: a file that cannot be written leaves the incident as it was.
  if (o.output) writeOutputFile(o.output, markdown);
  let attached = '';
  if (incident) {
    attached = await withStore(ctx, async (store) => {
      const by = actor(ctx.flags.by);
      let reportId = '';
      // Two engineers diagnosing at once each get their own report number.
      for (let n = (await chooseIncident(store, incident.environment, incident.id)).reports.length + 1; !reportId; n++) {
        try {
          await store.records.put(REPORT_KIND, `${incident.id}/diagnosis-${n}`, { incident: incident.id, at: now.toISOString(), by, summary, markdown }, { by, expectedVersion: 0 });
          reportId = `${incident.id}/diagnosis-${n}`;
        } catch (e) {
          if (!(e instanceof StateConflictError) || n > 100) throw e;
        }
      }
      await updateIncident(store, incident.id, by, (i) => {
        i.reports.push({ id: reportId, at: now.toISOString(), by, summary });
        addEvent(i, { at: now.toISOString(), by, type: 'diagnosis', message: `${reportId}: ${summary}` });
      });
      return reportId;
    });
  }
  // The screen shows the report as it was recorded.
  await writeDocument({ blocks: [{ kind: 'text', text: markdown }], json: { schemaVersion: OUTPUT_SCHEMA_VERSION, incident: incident?.id ?? null, report: attached || null, summary, sections: Object.fromEntries(parts) } satisfies OutputOf<'incident-diagnose'> }, ctx.flags.format, ctx.redactor);
  ctx.print(attached ? `attached to ${incident!.id} as ${attached}${o.output ? `; written to ${o.output}` : ''}\n` : `no open incident: the report is not attached${o.output ? `; written to ${o.output}` : ''}\n`, process.stderr);
  return sectionsExitCode(all);
}
