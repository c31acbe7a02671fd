/**
 * pg_stat_database's transaction and deadlock counters over the time since the last run: each check
 * keeps the totals it read as its result's facts (per server address), and the next run compares with
 * the facts of the newest earlier run; the totals are also shown as a detail line for the reader.
 */
import type { CheckContext } from '../engine/check.js';

interface Totals { commits: number; rollbacks: number; deadlocks: number; at: number; since: number }

// The whole server (every database's row); `since`: the statistics reset, else the server's start.
const TOTALS = `SELECT coalesce(sum(xact_commit), 0)::float8 AS commits, coalesce(sum(xact_rollback), 0)::float8 AS rollbacks,
  coalesce(sum(deadlocks), 0)::float8 AS deadlocks, extract(epoch FROM now())::float8 AS at,
  extract(epoch FROM coalesce(max(stats_reset), pg_postmaster_start_time()))::float8 AS since
  FROM pg_stat_database`;

const iso = (epoch: number) => new Date(Math.round(epoch * 1000)).toISOString();
const line = (address: string, t: Totals) =>
  `pg_stat_database totals of ${address} at ${iso(t.at)}: ${t.commits} commits, ${t.rollbacks} rollbacks, ${t.deadlocks} deadlocks (counting since ${iso(t.since)})`;

/** A run's kept totals for `address`, when they are all finite numbers (a report is data, never trusted beyond that). */
function kept(facts: Record<string, unknown> | undefined, address: string): Totals | undefined {
  const t = (facts?.servers as Record<string, Partial<Totals> | undefined> | undefined)?.[address];
  const numbers = t && [t.commits, t.rollbacks, t.deadlocks, t.at, t.since];
  return numbers && numbers.every((n) => typeof n === 'number' && Number.isFinite(n)) ? t as Totals : undefined;
}

export interface CounterWindow {
  commits: number;
  rollbacks: number;
  deadlocks: number;
  minutes: number;
  /** "since the last run at …" or "since the statistics began at …". */
  since: string;
  /** The detail lines to return: this run's totals first, then what the window rests on. */
  details: string[];
  /** The facts to return: every server's totals this check kept, with this run's for this server (the next run reads them). */
  facts: Record<string, unknown>;
}

/** The counters' growth since the newest earlier run of `checkId` on this server, else since they began counting. */
export async function sinceLastRun(ctx: CheckContext, checkId: string): Promise<CounterWindow> {
  const probe = ctx.probes.postgres.primary;
  const read = (await probe.query<Totals>(TOTALS))[0]!;
  // To the millisecond the detail line shows, so that what a reader sees is what the next run compares.
  const now = { ...read, at: Math.round(read.at * 1000) / 1000, since: Math.round(read.since * 1000) / 1000 };
  const details = [line(probe.address, now)];
  let earlier: Totals | undefined;
  let servers: Record<string, unknown> = {};
  try {
    const previous = await ctx.probes.history.previousFacts(checkId, ctx.now());
    servers = (previous?.facts.servers ?? {}) as Record<string, unknown>;
    earlier = kept(previous?.facts, probe.address);
  } catch (e) {
    details.push(`run history not read (${(e as Error).message.split('\n')[0]}): counted since the statistics began`);
  }
  // Statistics reset, a crash (counters discarded) or a restart since: that run's totals no longer compare.
  const comparable = earlier && earlier.since === now.since && earlier.at < now.at
    && earlier.commits <= now.commits && earlier.rollbacks <= now.rollbacks && earlier.deadlocks <= now.deadlocks;
  if (earlier && !comparable) details.push(`the totals of the last run (${iso(earlier.at)}) do not compare (statistics reset or server restarted since): counted since ${iso(now.since)}`);
  const base = comparable ? earlier! : { commits: 0, rollbacks: 0, deadlocks: 0, at: now.since, since: now.since };
  return {
    commits: now.commits - base.commits,
    rollbacks: now.rollbacks - base.rollbacks,
    deadlocks: now.deadlocks - base.deadlocks,
    minutes: Math.max(0, now.at - base.at) / 60,
    since: comparable ? `since the last run at ${iso(base.at)}` : `since the statistics began at ${iso(base.at)}`,
    details,
    facts: { servers: { ...servers, [probe.address]: now } },
  };
}
