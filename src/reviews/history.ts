/** What the monthly reviews and the compliance controls read from the run history: kept runs in this environment. */
import type { CheckContext } from '../engine/check.js';
import type { HistoryEntry, Store } from '../state/store.js';

export const DAY_MS = 86_400_000;

/**
 * The monthly review's window: 35 days, the longest gap between two Mondays of the same rank (third
 * or fourth Monday of consecutive months are 28 or 35 days apart), so a review never misses the
 * previous month's work because the month had five Mondays.
 */
export const MONTH_WINDOW_DAYS = 35;

/** Which kept runs a check reads; always this run's environment and up to its clock. */
interface RunsFilter {
  command?: string;
  /** Runs that include this check id. */
  check?: string;
  /** Since this many days before the run's clock, or since a fixed time. */
  days?: number;
  since?: Date;
  /** The newest N. */
  limit?: number;
}

/**
 * Kept check runs in this environment up to the run's clock, oldest first: each filter read once per
 * run (the store is the run's), however many of the review's checks ask. The clock is read at the
 * first asking, so it is not part of what makes two askings the same.
 */
const reads = new WeakMap<Store, Map<string, Promise<HistoryEntry[]>>>();
export async function keptRuns(ctx: CheckContext, filter: RunsFilter): Promise<HistoryEntry[]> {
  const store = await ctx.probes.state();
  const mine = reads.get(store) ?? new Map<string, Promise<HistoryEntry[]>>();
  reads.set(store, mine);
  const key = JSON.stringify([filter.command, filter.check, filter.days, filter.since, filter.limit]);
  let read = mine.get(key);
  if (!read) {
    const now = ctx.now().getTime();
    const since = filter.days === undefined ? filter.since : new Date(now - filter.days * DAY_MS);
    read = store.history.list({ command: filter.command, check: filter.check, since, limit: filter.limit, environment: ctx.config.environment ?? null, until: new Date(now + 1) });
    mine.set(key, read);
  }
  return read;
}

/** Runs of `command` in the configured environment since `days` ago, oldest first. */
export const runsOf = (ctx: CheckContext, command: string, days: number): Promise<HistoryEntry[]> => keptRuns(ctx, { command, days });

/** The newest run of `command` in the configured environment, however old. */
export const lastRunOf = async (ctx: CheckContext, command: string): Promise<HistoryEntry | undefined> => (await keptRuns(ctx, { command, limit: 1 })).at(-1);

/** Days from `at` to now, one decimal. */
export const daysSince = (ctx: CheckContext, at: string): number => Math.round(((ctx.now().getTime() - Date.parse(at)) / DAY_MS) * 10) / 10;

/** `the environment "production"`, or `this configuration` when none is named: where a review looked. */
export const where = (ctx: CheckContext): string => (ctx.config.environment ? `environment ${ctx.config.environment}` : 'this configuration (no environment named)');

/**
 * The facts `check` kept in the newest run of this environment that has them (any command that ran it),
 * with when that run started; undefined on the first run. A run where the check erred kept none: the one before answers.
 */
export async function previousFacts(ctx: CheckContext, check: string): Promise<{ at: string; facts: Record<string, unknown> } | undefined> {
  const runs = await keptRuns(ctx, { check, limit: 20 });
  for (const run of [...runs].reverse()) {
    const facts = run.report.items.flatMap((i) => i.results).find((r) => r.id === check)?.facts;
    if (facts && typeof facts === 'object') return { at: run.at, facts };
  }
  return undefined;
}
