/**
 * A fleet in one run: `--env a,b,c` or `--env all` runs a check command in each environment, a few at
 * once (`--env-concurrency`), each under its own deadline (--timeout) and run lock, each kept in the
 * history under its environment; then one report (src/report/fleet.ts) and the exit code of the worst.
 */
import type { Config } from '../engine/config/index.js';
import { EXIT, RunInProgress, StateError, UnavailableError } from '../engine/errors.js';
import { interruptedExitCode, interruptOnSignals } from '../engine/interrupt.js';
import type { Redactor } from '../engine/redact.js';
import type { RunReport } from '../engine/report.js';
import { fleetReport, renderFleet, unmadeReport, type EnvironmentReport } from '../report/fleet.js';
import { screenWidth, write, writeReportFile } from '../report/output.js';
import type { Format, Trend } from '../report/formats.js';

/** The run flags a fleet's report reads (app/run.ts RunFlags). */
interface FleetFlags {
  format: Format;
  report?: { format: Format; path: string }[];
  color: boolean;
  onlyProblems?: boolean;
  envConcurrency?: number;
}

/** Environments run at once unless --env-concurrency says otherwise. */
export const FLEET_CONCURRENCY = 4;

/** The exit code of an environment's run that could not be made; anything else is a bug, and ends the whole run. */
function unmadeExit(e: unknown): number | undefined {
  if (e instanceof RunInProgress) return EXIT.tempfail;
  if (e instanceof StateError) return EXIT.state;
  if (e instanceof UnavailableError) return EXIT.unavailable;
  return undefined;
}

/**
 * Runs `run(i)` for each environment of `configs`, at most --env-concurrency at once, and prints one
 * report; returns the worst exit code. A run that cannot be made (its lock held) is that environment's
 * error; once Ctrl-C or SIGTERM stops the fleet, environments not yet started are not started.
 */
export async function runFleet(
  configs: Config[],
  command: { command: string; runbook: string },
  { flags, redactor }: { flags: FleetFlags; redactor: Redactor },
  /** An environment's run: its report, and that report with its secrets masked (redactor.applyDeep), which the fleet's report gathers. */
  run: (i: number, signal: AbortSignal) => Promise<{ masked: RunReport; exitCode: number; trend?: Trend }>,
): Promise<number> {
  const started = new Date();
  // Listening until every environment's run is in the history: a SIGTERM while one is written must not lose it.
  const interrupt = interruptOnSignals();
  const reports: EnvironmentReport[] = new Array(configs.length);
  // The HTML page's charts, each environment's from its own run history (none for one that did not run).
  const trends: (Trend | undefined)[] = new Array(configs.length);
  let next = 0;
  const running = new Set<AbortController>();
  interrupt.signal.addEventListener('abort', () => { for (const own of running) own.abort(interrupt.signal.reason); }, { once: true });
  const worker = async () => {
    for (let i = next++; i < configs.length; i = next++) {
      const environment = configs[i]!.environment!;
      if (interrupt.signal.aborted) {
        reports[i] = unmadeReport(command, environment, 'the run was stopped before this environment started', interruptedExitCode(interrupt.signal), new Date());
        continue;
      }
      const at = new Date();
      // Each environment's run listens on a signal of its own: its checks add their listeners there, not all on one.
      const own = new AbortController();
      running.add(own);
      try {
        const { masked, exitCode, trend } = await run(i, own.signal);
        trends[i] = trend;
        reports[i] = { ...masked, environment: redactor.apply(environment), exitCode };
      } catch (e) {
        const code = unmadeExit(e);
        if (code === undefined) throw e;
        reports[i] = redactor.applyDeep(unmadeReport(command, environment, (e as Error).message, code, at));
      } finally {
        running.delete(own);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(flags.envConcurrency ?? FLEET_CONCURRENCY, configs.length) }, worker));
  } finally {
    interrupt.release();
  }
  // Each environment's report arrives masked (each is masked once, as it is kept in the history): the fleet's own fields are masked here.
  const made = fleetReport(reports, started, Date.now() - started.getTime());
  const fleet = { ...redactor.applyDeep({ ...made, reports: [] }), reports: made.reports };
  const color = flags.color && !process.env.NO_COLOR && process.stdout.isTTY === true;
  write(await renderFleet(flags.format, fleet, { color, width: screenWidth(), onlyProblems: flags.onlyProblems, trends }), redactor);
  for (const r of flags.report ?? []) writeReportFile(r.path, redactor.apply(await renderFleet(r.format, fleet, { color: false, trends })));
  return fleet.exitCode;
}
