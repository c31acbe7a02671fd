/**
 * The report of a fleet run (`--env a,b,c`, `--env all`): one section per environment, one summary
 * table (checklist line × environment), the exit code of the worst. A single environment's run never
 * comes here: its output is the RunReport renderers' own, byte for byte.
 */
import { EXIT } from '../engine/errors.js';
import { markdownCell as cell, printableDeep } from '../engine/printable.js';
import { SCHEMA_VERSION, summarize, worst, type RunReport } from '../engine/report.js';
import { STATUSES } from '../engine/verdict.js';
import type { Format, RenderOptions, Trend } from './formats.js';
import { renderer } from './index.js';
import { summaryText } from './text.js';
import { STATE } from './nagios.js';
import { escapeMarkup } from './chart.js';
import { htmlPage } from './html.js';

/** One environment's report; `error` when its run could not be made (another run held its lock, the state store refused): no items then. */
export type EnvironmentReport = RunReport & { environment: string; error?: string };

/**
 * JSON (`--format json`) of a fleet run: the run's fields of a RunReport (status and exit code the
 * worst environment's, summary summed), `environments` in the order asked, and `reports`, one per
 * environment, each result naming its environment.
 */
export type FleetReport = Pick<RunReport, 'schemaVersion' | 'command' | 'runbook' | 'startedAt' | 'durationMs' | 'status' | 'exitCode' | 'interrupted' | 'summary'> & {
  environments: string[];
  reports: EnvironmentReport[];
};

/**
 * The exit code of the worst environment: a stopped run (130, 143) first, then a failure (2), then a
 * run that could not be made (75, 74, 69), then an error (3), warnings (1), and 0.
 */
export function worstExit(codes: number[]): number {
  const rank = (c: number) => c === EXIT.interrupted || c === EXIT.terminated ? 6 : c === EXIT.fail ? 5 : c === EXIT.error ? 3 : c === EXIT.warn ? 2 : c === EXIT.ok ? 1 : 4;
  return codes.reduce((w, c) => (rank(c) > rank(w) ? c : w), EXIT.ok);
}

/** The fleet's report from its environments' reports. */
export function fleetReport(reports: EnvironmentReport[], startedAt: Date, durationMs: number): FleetReport {
  const summary = summarize([]);
  for (const r of reports) for (const k of [...STATUSES, 'total'] as const) summary[k] += r.summary[k];
  const first = reports[0]!;
  return {
    schemaVersion: SCHEMA_VERSION,
    command: first.command,
    runbook: first.runbook,
    environments: reports.map((r) => r.environment),
    startedAt: startedAt.toISOString(),
    durationMs,
    status: worst(reports.map((r) => r.status)),
    exitCode: worstExit(reports.map((r) => r.exitCode)),
    interrupted: reports.some((r) => r.interrupted),
    summary,
    reports,
  };
}

/** The report of an environment whose run could not be made: no checks, its error and exit code. */
export function unmadeReport(like: { command: string; runbook: string }, environment: string, error: string, exitCode: number, startedAt: Date): EnvironmentReport {
  const summary = summarize([]);
  return { schemaVersion: SCHEMA_VERSION, ...like, environment, startedAt: startedAt.toISOString(), durationMs: 0, status: 'error', exitCode, interrupted: false, summary, items: [], error };
}

/** Every result names its environment (JSON, JUnit): a result read alone still says where it was seen. */
const withEnvironment = (r: EnvironmentReport): EnvironmentReport => ({
  ...r,
  items: r.items.map((i) => ({ ...i, results: i.results.map((x) => ({ ...x, environment: r.environment })) })),
});

/** The checklist lines of the fleet, in the order first met, and each environment's status on each. */
function summaryRows(fleet: FleetReport): { head: string[]; rows: string[][] } {
  const lines = [...new Set(fleet.reports.flatMap((r) => r.items.map((i) => i.title)))];
  const head = ['checklist line', ...fleet.environments];
  const rows = lines.map((line) => [line, ...fleet.reports.map((r) => r.error ? 'not run' : r.items.find((i) => i.title === line)?.status ?? '—')]);
  rows.push(['exit code', ...fleet.reports.map((r) => String(r.exitCode))]);
  return { head, rows };
}

const padded = (head: string[], rows: string[][]): string => {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  return [head, ...rows].map((r) => r.map((v, c) => v.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
};

function sections(fleet: FleetReport, one: (r: RunReport) => string, heading: (env: string) => string): string {
  return fleet.reports.map((r) => `${heading(r.environment)}\n${r.error ? `not run: ${r.error} (exit ${r.exitCode})\n` : one(r)}`).join('\n');
}

function text(fleet: FleetReport, one: (r: RunReport) => string): string {
  const { head, rows } = summaryRows(fleet);
  const title = `nvcops ${fleet.command} in ${fleet.environments.length} environments — ${fleet.status.toUpperCase()} (exit ${fleet.exitCode})`;
  return `${sections(fleet, one, (env) => `── environment ${env} ──`)}\n${title}\n${summaryText(fleet.summary)} of ${fleet.summary.total} checks\n${padded(head, rows)}\n`;
}

function markdown(fleet: FleetReport, one: (r: RunReport) => string): string {
  const { head, rows } = summaryRows(fleet);
  const table = [`| ${head.map(cell).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
  const top = `# nvcops ${fleet.command} in ${fleet.environments.length} environments — ${fleet.status.toUpperCase()}\n\n- Exit code ${fleet.exitCode}${fleet.interrupted ? ' (interrupted)' : ''}\n- Summary: ${summaryText(fleet.summary)} of ${fleet.summary.total} checks\n\n${table}\n`;
  return `${top}\n${sections(fleet, one, (env) => `# Environment ${cell(env)}\n`)}`;
}

/** Nagios: one state line for the fleet (the environments that are not OK), then each environment's own output. */
function nagios(fleet: FleetReport, one: (r: RunReport) => string): string {
  const bad = fleet.reports.filter((r) => r.exitCode !== EXIT.ok).map((r) => `${r.environment} ${STATE[r.exitCode] ?? `exit ${r.exitCode}`}`);
  const headline = bad.length ? bad.join(', ') : `all ${fleet.reports.length} environments OK`;
  const long = fleet.reports.map((r) => r.error ? `[${r.environment}] not run: ${r.error}` : one(r).split('\n').filter(Boolean).map((l) => `[${r.environment}] ${l}`).join('\n'));
  return `NVCOPS ${STATE[fleet.exitCode] ?? 'UNKNOWN'} - ${`${fleet.command} in ${fleet.reports.length} environments: ${headline}`.replace(/\|/g, '/')}\n${long.join('\n').replace(/\|/g, '/')}\n`;
}

/** JUnit: each environment's suites, named `environment: checklist line`, with an `environment` property on each. */
function junit(fleet: FleetReport, one: (r: RunReport) => string): string {
  const suites = fleet.reports.map((r) => {
    const named = withEnvironment({ ...r, items: r.items.map((i) => ({ ...i, title: `${r.environment}: ${i.title}` })) });
    if (r.error) {
      named.items = [{ title: `${r.environment}: run`, status: 'error', results: [{ id: 'run', title: 'run', status: 'error', observed: null, threshold: null, message: r.error, durationMs: 0 }] }];
      named.summary = { ...named.summary, error: 1, total: 1 };
    }
    const xml = one(named);
    const body = (/<testsuites[^>]*>\n?([\s\S]*)<\/testsuites>/.exec(xml)?.[1] ?? '').trimEnd();
    return `${body.replace(/<testsuite ([^>]*)>/g, `<testsuite $1>\n    <properties>\n      <property name="environment" value="${escapeMarkup(r.environment)}"></property>\n    </properties>`)}\n`;
  });
  const s = fleet.summary;
  const t = (ms: number) => (ms / 1000).toFixed(3);
  const errors = s.error + fleet.reports.filter((r) => r.error).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="nvcops ${escapeMarkup(fleet.command)} (${fleet.reports.length} environments)" tests="${s.total + fleet.reports.filter((r) => r.error).length}" failures="${s.fail}" errors="${errors}" skipped="${s.skip + s.manual + s.waived}" time="${t(fleet.durationMs)}">\n${suites.join('')}</testsuites>\n`;
}

/**
 * Prometheus: the exposition format wants each metric family once, its samples together, so every
 * environment's samples (labelled with it) go under one HELP and TYPE per family.
 */
function prometheusFleet(fleet: FleetReport, one: (r: RunReport) => string): string {
  const families = new Map<string, { head: string[]; samples: string[] }>();
  for (const r of fleet.reports.filter((x) => !x.error)) {
    for (const line of one(r).split('\n').filter(Boolean)) {
      const name = /^# (?:HELP|TYPE) (\S+)/.exec(line)?.[1] ?? /^([a-zA-Z_:][\w:]*)/.exec(line)![1]!;
      const family = families.get(name) ?? { head: [], samples: [] };
      families.set(name, family);
      if (!line.startsWith('#')) family.samples.push(line);
      else if (!family.head.includes(line)) family.head.push(line);
    }
  }
  return [...families.values()].map((f) => [...f.head, ...f.samples].join('\n')).join('\n') + '\n';
}

/** HTML: one page, a section per environment: its checklist, and its charts from its own kept runs. */
function htmlFleet(fleet: FleetReport, trends: (Trend | undefined)[] = []): string {
  return htmlPage({
    title: `nvcops ${fleet.command} in ${fleet.environments.length} environments — ${fleet.status.toUpperCase()}`,
    status: fleet.status,
    verdict: [`exit code ${fleet.exitCode}${fleet.interrupted ? ' (interrupted)' : ''}`, `${summaryText(fleet.summary)} of ${fleet.summary.total} checks`],
    meta: [['Runbook', fleet.runbook], ['Environments', fleet.environments.join(', ')], ['Started', fleet.startedAt]],
    sections: fleet.reports.map((r, i) => ({ heading: `Environment ${r.environment}`, ...(r.error ? { note: `not run: ${r.error} (exit ${r.exitCode})` } : { report: r, trend: trends[i] }) })),
    footer: ['Made by nvcops. Secrets are masked; each environment\'s charts are drawn from its own run history in the state store.'],
  });
}


/** The fleet's output in `format`; formats without a fleet form of their own show each environment in turn under a summary table. */
export async function renderFleet(format: Format, shown: FleetReport, opts: RenderOptions): Promise<string> {
  const fleet = printableDeep(shown);
  const each = await renderer(format);
  const one = (r: RunReport) => each(r, opts);
  switch (format) {
    case 'json':
      return `${JSON.stringify({ ...fleet, reports: fleet.reports.map(withEnvironment) }, null, 2)}\n`;
    case 'junit':
      return junit(fleet, one);
    case 'nagios':
      return nagios(fleet, one);
    case 'prometheus':
      return prometheusFleet(fleet, one);
    case 'markdown':
      return markdown(fleet, one);
    case 'html':
      return htmlFleet(fleet, opts.trends);
    default:
      return text(fleet, one);
  }
}
