import type { Config } from './config/index.js';
import type { ThresholdSpec } from './thresholds.js';
import type { Unit } from './units.js';
import type { CheckOutput, Target } from './verdict.js';

/**
 * What a check reads through: the run's probes. The engine names only what it uses of them; probes/index.ts
 * makes its `Probes` class this type by declaration merging, so the engine imports nothing from probes/.
 */
export interface CheckProbes {
  readonly config: Config;
  /** Starts connecting to the servers these targets name, before any round trip is timed. */
  connectAhead(targets: ReadonlySet<Target>): Promise<void>;
}

export interface CheckContext {
  config: Config;
  probes: CheckProbes;
  signal: AbortSignal;
  now(): Date;
  /**
   * Resolves when every other check of the run has finished, except those that watch a window themselves
   * (at once when there are none): a check that watches a window ends it there. The time spent waiting on
   * it does not count against the check's own time limit; the run's deadline and Ctrl-C still stop it.
   */
  othersDone(): Promise<void>;
}

/** One check, one module: the typed definition the registry and the runner work from. */
export interface CheckDefinition {
  /** `<domain>.<name>`, equal to its path under src/checks (a registry test enforces it). */
  id: string;
  /** The wording shown on the checklist line. */
  title: string;
  requires: readonly Target[];
  /** The unit the check measures in; thresholds must be written in a unit of the same kind. */
  unit: Unit;
  /** Default warn and fail levels, with the source they come from. */
  thresholds?: ThresholdSpec & { source: string };
  /** Per-check time limit; default 10 s (check_postgres' --timeout). */
  timeoutMs?: number;
  /**
   * Its value is a round trip timed on the main thread (a connect, a PING): it runs before the other
   * checks, beside only its own kind, so that no other check's work (a day of log, a checksum) holds
   * up the reply and adds its time to the server's.
   */
  timesRoundTrip?: true;
  /**
   * It watches a counter over a window (a rate): it takes its first reading before the other checks that do not
   * time a round trip start, and its second when they are done (`othersDone`), so the window is the run's own span.
   */
  watchesWindow?: true;
  /** Its value is a counter since the server started (Redis INFO stats), not a reading of now: Nagios perfdata gives it the `c` unit. */
  counter?: true;
  /** What to run next when it is not pass: an nvcops command that exists (a test runs each one's --help). */
  nextStep?: string;
  run(ctx: CheckContext): Promise<CheckOutput>;
}

export const defineCheck = (check: CheckDefinition): CheckDefinition => check;

export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

/** How many checks a run starts at once and its whole deadline, unless --concurrency and --timeout say otherwise. */
export const RUN_DEFAULTS = { concurrency: 8, deadlineMs: 30_000 } as const;
