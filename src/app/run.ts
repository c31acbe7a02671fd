/** Running a procedure: the one check-run pipeline every check command, review and drill goes through. */
import { appendFileSync } from 'node:fs';
import { checks, registry } from '../checks/index.js';
import { RUN_DEFAULTS, type CheckDefinition } from '../engine/check.js';
import { clockFromEnv } from '../engine/clock.js';
import { configPlaces, type Config } from '../engine/config/index.js';
import { ConfigError, EXIT } from '../engine/errors.js';
import { interruptedExitCode, interruptOnSignals, pause } from '../engine/interrupt.js';
import type { Redactor } from '../engine/redact.js';
import type { FailOn, RunReport } from '../engine/report.js';
import { runProcedure, type RunOptions } from '../engine/runner.js';
import { missingTarget, optedIn } from '../engine/targets.js';
import { resolveThresholds, type Threshold } from '../engine/thresholds.js';
import { Probes } from '../probes/index.js';
import type { Format, Trend } from '../report/formats.js';
import { renderer } from '../report/index.js';
import { makeReportDirectories, screenWidth, useColor, write, writeReportFile } from '../report/output.js';
import { procedures, type Procedure, type ProcedureId } from '../runbook/procedures.js';
import type { Store } from '../state/store.js';
import { alertsFor, sendAlerts } from './alerts.js';
import { fleetOf, namesSeveral, prepare, prepareFleet, type GlobalOptions } from './prepare.js';
import { holdRun, type IfRunning } from './run-lock.js';

/** The flags every check command takes (src/commands/options.ts reads them). */
export interface RunFlags extends GlobalOptions {
  format: Format;
  report?: { format: Format; path: string }[];
  failOn: FailOn;
  timeout: number;
  concurrency: number;
  wait?: number;
  interval: number;
  emit?: 'cloudwatch';
  onlyProblems?: boolean;
  ifRunning: IfRunning;
  /** Send alerts per check that changed (src/app/alerts.ts); config alerts.onFail does it for every run. */
  notify?: boolean;
  /** With --env a,b,c or --env all: environments run at once (app/fleet.ts FLEET_CONCURRENCY when absent). */
  envConcurrency?: number;
}

async function progressLine(enabled: boolean) {
  if (!enabled) return undefined;
  const { default: ora } = await import('ora');
  return ora({ stream: process.stderr, text: 'starting checks' }).start();
}


/** The checks a run can name (the registry and those `extra` adds, each adapted by `wrap`) and their thresholds, validated before anything connects. */
export function checkSet(config: Config, extra: CheckDefinition[] = [], wrap?: (check: CheckDefinition) => CheckDefinition): { registered: ReadonlyMap<string, CheckDefinition>; thresholds: Map<string, Threshold> } {
  const thresholds = resolveThresholds(extra.length ? [...checks, ...extra] : checks, config.thresholds);
  const known = extra.length ? new Map([...registry, ...extra.map((c) => [c.id, c] as const)]) : registry;
  return { registered: wrap ? new Map([...known].map(([id, c]) => [id, wrap(c)] as const)) : known, thresholds };
}

/** What a run of checks needs besides its probes, which the pipeline makes: concurrency and deadline default to RUN_DEFAULTS. */
export type PipelineOptions = Omit<RunOptions, 'probes' | 'concurrency' | 'deadlineMs'> & Partial<Pick<RunOptions, 'concurrency' | 'deadlineMs'>> & {
  config: Config;
  /** The caller's open state store, which the checks then read (it closes it itself); else the probes open their own. */
  store?: () => Promise<Store>;
};

/** The one pipeline that runs checks, for every command, incident, review and drill: probes made for the run and closed after it. */
export async function runPipeline(procedure: Procedure, registered: ReadonlyMap<string, CheckDefinition>, opts: PipelineOptions): Promise<RunReport> {
  const { config, store, concurrency = RUN_DEFAULTS.concurrency, deadlineMs = RUN_DEFAULTS.deadlineMs, ...run } = opts;
  const probes = new Probes(config, store);
  try {
    return await runProcedure(procedure, registered, { ...run, probes, concurrency, deadlineMs });
  } finally {
    await probes.close();
  }
}

/** Checks a command adds from the configuration (business metrics), shown as one more checklist line. */
export type ProcedureExtension = (config: Config) => { title: string; checks: CheckDefinition[] } | undefined;

/** What a command adds to the pipeline: see runChecksCommand. */
export interface CommandHooks {
  compareWithLastRun?: boolean;
  adjust?: (config: Config) => void;
  wrap?: (check: CheckDefinition) => CheckDefinition;
  onReport?: (report: RunReport, ctx: { config: Config; redactor: Redactor; store: () => Promise<Store> }) => Promise<void>;
}

/** One environment's run, ready to go: its config, and the procedure and checks validated against it. */
interface Prepared {
  config: Config;
  redactor: Redactor;
  procedure: Procedure;
  registered: ReadonlyMap<string, CheckDefinition>;
  thresholds: Map<string, Threshold>;
  alerts: ReturnType<typeof alertsFor>;
}

/**
 * Runs a procedure as a command: prepare, run (again under --wait), render, write reports; returns the exit code.
 * `--env a,b,c` or `--env all` runs it in each of those environments (app/fleet.ts), with one report.
 */
export async function runChecksCommand(
  procedureId: ProcedureId,
  flags: RunFlags,
  extend?: ProcedureExtension,
  /**
   * `adjust` applies flags that stand for config keys (`backup verify --all` = backups.verify: all);
   * `wrap` adapts each check for this command (waivers of the reviews' controls); `onReport` gets the
   * final report after it is printed (evidence files). The run's clock honours NVCOPS_NOW.
   */
  opts: CommandHooks = {},
): Promise<number> {
  const fleet = fleetOf(flags);
  if (fleet) {
    const { configs, redactor } = await prepareFleet(flags, fleet);
    const prepared = configs.map((config) => preparedRun(procedureId, flags, extend, opts, config, redactor));
    makeReportDirectories(flags.report);
    const { runFleet } = await import('./fleet.js');
    return runFleet(configs, { command: procedureId, runbook: procedures[procedureId].runbook }, { flags, redactor }, (i, signal) => runEnvironment(procedureId, flags, opts, prepared[i]!, signal, () => undefined, undefined, wantsCharts(flags)));
  }
  const { config, redactor } = await prepare(flags);
  const prepared = preparedRun(procedureId, flags, extend, opts, config, redactor);
  makeReportDirectories(flags.report);
  // Listening until the run is in the history: a SIGTERM while it is written must not lose it.
  const interrupt = interruptOnSignals();
  const color = useColor(flags.color);
  const { exitCode } = await runEnvironment(procedureId, flags, opts, prepared, interrupt.signal, () => interrupt.release(), async (shown, store) => {
    // The HTML report's charts: this command's kept runs in this environment, read only when it is asked for.
    const trend = wantsCharts(flags) ? await trendOf(shown, store, redactor) : undefined;
    write((await renderer(flags.format))(shown, { color, width: screenWidth(), onlyProblems: flags.onlyProblems, failOn: flags.failOn, trend }), redactor);
    // A report file that cannot be written (disk full) still leaves the run in the history.
    let unwritten: unknown;
    for (const r of flags.report ?? []) {
      try {
        writeReportFile(r.path, redactor.apply((await renderer(r.format))(shown, { color: false, failOn: flags.failOn, trend })));
      } catch (e) {
        unwritten ??= e;
      }
    }
    const summaryFile = process.env.GITHUB_STEP_SUMMARY;
    if (flags.format === 'github' && summaryFile) {
      // The job summary GitHub shows on the run's page: appended, as other steps write to the same file.
      try {
        appendFileSync(summaryFile, redactor.apply(`${(await renderer('markdown'))(shown, { color: false })}\n`));
      } catch (e) {
        write(`nvcops: job summary not written to $GITHUB_STEP_SUMMARY (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n`, redactor, process.stderr);
      }
    }
    return unwritten;
  });
  return exitCode;
}

/** The procedure and checks of one environment's run, validated against its config before anything connects. */
function preparedRun(procedureId: ProcedureId, flags: RunFlags, extend: ProcedureExtension | undefined, opts: CommandHooks, config: Config, redactor: Redactor): Prepared {
  opts.adjust?.(config);
  const noAws = flags.emit === 'cloudwatch' ? missingTarget('aws', config) : undefined;
  if (noAws) throw new ConfigError(`--emit cloudwatch: ${noAws}`);
  const extra = extend?.(config);
  const { registered, thresholds } = checkSet(config, extra?.checks, opts.wrap);
  const base = withoutUnchosen(procedures[procedureId], config);
  const procedure = extra?.checks.length
    ? { ...base, items: [...base.items, { title: extra.title, checks: extra.checks.map((c) => c.id) }] }
    : base;
  const unconfigured = nothingConfigured(procedureId, procedure.items.flatMap((i) => i.checks.map((id) => registered.get(id)!)), config);
  if (unconfigured) throw new ConfigError(config.environment && namesSeveral(flags.env) ? `environment ${config.environment}: ${unconfigured}` : unconfigured);
  const alerts = alertsFor(flags.notify, config, registered);
  return { config, redactor, procedure, registered, thresholds, alerts };
}

/**
 * One environment's run: its run lock, the pipeline (again under --wait), its place in the history,
 * `onReport` and --emit. `show` prints it (a single environment's run) before it is kept, and returns
 * a report file it could not write, thrown once the run is kept; `release` stops listening for signals.
 */
async function runEnvironment(
  procedureId: ProcedureId,
  flags: RunFlags,
  opts: CommandHooks,
  { config, redactor, procedure, registered, thresholds, alerts }: Prepared,
  signal: AbortSignal,
  release: () => void,
  show?: (shown: RunReport, store: () => Promise<Store>) => Promise<unknown>,
  /** An environment of a fleet whose HTML page draws charts: its kept runs, read before this run is kept. */
  charts = false,
): Promise<{ report: RunReport; masked: RunReport; exitCode: number; trend?: Trend }> {
  const now = clockFromEnv();
  const waitUntil = flags.wait !== undefined ? Date.now() + flags.wait : 0;
  // One state store serves the run's checks (attestations, history) and then the comparison with the
  // last run, the run history and onReport: each opening would read (and verify) the trail again.
  let opened: Promise<Store> | undefined;
  const store = () => (opened ??= import('../state/index.js').then((m) => m.openStore(config)));
  const closeStore = async () => {
    const s = opened;
    opened = undefined;
    if (s) await s.then((x) => x.close(), () => undefined);
  };
  let report: RunReport;
  let masked: RunReport;
  let trend: Trend | undefined;
  let releaseRun = async () => undefined as void;
  try {
    releaseRun = await holdRun(config, `${procedureId} @ ${config.environment ?? 'no environment'}`, { ifRunning: flags.ifRunning, waitMs: flags.timeout, signal, redactor });
    for (let attempt = 1; ; attempt++) {
      // Another attempt reads the state afresh.
      if (attempt > 1) await closeStore();
      // A terminal that reports no width (some pseudo-terminals) would make the spinner's line arithmetic run away.
      const spinner = await progressLine(show !== undefined && flags.format === 'human' && process.stderr.isTTY === true && (process.stderr.columns ?? 0) > 0);
      report = await runPipeline(procedure, registered, {
        config,
        thresholds,
        concurrency: flags.concurrency,
        deadlineMs: flags.timeout,
        failOn: flags.failOn,
        signal,
        now,
        store,
        onProgress: spinner && ((done, total, running) => {
          spinner.text = `${done}/${total} checks done${running.length ? ` · running ${running.join(', ')}` : ''}`;
        }),
      });
      spinner?.stop();
      const settled = report.exitCode === EXIT.ok || report.exitCode === EXIT.warn;
      if (!flags.wait || settled || signal.aborted || Date.now() + flags.interval > waitUntil) break;
      write(`${fleetPrefix(show, config)}attempt ${attempt}: ${report.status} (exit ${report.exitCode}); trying again in ${Math.round(flags.interval / 1000)} s\n`, redactor, process.stderr);
      await pause(flags.interval, signal);
      // Stopped between attempts: the last attempt is what finished, not a run of checks never started.
      if (signal.aborted) {
        report = { ...report, interrupted: true, exitCode: interruptedExitCode(signal) };
        break;
      }
    }
  } catch (e) {
    release();
    await closeStore();
    await releaseRun();
    throw e;
  }
  try {
    if (opts.compareWithLastRun) report.changes = await compareWithLastRun(report, store, redactor, fleetPrefix(show, config));
    report.audit = await (await import('../state/index.js')).auditHeadOf(store);
    // Secrets masked before the renderers lay the text out: a secret a wrap cut in two would escape the mask.
    // Masked once: what is shown is what the history keeps and what a fleet's report gathers.
    masked = redactor.applyDeep(report);
    const unwritten = await show?.(masked, store);
    trend = charts ? await trendOf(masked, store, redactor, fleetPrefix(show, config)) : undefined;
    await keepInHistory(masked, store, redactor, flags.by, fleetPrefix(show, config));
    if (alerts) await sendAlerts(report, alerts, store, redactor);
    if (unwritten) throw unwritten;
    await opts.onReport?.(report, { config, redactor, store });
  } finally {
    release();
    await closeStore();
    await releaseRun();
  }
  if (flags.emit === 'cloudwatch') return { report, masked, trend, exitCode: await emitToCloudWatch(report, config, redactor) };
  return { report, masked, trend, exitCode: report.exitCode };
}

/** The procedure without the checks of systems the configuration does not opt into (engine/targets.ts OPT_IN_TARGETS). */
function withoutUnchosen(procedure: Procedure, config: Config): Procedure {
  const keep = (id: string) => optedIn(registry.get(id)?.requires ?? [], config);
  if (procedure.items.every((i) => i.checks.every(keep))) return procedure;
  return { ...procedure, items: procedure.items.map((i) => ({ ...i, checks: i.checks.filter(keep) })).filter((i) => i.checks.length) };
}

/** Said when no config file was found and nothing could run without one. */
export const NO_CONFIG_FILE = (): string => `no config file found: looked for ${configPlaces().join(', ')}; pass --config <file> or create one of them`;

/**
 * One rule for "not configured": a command none of whose checks can run (every one lacks its system)
 * is exit 78 naming the keys to set; a run without any config file whose checks that need a system
 * all lack it is exit 78 listing where the file was looked for. Otherwise those checks skip.
 */
function nothingConfigured(command: string, defs: CheckDefinition[], config: Config): string | undefined {
  const missing = (c: CheckDefinition) => c.requires.map((t) => missingTarget(t, config)).find(Boolean);
  const needing = defs.filter((c) => c.requires.length);
  if (!needing.length || !needing.every(missing)) return undefined;
  if (!config.source) return NO_CONFIG_FILE();
  if (needing.length < defs.length) return undefined;
  return `${command}: nothing it checks is configured: ${[...new Set(needing.map(missing))].join('; ')}`;
}

/** What names the environment on a line of a fleet run's stderr (a run of one environment shows nothing: it is printed with `show`). */
const fleetPrefix = (show: unknown, config: Config): string => (show ? '' : `environment ${config.environment}: `);

/**
 * Every run goes into the run history (`masked`: the report as the redactor's applyDeep made it); a store that cannot
 * take it costs one line on stderr, never the verdict's exit code.
 */
async function keepInHistory(masked: RunReport, store: () => Promise<Store>, redactor: Redactor, by?: string, where = ''): Promise<void> {
  try {
    const { recordRun } = await import('../state/index.js');
    await recordRun(await store(), masked, { redactor, by, masked: true });
  } catch (e) {
    write(`nvcops: ${where}run history not saved: ${(e as Error).message.split('\n')[0]}\n`, redactor, process.stderr);
  }
}

/** Whether the run prints or files an HTML page, whose charts read the run history. */
const wantsCharts = (flags: RunFlags): boolean => flags.format === 'html' || (flags.report ?? []).some((r) => r.format === 'html');

/** How far back the HTML report's charts of a run look. */
export const TREND_DAYS = 30;

/** This command's kept runs in this environment over the TREND_DAYS before the run (and up to it: a run being made is not kept yet); unreadable, one line on stderr and charts of this run alone. */
export async function trendOf(report: RunReport, store: () => Promise<Store>, redactor: Redactor, where = ''): Promise<Trend | undefined> {
  try {
    const to = new Date(report.startedAt);
    const from = new Date(to.getTime() - TREND_DAYS * 86_400_000);
    const runs = await (await store()).history.list({ command: report.command, environment: report.environment, since: from, until: new Date(to.getTime() + 1) });
    // Masked again: a secret known now may not have been when a run was kept.
    return { from: from.toISOString(), to: to.toISOString(), runs: redactor.applyDeep(runs.map((e) => ({ at: e.at, report: e.report }))) };
  } catch (e) {
    write(`nvcops: ${where}run history not read, the HTML charts show this run only: ${(e as Error).message.split('\n')[0]}\n`, redactor, process.stderr);
    return undefined;
  }
}

/** What changed since the previous run of this command in this environment, from the run history (read before this run is kept). */
async function compareWithLastRun(report: RunReport, store: () => Promise<Store>, redactor: Redactor, where = ''): Promise<RunReport['changes']> {
  try {
    const { changesBetween } = await import('../engine/changes.js');
    const [last] = await (await store()).history.list({ command: report.command, environment: report.environment, limit: 1 });
    return changesBetween(last?.report, report);
  } catch (e) {
    write(`nvcops: ${where}run history not read, no comparison: ${(e as Error).message.split('\n')[0]}\n`, redactor, process.stderr);
    return undefined;
  }
}

/** --emit cloudwatch: a failed publish is said on stderr and turns a passing run into exit 3 (nothing was seen to pass). */
async function emitToCloudWatch(report: RunReport, config: Config, redactor: Redactor): Promise<number> {
  const { emitVerdicts } = await import('../probes/aws-emit.js');
  try {
    const sent = await emitVerdicts(report, config);
    write(`nvcops: published ${sent} verdicts to CloudWatch (NVCOps/CheckStatus)\n`, redactor, process.stderr);
    return report.exitCode;
  } catch (e) {
    write(`nvcops: --emit cloudwatch: ${(e as Error).message}\n`, redactor, process.stderr);
    return report.exitCode === EXIT.fail ? EXIT.fail : EXIT.error;
  }
}
