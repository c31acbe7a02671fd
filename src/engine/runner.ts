import type { CheckDefinition, CheckProbes } from './check.js';
import type { CheckOutput, Status } from './verdict.js';
import { DEFAULT_CHECK_TIMEOUT_MS } from './check.js';
import { interruptedBy, interruptedExitCode } from './interrupt.js';
import {
  SCHEMA_VERSION, exitCodeFor, summarize, worst,
  type CheckResult, type FailOn, type ItemResult, type RunReport,
} from './report.js';
import { missingTarget } from './targets.js';
import { judge, resolveThresholds, type Threshold } from './thresholds.js';
import { formatValue } from './units.js';
import type { Procedure } from './procedure.js';

export interface RunOptions {
  /** The run's probes (and through them its config), made and closed by the caller. */
  probes: CheckProbes;
  /** Resolved thresholds by check id (defaults merged with config), validated before the run. */
  thresholds: Map<string, Threshold>;
  /** How many checks run at once. */
  concurrency: number;
  /** The whole run's time limit; checks still running then are `error`. */
  deadlineMs: number;
  failOn: FailOn;
  /** Aborted on Ctrl-C or SIGTERM: what finished is reported, the rest is `error`. */
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, running: readonly string[]) => void;
  now?: () => Date;
}

/** Thrown by the runner's timers; never escapes a check. */
class Stop extends Error {}

/** Rejects when `spent()`, the part of its time limit the work has used, reaches `ms`, or when a signal stops it. */
function withTimeout<T>(work: Promise<T>, ms: number, spent: () => number, signals: readonly AbortSignal[], why: (s?: AbortSignal) => string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout>;
    const expire = () => {
      const left = ms - spent();
      if (left > 0) timer = setTimeout(expire, left);
      else reject(new Stop(why()));
    };
    timer = setTimeout(expire, ms);
    const onAbort = (s: AbortSignal) => () => reject(new Stop(why(s)));
    const listeners = signals.map((s) => [s, onAbort(s)] as const);
    for (const [s, l] of listeners) {
      if (s.aborted) l();
      s.addEventListener('abort', l, { once: true });
    }
    work.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      for (const [s, l] of listeners) s.removeEventListener('abort', l);
    });
  });
}

const NEEDS_A_STEP = new Set<Status>(['warn', 'fail', 'error']);

/** Turns a check's output into a verdict against its threshold. */
export function verdict(check: CheckDefinition, output: CheckOutput, threshold: Threshold | undefined): Omit<CheckResult, 'durationMs'> {
  const unit = output.unit ?? check.unit;
  const hasValue = typeof output.value === 'number' && Number.isFinite(output.value);
  const observed = hasValue ? { value: output.value as number, unit, ...(check.counter && { counter: true as const }) } : null;
  let status: Status;
  let message = output.message;
  if (output.status) status = output.status;
  else if (!observed) {
    status = 'error';
    message = `no data: ${message}`;
  } else status = threshold && (threshold.warn || threshold.fail) ? judge(threshold, observed.value, unit) : 'pass';
  const levels = threshold && (threshold.warn || threshold.fail)
    ? { ...(threshold.warn && { warn: threshold.warn.text }), ...(threshold.fail && { fail: threshold.fail.text }) }
    : null;
  return {
    id: check.id,
    title: check.title,
    status,
    observed,
    threshold: levels,
    message,
    ...(output.details?.length ? { details: output.details } : {}),
    ...(check.nextStep && NEEDS_A_STEP.has(status) ? { nextStep: check.nextStep } : {}),
    ...(output.facts && { facts: output.facts }),
  };
}

/** What stops a check before its own timeout (the run's deadline, Ctrl-C), with the reason each gives. */
export interface CheckStops {
  signals: readonly AbortSignal[];
  reason(s: AbortSignal): string;
}

/**
 * Runs one check on probes the caller made: `skip` when its system is not configured, `error` when it throws,
 * times out or is stopped, else its output judged against its threshold (the run's, else its own levels with
 * the config's override for it). A check needs nothing else, so a test runs it against a real server this way.
 */
export async function runCheck(
  check: CheckDefinition,
  probes: CheckProbes,
  clock: () => Date,
  opts: { thresholds?: ReadonlyMap<string, Threshold>; stops?: CheckStops; onStart?: () => void; othersDone?: Promise<void> } = {},
): Promise<CheckResult> {
  const t0 = performance.now();
  const missing = check.requires.map((t) => missingTarget(t, probes.config)).find(Boolean);
  if (missing) return { ...verdict(check, { status: 'skip', message: missing }, undefined), durationMs: 0 };
  const stops = opts.stops ?? { signals: [], reason: () => '' };
  const aborted = stops.signals.find((s) => s.aborted);
  if (aborted) return { ...verdict(check, { status: 'error', message: `not started: ${stops.reason(aborted)}` }, undefined), durationMs: 0 };
  opts.onStart?.();
  const own = new AbortController();
  const timeoutMs = check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  // Its wait on the other checks is left out of its time limit: the run's deadline bounds that.
  const began = performance.now();
  let waitedFrom: number | undefined;
  let waited = 0;
  let waiting: Promise<void> | undefined;
  const othersDone = () => (waiting ??= (async () => {
    waitedFrom = performance.now();
    await opts.othersDone;
    waited = performance.now() - waitedFrom;
    waitedFrom = undefined;
  })());
  const spent = () => performance.now() - began - waited - (waitedFrom === undefined ? 0 : performance.now() - waitedFrom);
  let output: CheckOutput;
  try {
    output = await withTimeout(
      check.run({ config: probes.config, probes, signal: own.signal, now: clock, othersDone }),
      timeoutMs,
      spent,
      stops.signals,
      (s) => (s ? stops.reason(s) : `timed out after ${formatValue(timeoutMs, 'ms')}`),
    );
  } catch (e) {
    own.abort();
    output = { status: 'error', message: e instanceof Error ? e.message : String(e) };
  }
  const override = probes.config.thresholds?.[check.id];
  const thresholds = opts.thresholds ?? resolveThresholds([check], override ? { [check.id]: override } : {});
  return { ...verdict(check, output, thresholds.get(check.id)), durationMs: Math.round(performance.now() - t0) };
}

/** How long the round-trip checks have to themselves before the other checks start anyway. */
const FIRST_WAVE_MS = 1000;

/** Runs one procedure's checks on the caller's probes concurrently (bounded), each under its timeout, all under a deadline. */
export async function runProcedure(
  procedure: Procedure,
  registry: ReadonlyMap<string, CheckDefinition>,
  opts: RunOptions,
): Promise<RunReport> {
  const now = opts.now ?? (() => new Date());
  const startedAt = now();
  const started = performance.now();
  const { probes } = opts;
  const deadline = new AbortController();
  const deadlineTimer = setTimeout(() => deadline.abort(), opts.deadlineMs);
  const signals = [deadline.signal, ...(opts.signal ? [opts.signal] : [])];

  const jobs = procedure.items.flatMap((item, itemIndex) =>
    item.checks.map((id) => {
      const check = registry.get(id);
      if (!check) throw new Error(`procedure ${procedure.id} names unknown check ${id}`);
      return { itemIndex, check };
    }),
  );
  // Dial the servers the checks will use side by side from the start: otherwise the Redis checks wait
  // behind the PostgreSQL ones (one connection, one statement at a time) before Redis is even dialled.
  await probes.connectAhead(new Set(jobs.flatMap(({ check }) => (check.requires.some((t) => missingTarget(t, probes.config)) ? [] : check.requires))));
  const results: (CheckResult | undefined)[] = new Array(jobs.length);
  const running = new Set<string>();
  let done = 0;
  // What a check that watches a window waits on for its second reading: every check that does not watch one.
  let othersLeft = jobs.filter(({ check }) => !check.watchesWindow).length;
  let othersFinished!: () => void;
  const othersDone = new Promise<void>((resolve) => { othersFinished = resolve; });
  if (!othersLeft) othersFinished();

  const stops: CheckStops = {
    signals,
    reason: (s) => s === opts.signal ? `interrupted (${interruptedBy(s)}) before it finished` : s === deadline.signal
      ? `not finished within the run deadline of ${formatValue(opts.deadlineMs, 'ms')}` : '',
  };

  async function runOne(index: number): Promise<void> {
    const { check } = jobs[index]!;
    let started = false;
    results[index] = await runCheck(check, probes, now, {
      thresholds: opts.thresholds,
      stops,
      othersDone,
      onStart: () => {
        started = true;
        running.add(check.id);
        opts.onProgress?.(done, jobs.length, [...running]);
      },
    });
    if (!check.watchesWindow && --othersLeft === 0) othersFinished();
    if (!started) return;
    running.delete(check.id);
    done++;
    opts.onProgress?.(done, jobs.length, [...running]);
  }

  // The checks that time a round trip go first, by themselves; the others start when those are done, or
  // after FIRST_WAVE_MS when a server is slow to answer (its time is then long beside the others' work).
  // Of those, the ones that watch a counter over a window go first, and hold no place among the `concurrency`
  // while they wait for the others (two readings are all their work; at --concurrency 1 the others could never start).
  const rank = (i: number) => (jobs[i]!.check.timesRoundTrip ? 0 : jobs[i]!.check.watchesWindow ? 1 : 2);
  const queue = [...jobs.keys()].sort((a, b) => rank(a) - rank(b));
  let roundTrips = queue.filter((i) => jobs[i]!.check.timesRoundTrip).length;
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => { openGate = resolve; });
  const gateTimer = setTimeout(openGate, FIRST_WAVE_MS);
  if (!roundTrips) openGate();
  for (const s of signals) s.addEventListener('abort', openGate, { once: true });
  let next = 0;
  const watching: Promise<void>[] = [];
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, jobs.length)) }, async () => {
    while (next < queue.length) {
      const index = queue[next++]!;
      const { timesRoundTrip: roundTrip, watchesWindow } = jobs[index]!.check;
      if (!roundTrip) await gate;
      if (watchesWindow) watching.push(runOne(index));
      else await runOne(index);
      if (roundTrip && --roundTrips === 0) openGate();
    }
  }));
  await Promise.all(watching);
  clearTimeout(gateTimer);
  // The caller's signal outlives this run (--wait runs again on it): its listener must not pile up.
  for (const s of signals) s.removeEventListener('abort', openGate);
  clearTimeout(deadlineTimer);

  const items: ItemResult[] = procedure.items.map((item, i) => {
    const rs = jobs.flatMap((j, k) => (j.itemIndex === i ? [results[k]!] : []));
    return { title: item.title, status: worst(rs.map((r) => r.status)), results: rs };
  });
  const summary = summarize(items);
  const interrupted = signals.some((s) => s.aborted);
  const report: RunReport = {
    schemaVersion: SCHEMA_VERSION,
    command: procedure.id,
    runbook: procedure.runbook,
    environment: probes.config.environment ?? null,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    status: worst(items.map((i) => i.status)),
    exitCode: opts.signal?.aborted ? interruptedExitCode(opts.signal) : exitCodeFor(summary, opts.failOn, procedure.attestedReview),
    interrupted,
    summary,
    items,
  };
  return report;
}
