import { defineCheck } from '../../engine/check.js';
import type { PostgresProbe } from '../../probes/postgres.js';
import { ago, restartsVerdict } from '../verdicts.js';

/** What one server was at a run: kept as the check's facts, compared at the next run. */
interface Server {
  /** pg_control_system().system_identifier: set by initdb, shared by a primary and its physical replicas. */
  system: string;
  /** pg_postmaster_start_time(). */
  started: string;
  recovery: boolean;
  /** The primary's WAL timeline (a promotion starts a new one); null on a replica. */
  timeline: number | null;
}

// The timeline is the first 8 hex digits of the current WAL file's name (pg_walfile_name refuses to run during recovery).
const READ = `SELECT (SELECT system_identifier::text FROM pg_control_system()) AS system,
  pg_postmaster_start_time() AS started, pg_is_in_recovery() AS recovery,
  CASE WHEN NOT pg_is_in_recovery() THEN ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS timeline`;

const read = async (p: PostgresProbe): Promise<Server> => {
  const [row] = await p.query<{ system: string; started: Date; recovery: boolean; timeline: number | null }>(READ);
  return { system: row!.system, started: row!.started.toISOString(), recovery: row!.recovery, timeline: row!.timeline };
};

/**
 * A restart, a failover or a new cluster since the last run, for the primary and each replica: judged
 * against the facts the previous run kept (check_postgres cluster_id, pgMonitor PGRecoveryStatusSwitch),
 * and, without history, no primary or two (pgMonitor PGNoPrimary).
 */
export default defineCheck({
  id: 'postgres.restarts-failovers',
  title: 'Restarts, failovers and new clusters since the last run',
  nextStep: 'nvcops incident db',
  requires: ['postgres'],
  unit: 'count',
  // A restart is a warning to explain (awesome-prometheus-alerts "Postgresql restarted" only sees the first minute);
  // a promotion, a demotion, a new timeline or a new system identifier fail outright (check_postgres cluster_id, pgMonitor PGRecoveryStatusSwitch: critical).
  thresholds: { warn: '> 0', source: 'check_postgres cluster_id; pgMonitor PGRecoveryStatusSwitch, PGNoPrimary; awesome-prometheus-alerts Postgresql restarted' },
  async run(ctx) {
    const { primary, replicas } = ctx.probes.postgres;
    const servers = [primary, ...replicas];
    const outcomes = await Promise.all(servers.map((p) => read(p).then((now) => ({ p, now, error: undefined }), (error: Error) => ({ p, now: undefined, error }))));
    const previous = await ctx.probes.history.previousFacts('postgres.restarts-failovers', ctx.now());
    const before = (previous?.facts.servers ?? {}) as Record<string, Server | undefined>;
    const failovers: string[] = [];
    const restarts: string[] = [];
    const details: string[] = [];
    for (const { p, now, error } of outcomes) {
      if (!now) {
        details.push(`${p.name}: ${error!.message}`);
        continue;
      }
      const was = before[p.name];
      const role = now.recovery ? 'replica' : `primary, timeline ${now.timeline}`;
      details.push(`${p.name}: ${role}, up ${ago(ctx, now.started)} (since ${now.started}), system identifier ${now.system}`);
      if (!was) continue;
      if (was.system !== now.system) failovers.push(`${p.name} is a new cluster: system identifier ${now.system}, was ${was.system} (re-initialised or restored?)`);
      else if (was.recovery && !now.recovery) failovers.push(`${p.name} was promoted: a replica at the last run, now a primary`);
      else if (!was.recovery && now.recovery) failovers.push(`${p.name} is now a replica: a primary at the last run`);
      else if (was.timeline !== null && now.timeline !== null && now.timeline !== was.timeline) {
        failovers.push(`${p.name}: failover: on timeline ${now.timeline}, was ${was.timeline} (another server took over behind the same address)`);
      } else if (was.started !== now.started) restarts.push(`${p.name} restarted ${ago(ctx, now.started)} ago`);
    }
    const seen = outcomes.filter((o) => o.now);
    const primaries = seen.filter((o) => !o.now!.recovery).map((o) => o.p.name);
    // Only when every server answered can "no primary" be said of the whole set.
    if (seen.length === servers.length && !primaries.length) failovers.push(`no primary: ${servers.map((p) => p.name).join(', ')} ${servers.length > 1 ? 'are all' : 'is'} in recovery`);
    if (primaries.length > 1) failovers.push(`${primaries.join(' and ')} are all primaries (split brain?)`);
    // The servers not read now keep their last facts, so that the next run still compares them.
    const facts = { servers: { ...before, ...Object.fromEntries(seen.map((o) => [o.p.name, o.now!])) } };
    return restartsVerdict({ failovers, restarts, unread: outcomes.find((o) => o.error)?.error, previousAt: previous?.at, nothing: 'no restart, failover or new cluster', details, facts });
  },
});
