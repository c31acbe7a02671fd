/** What the monthly reviews read from the run history: the runs of one command in this environment over a window. */
import type { CheckContext } from '../engine/check.js';
import type { HistoryEntry } from '../state/store.js';

export const DAY_MS = 86_400_000;

/**
 * The monthly review's window: 35 days, the longest gap between two Mondays of the same rank (third
 * or fourth Monday of consecutive months are 28 or 35 days apart), so a review never misses the
 * previous month's work because the month had five Mondays.
 */
export const MONTH_WINDOW_DAYS = 35;

/** Runs of `command` in the configured environment since `days` ago, oldest first. */
export async function runsOf(ctx: CheckContext, command: string, days: number): Promise<HistoryEntry[]> {
  const store = await ctx.probes.state();
  const environment = ctx.config.environment ?? null;
  const since = new Date(ctx.now().getTime() - days * DAY_MS);
  return (await store.history.list({ command, since })).filter((r) => r.environment === environment && r.at <= ctx.now().toISOString());
}

/** The newest run of `command` in the configured environment, however old. */
export async function lastRunOf(ctx: CheckContext, command: string): Promise<HistoryEntry | undefined> {
  const store = await ctx.probes.state();
  const environment = ctx.config.environment ?? null;
  return (await store.history.list({ command })).filter((r) => r.environment === environment && r.at <= ctx.now().toISOString()).at(-1);
}

/** Days from `at` to now, one decimal. */
export const daysSince = (ctx: CheckContext, at: string): number => Math.round(((ctx.now().getTime() - Date.parse(at)) / DAY_MS) * 10) / 10;

/** `the environment "production"`, or `this configuration` when none is named: where a review looked. */
export const where = (ctx: CheckContext): string => (ctx.config.environment ? `environment ${ctx.config.environment}` : 'this configuration (no environment named)');
