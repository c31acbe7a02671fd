/** What the monthly reviews read from the run history: the runs of one command in this environment over a window. */
import type { CheckContext } from '../engine/check.js';
import type { HistoryEntry, Store } from '../state/store.js';

export const DAY_MS = 86_400_000;

/**
 * The monthly review's window: 35 days, the longest gap between two Mondays of the same rank (third
 * or fourth Monday of consecutive months are 28 or 35 days apart), so a review never misses the
 * previous month's work because the month had five Mondays.
 */
export const MONTH_WINDOW_DAYS = 35;

/**
 * The run history of `command` in this environment, since `days` ago or all of it: read once per
 * run (the store is the run's), however many of the review's checks ask.
 */
const reads = new WeakMap<Store, Map<string, Promise<HistoryEntry[]>>>();
async function historyOf(ctx: CheckContext, command: string, days?: number): Promise<HistoryEntry[]> {
  const store = await ctx.probes.state();
  const mine = reads.get(store) ?? new Map<string, Promise<HistoryEntry[]>>();
  reads.set(store, mine);
  const key = `${command}\u0000${days ?? 'all'}`;
  let read = mine.get(key);
  if (!read) {
    const environment = ctx.config.environment ?? null;
    const since = days === undefined ? undefined : new Date(ctx.now().getTime() - days * DAY_MS);
    read = store.history.list({ command, since }).then((runs) => runs.filter((r) => r.environment === environment));
    mine.set(key, read);
  }
  const now = ctx.now().toISOString();
  return (await read).filter((r) => r.at <= now);
}

/** Runs of `command` in the configured environment since `days` ago, oldest first. */
export const runsOf = (ctx: CheckContext, command: string, days: number): Promise<HistoryEntry[]> => historyOf(ctx, command, days);

/** The newest run of `command` in the configured environment, however old. */
export const lastRunOf = async (ctx: CheckContext, command: string): Promise<HistoryEntry | undefined> => (await historyOf(ctx, command)).at(-1);

/** Days from `at` to now, one decimal. */
export const daysSince = (ctx: CheckContext, at: string): number => Math.round(((ctx.now().getTime() - Date.parse(at)) / DAY_MS) * 10) / 10;

/** `the environment "production"`, or `this configuration` when none is named: where a review looked. */
export const where = (ctx: CheckContext): string => (ctx.config.environment ? `environment ${ctx.config.environment}` : 'this configuration (no environment named)');
