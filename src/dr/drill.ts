/**
 * `monthly dr-test` — Second Monday: Disaster Recovery Test (test_backup_restore.sh,
 * test_failover.sh). The restore drill runs the same restore code as `backup restore-db` into a
 * scratch database; the failover drill promotes a configured replica. Both measure RTO and RPO
 * and compare them with dr.rto and dr.rpo.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import type { PlanContext } from '../app/act.js';
import { repositoryOf } from '../backups/actions.js';
import type { Manifest } from '../backups/manifest.js';
import { adminTarget, connectAdmin, pgTarget, type PgTarget } from '../backups/pgtools.js';
import { checkRestored, describeMismatches, dropDatabase, restoreInto, verifyBackup, type RestoreDbPlan } from '../backups/restore.js';
import { StepFailure, type ActionPlan, type ActionStep, type StepContext } from '../engine/action.js';
import type { Config } from '../engine/config/index.js';
import { ConfigError } from '../engine/errors.js';
import { missingTarget } from '../engine/targets.js';
import { freeLoopbackPort, pgbackrestRestore, prepareRestore, removeRestored, startRestored, stopRestored } from '../backups/pitr.js';
import { PgbackrestProbe, type PgbackrestSettings } from '../probes/pgbackrest.js';
import { counted, formatValue, parseDuration, parseSize } from '../engine/units.js';

// Objectives when dr.rto / dr.rpo are not set: RTO 15 min, RPO 5 min (reference/operations.md §29 policy example).
export const DEFAULT_RTO = '15m';
export const DEFAULT_RPO = '5m';
// Patroni maximum_lag_on_failover: 1 MB of WAL behind is the most a promotion candidate may lag.
const DEFAULT_MAX_REPLICA_LAG = '1MB';
/** The restore drill's database: a fixed name, so a drill cut short is cleaned up by the next. */
const SCRATCH_DATABASE = 'nvcops_dr_restore_drill';
/** Where the failover drill writes its canary rows (kept as evidence of each drill). */
const CANARY_TABLE = 'nvcops_dr_canary';
/** How long the promoted replica has to start accepting writes before the drill gives up. */
const PROMOTE_TIMEOUT_S = 60;

type Drill = 'restore' | 'failover';

interface Measured {
  rtoMs: number;
  rpoMs: number;
}

/** A measured time: milliseconds while short, then seconds, minutes, hours. */
const ms = (v: number) => (v < 10_000 ? formatValue(Math.round(v), 'ms') : formatValue(Math.round(v / 1000), 's'));
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

/** RTO, RPO and the replica lag limit from config, validated before anything runs. */
function objectives(config: Config): { rtoMs: number; rpoMs: number; rto: string; rpo: string; maxLagBytes: number; maxLag: string } {
  const rto = config.dr?.rto ?? DEFAULT_RTO;
  const rpo = config.dr?.rpo ?? DEFAULT_RPO;
  const maxLag = config.dr?.maxReplicaLag ?? DEFAULT_MAX_REPLICA_LAG;
  return { rto, rpo, maxLag, rtoMs: parseDuration(rto)!, rpoMs: parseDuration(rpo)!, maxLagBytes: parseSize(maxLag)! };
}

/** dr.replica, resolved against postgres.replicas, with the URL the drill may promote through. */
function drillReplica(config: Config): { name: string; target: PgTarget } {
  const wanted = config.dr!.replica!;
  const replicas = config.postgres?.replicas ?? [];
  const i = replicas.findIndex((x) => x.name === wanted);
  const r = replicas[i];
  if (!r) throw new ConfigError(`dr.replica: no replica named "${wanted}" in postgres.replicas${replicas.length ? `; configured: ${replicas.map((x) => x.name).join(', ')}` : ' (none configured)'}`);
  return { name: r.name, target: pgTarget(r.adminUrl ?? r.url, `postgres.replicas[${i}].${r.adminUrl ? 'adminUrl' : 'url'}`) };
}

/** Each verification query must run; a boolean first column must be true (`SELECT count(*) > 0 FROM accounts`). */
async function runVerificationQueries(db: Client, queries: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const sql of queries) {
    let first: unknown;
    try {
      const r = await db.query(sql);
      first = r.rows[0] ? Object.values(r.rows[0])[0] : undefined;
    } catch (e) {
      throw new Error(`verification query failed: ${sql}: ${(e as Error).message}`);
    }
    if (first === false) throw new Error(`verification query returned false: ${sql}`);
    out.push(`${sql} → ${first === undefined ? 'no rows' : String(first)}`);
  }
  return out;
}

function restoreDrill(config: Config, backup: Manifest | undefined, server: PgTarget, jobs: number): { step: ActionStep; result: () => Measured | undefined } {
  let measured: Measured | undefined;
  const queries = config.dr?.verificationQueries ?? [];
  const step: ActionStep = {
    title: backup
      ? `Restore drill: restore ${backup.id} into scratch database "${SCRATCH_DATABASE}" on ${server.server} and verify it`
      : 'Restore drill: restore the newest database backup into a scratch database and verify it',
    details: [
      'checksum against the manifest, pg_restore (no owners or grants), row counts against the manifest' + (queries.length ? `, ${queries.length} verification quer${queries.length === 1 ? 'y' : 'ies'}` : ''),
      'RTO: from the start of the restore until the scratch database answers a query; RPO: the age of the backup (the newest recoverable point) when the drill began',
    ],
    async run(ctx: StepContext) {
      if (!backup) throw new Error(`no database backup in ${repositoryOf(config).directory}: nothing to restore (take one with nvcops backup db)`);
      const repo = repositoryOf(config);
      const startedAt = Date.now();
      const t0 = performance.now();
      ctx.progress('verifying the checksum');
      await verifyBackup(repo, backup);
      const plan: RestoreDbPlan = { backup, server: server.server, target: SCRATCH_DATABASE, staging: SCRATCH_DATABASE, jobs, owners: false };
      ctx.progress(`pg_restore into ${SCRATCH_DATABASE}`);
      await restoreInto(repo, server, plan, ctx.signal);
      ctx.progress('verifying row counts and running the verification queries');
      let answers: string[] = [];
      const check = await checkRestored(server, plan, async (db) => {
        answers = await runVerificationQueries(db, queries);
      });
      measured = { rtoMs: check.queryableAt - t0, rpoMs: Math.max(0, startedAt - Date.parse(backup.created)) };
      const data = { backup: backup.id, rtoMs: Math.round(measured.rtoMs), rpoMs: Math.round(measured.rpoMs), rows: check.rows, verificationQueries: answers };
      if (check.mismatches.length) throw new StepFailure(`restored, but row counts differ from the manifest: ${describeMismatches(check.mismatches)}`, data);
      return {
        message: `queryable after ${ms(measured.rtoMs)} (RTO); backup ${ms(measured.rpoMs)} old (RPO); ${counted(check.rows.length, 'table')} match${check.rows.length === 1 ? 'es' : ''} the manifest${answers.length ? `; ${answers.length} verification quer${answers.length === 1 ? 'y' : 'ies'} passed` : ''}`,
        data,
      };
    },
  };
  return { step, result: () => measured };
}

/**
 * The restore drill with pgBackRest: the newest recoverable point (every archived WAL segment replayed)
 * restored into a scratch directory on a free loopback port, verified, stopped and removed.
 * RTO: from the start of `pgbackrest restore` to the first answered query; RPO: the drill's start
 * minus the last transaction replayed (seconds when archiving is healthy).
 */
function pgbackrestDrill(config: Config, settings: PgbackrestSettings): { steps: ActionStep[]; result: () => Measured | undefined } {
  let measured: Measured | undefined;
  const queries = config.dr?.verificationQueries ?? [];
  const dir = join(tmpdir(), `nvcops-dr-restore-${randomUUID().slice(0, 8)}`);
  let port: number | undefined;
  const restore: ActionStep = {
    title: `Restore drill: pgbackrest restore of stanza "${settings.stanza}" to the newest archived WAL into scratch directory ${dir}, started on a free loopback port, and verify it`,
    details: [
      `${queries.length ? `${queries.length} verification quer${queries.length === 1 ? 'y' : 'ies'} on the restored server` : 'a query on the restored server (set dr.verificationQueries for more)'}`,
      'RTO: from the start of the restore until the restored server answers a query; RPO: the drill\'s start minus the last transaction replayed (pg_last_xact_replay_timestamp)',
    ],
    async run(ctx: StepContext) {
      const startedAt = Date.now();
      const { admin } = await prepareRestore(config, settings, {});
      port = await freeLoopbackPort();
      const t0 = performance.now();
      ctx.progress('pgbackrest restore');
      await pgbackrestRestore(settings, dir, { latest: true }, port, ctx.signal);
      ctx.progress('recovering');
      const r = await startRestored(settings, admin, dir, port, t0, ctx.signal);
      const db = await connectAdmin(r.target);
      let answers: string[];
      try {
        answers = await runVerificationQueries(db, queries);
      } finally {
        await db.end().catch(() => undefined);
      }
      const rpoMs = r.recoveredTo ? Math.max(0, startedAt - r.recoveredTo.getTime()) : Number.POSITIVE_INFINITY;
      measured = { rtoMs: r.answeredMs, rpoMs };
      const data = { stanza: settings.stanza, dir, port, recoveredTo: r.recoveredTo?.toISOString() ?? null, rtoMs: Math.round(r.answeredMs), rpoMs: Number.isFinite(rpoMs) ? Math.round(rpoMs) : null, verificationQueries: answers };
      if (!r.recoveredTo) throw new StepFailure('restored, but no transaction was replayed: the recovered point is unknown', data);
      return {
        message: `answered after ${ms(r.answeredMs)} (RTO); recovered to ${r.recoveredTo.toISOString()}, ${ms(rpoMs)} before the drill began (RPO)${answers.length ? `; ${answers.length} verification quer${answers.length === 1 ? 'y' : 'ies'} passed` : ''}`,
        data,
      };
    },
  };
  const teardown: ActionStep = {
    title: `Stop the restored server and remove ${dir}`,
    async run() {
      if (existsSync(join(dir, 'postmaster.pid'))) await stopRestored(settings, dir);
      await removeRestored(settings, dir);
      return `${dir} stopped and removed`;
    },
  };
  return { steps: [restore, teardown], result: () => measured };
}

/** Is the canary row readable here (a hot standby answers reads; the table may not have arrived yet either)? */
async function canaryVisible(db: Client, drill: string): Promise<boolean> {
  try {
    return ((await db.query(`SELECT 1 FROM ${CANARY_TABLE} WHERE drill = $1`, [drill])).rowCount ?? 0) > 0;
  } catch (e) {
    if ((e as { code?: string }).code === '42P01') return false;
    throw e;
  }
}

/** How far the standby had replayed and received just before pg_promote, and the WAL bytes of the canary's commit it had not applied. */
async function replayedAt(replica: Client, canaryLsn: string): Promise<{ replayLsn: string | null; receiveLsn: string | null; unappliedBytes: number }> {
  const { rows: [r] } = await replica.query<{ replay: string | null; receive: string | null; behind: string }>(
    `SELECT pg_last_wal_replay_lsn()::text AS replay, pg_last_wal_receive_lsn()::text AS receive, pg_wal_lsn_diff($1::pg_lsn, coalesce(pg_last_wal_replay_lsn(), '0/0'))::bigint::text AS behind`,
    [canaryLsn],
  );
  return { replayLsn: r!.replay, receiveLsn: r!.receive, unappliedBytes: Math.max(0, Number(r!.behind)) };
}

interface Preflight {
  lagBytes: number;
  replayLsn: string;
}

async function preflight(primary: Client, replica: Client, replicaName: string, maxLagBytes: number): Promise<Preflight> {
  const { rows: [r] } = await replica.query<{ recovery: boolean; receiver: string | null; replay: string | null }>(
    'SELECT pg_is_in_recovery() AS recovery, (SELECT status FROM pg_stat_wal_receiver) AS receiver, pg_last_wal_replay_lsn()::text AS replay',
  );
  if (!r!.recovery) throw new Error(`preflight: ${replicaName} is not in recovery: it is already a primary (promoted by an earlier drill?); rebuild it as a standby first`);
  if (r!.receiver !== 'streaming') throw new Error(`preflight: ${replicaName}'s WAL receiver is ${r!.receiver ?? 'not running'}, not streaming from the primary`);
  const { rows: [p] } = await primary.query<{ recovery: boolean; read_only: string; lag: string }>(
    `SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS read_only, pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint::text AS lag`,
    [r!.replay],
  );
  if (p!.recovery || p!.read_only === 'on') throw new Error('preflight: the primary is not writable (in recovery or read-only)');
  const lagBytes = Math.max(0, Number(p!.lag));
  if (lagBytes > maxLagBytes) throw new Error(`preflight: ${replicaName} is ${formatValue(lagBytes, 'bytes')} of WAL behind the primary, more than dr.maxReplicaLag ${formatValue(maxLagBytes, 'bytes')}`);
  return { lagBytes, replayLsn: r!.replay! };
}

function failoverDrill(config: Config, replicaName: string, replicaTarget: PgTarget, o: ReturnType<typeof objectives>): { step: ActionStep; result: () => Measured | undefined } {
  let measured: Measured | undefined;
  const primaryTarget = adminTarget(config);
  const step: ActionStep = {
    title: `Failover drill: promote ${replicaName} (${replicaTarget.address}) with pg_promote and verify a canary row written on the primary`,
    details: [
      `preflight: ${replicaName} in recovery and streaming, at most ${o.maxLag} of WAL behind; the primary writable`,
      `canary: a row in ${CANARY_TABLE} on the primary; RPO: how long until ${replicaName} applied it (pg_promote applies what it received but had not replayed: then until promotion); if it never arrives, how much was lost`,
      `RTO: from pg_promote until ${replicaName} accepts a write`,
    ],
    async run(ctx: StepContext) {
      const primary = await connectAdmin(primaryTarget);
      let replica: Client | undefined;
      try {
        replica = await connectAdmin(replicaTarget);
        ctx.progress('preflight');
        const pre = await preflight(primary, replica, replicaName, o.maxLagBytes);
        const drill = `drill-${new Date().toISOString()}-${randomUUID().slice(0, 8)}`;
        ctx.progress('writing the canary on the primary');
        await primary.query(`CREATE TABLE IF NOT EXISTS ${CANARY_TABLE} (drill text PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT clock_timestamp())`);
        await primary.query(`INSERT INTO ${CANARY_TABLE} (drill) VALUES ($1)`, [drill]);
        const written = performance.now();
        // Where the WAL stood once the canary committed: a standby that has replayed this far has applied it.
        const { rows: [c] } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
        // A switchover waits for the standby to have everything; the wait is the data a sudden loss of the primary would take with it.
        ctx.progress(`waiting up to ${o.rpo} for the canary to show on ${replicaName}`);
        let arrivedAfter: number | undefined;
        while (arrivedAfter === undefined && performance.now() - written <= o.rpoMs) {
          if (await canaryVisible(replica, drill)) arrivedAfter = performance.now() - written;
          else await sleep(20);
        }
        const atPromotion = await replayedAt(replica, c!.lsn);
        ctx.progress(`promoting ${replicaName}`);
        const promoteAt = performance.now();
        const { rows: [p] } = await replica.query<{ promoted: boolean }>(`SELECT pg_promote(true, ${PROMOTE_TIMEOUT_S}) AS promoted`).catch((e: { code?: string; message: string }) => {
          throw new Error(`pg_promote on ${replicaName}: ${e.message}${e.code === '42501' ? '; set postgres.replicas[].adminUrl to a superuser, or GRANT EXECUTE ON FUNCTION pg_promote to that role' : ''}`);
        });
        if (!p!.promoted) throw new Error(`pg_promote: ${replicaName} did not finish promotion within ${PROMOTE_TIMEOUT_S} s`);
        ctx.progress(`waiting for ${replicaName} to accept writes`);
        let rtoMs: number | undefined;
        let lastError = '';
        while (performance.now() - promoteAt < PROMOTE_TIMEOUT_S * 1000) {
          try {
            await replica.query(`INSERT INTO ${CANARY_TABLE} (drill) VALUES ($1)`, [`${drill}:written-after-promotion`]);
            rtoMs = performance.now() - promoteAt;
            break;
          } catch (e) {
            lastError = (e as Error).message;
            await sleep(20);
          }
        }
        if (rtoMs === undefined) throw new Error(`${replicaName} was promoted but did not accept a write within ${PROMOTE_TIMEOUT_S} s: ${lastError}`);
        const arrived = await canaryVisible(replica, drill);
        // Not applied within the wait, the canary was at risk until pg_promote at least: that is the RPO, never 0.
        const appliedBeforePromotion = arrivedAfter !== undefined || atPromotion.unappliedBytes === 0;
        measured = { rtoMs, rpoMs: arrivedAfter ?? promoteAt - written };
        const data = {
          replica: replicaName, drill, lagBytesBeforeDrill: pre.lagBytes, canaryArrived: arrived, appliedBeforePromotion,
          canaryLsn: c!.lsn, replayLsnAtPromotion: atPromotion.replayLsn, receiveLsnAtPromotion: atPromotion.receiveLsn, unappliedBytesAtPromotion: atPromotion.unappliedBytes,
          rtoMs: Math.round(rtoMs), rpoMs: Math.round(measured.rpoMs),
        };
        if (!arrived) throw new StepFailure(`${replicaName} was promoted and accepts writes after ${ms(rtoMs)}, but the canary written ${ms(measured.rpoMs)} before promotion is missing: data was lost`, data);
        const rpo = appliedBeforePromotion
          ? `the canary arrived, ${ms(measured.rpoMs)} after it was written (RPO)`
          : `the canary was not applied on ${replicaName} before promotion (received to ${atPromotion.receiveLsn ?? 'nothing'}, replayed to ${atPromotion.replayLsn}, the canary at ${c!.lsn}: ${formatValue(atPromotion.unappliedBytes, 'bytes')} behind); pg_promote applied it, ${ms(measured.rpoMs)} after it was written (RPO)`;
        return {
          message: `${replicaName} accepts writes ${ms(rtoMs)} after pg_promote (RTO); ${rpo}; ${replicaName} is now a primary of its own: rebuild it as a standby`,
          data,
        };
      } finally {
        await Promise.all([primary.end(), replica?.end()].map((x) => x?.catch(() => undefined)));
      }
    },
  };
  return { step, result: () => measured };
}

/** Judges each drill's measurements against the objectives; a drill without measurements fails. */
function objectivesStep(o: ReturnType<typeof objectives>, drills: { name: string; result: () => Measured | undefined }[]): ActionStep {
  return {
    title: `Compare RTO and RPO with the objectives (RTO ≤ ${o.rto}, RPO ≤ ${o.rpo})`,
    async run() {
      const verdicts = drills.map(({ name, result }) => {
        const m = result();
        if (!m) return { name, pass: false, text: `${name}: no measurement (the drill failed)` };
        const rtoOk = m.rtoMs <= o.rtoMs;
        const rpoOk = m.rpoMs <= o.rpoMs;
        return {
          name, pass: rtoOk && rpoOk, rtoMs: Math.round(m.rtoMs), rpoMs: Math.round(m.rpoMs), rtoPass: rtoOk, rpoPass: rpoOk,
          text: `${name}: RTO ${ms(m.rtoMs)} ${rtoOk ? 'pass' : `FAIL (objective ${o.rto})`}, RPO ${ms(m.rpoMs)} ${rpoOk ? 'pass' : `FAIL (objective ${o.rpo})`}`,
        };
      });
      const data = { objectives: { rto: o.rto, rpo: o.rpo }, drills: verdicts.map(({ text: _text, ...v }) => v) };
      const message = verdicts.map((v) => v.text).join('; ');
      if (verdicts.some((v) => !v.pass)) throw new StepFailure(message, data);
      return { message, data };
    },
  };
}

interface DrTestOptions {
  only?: Drill;
  jobs: number;
}

export async function planDrTest(ctx: PlanContext, opts: DrTestOptions): Promise<ActionPlan> {
  const { config } = ctx;
  const o = objectives(config);
  const doRestore = opts.only !== 'failover';
  let doFailover = opts.only !== 'restore';
  const summary = [`objectives: RTO ≤ ${o.rto}, RPO ≤ ${o.rpo}${config.dr?.rto || config.dr?.rpo ? '' : ' (defaults; set dr.rto and dr.rpo)'}`];
  const warnings: string[] = [];
  const steps: ActionStep[] = [];
  const drills: { name: string; result: () => Measured | undefined }[] = [];

  const pgbackrest = config.backups?.pgbackrest;
  if (doRestore && pgbackrest) {
    const window = await new PgbackrestProbe(pgbackrest).recoverableWindow();
    summary.push(window
      ? `pgBackRest stanza "${pgbackrest.stanza}": recoverable ${window.from.toISOString()} – ${window.to.toISOString()} (newest archived WAL ${window.lastWal})`
      : `pgBackRest stanza "${pgbackrest.stanza}": no backup`);
    const r = pgbackrestDrill(config, pgbackrest);
    steps.push(...r.steps);
    drills.push({ name: 'restore drill', result: r.result });
  } else if (doRestore) {
    const missing = missingTarget('backups', config);
    if (missing) throw new ConfigError(`monthly dr-test: ${missing}`);
    const backup = await repositoryOf(config).newest('db');
    const server = config.dr?.restoreUrl ? pgTarget(config.dr.restoreUrl, 'dr.restoreUrl') : adminTarget(config);
    summary.push(backup
      ? `newest database backup: ${backup.id}, taken ${backup.created}, ${formatValue(backup.size, 'bytes')} (${backup.source})`
      : `newest database backup: none in ${repositoryOf(config).directory}`);
    const r = restoreDrill(config, backup, server, opts.jobs);
    steps.push(r.step);
    steps.push({ title: `Drop the scratch database "${SCRATCH_DATABASE}"`, run: async () => { await dropDatabase(server, SCRATCH_DATABASE); return `"${SCRATCH_DATABASE}" dropped`; } });
    drills.push({ name: 'restore drill', result: r.result });
  }
  if (doFailover && !config.dr?.replica) {
    if (opts.only === 'failover') throw new ConfigError('dr.replica: not set; name the one of postgres.replicas the failover drill promotes');
    warnings.push('no failover drill: dr.replica is not set (name the one of postgres.replicas to promote); only the restore drill runs');
    doFailover = false;
  }
  if (doFailover) {
    const { name, target } = drillReplica(config);
    summary.push(`failover candidate: ${name} (${target.address}); primary ${adminTarget(config).address}`);
    warnings.push(`the failover drill promotes ${name}: it stops following the primary and takes writes on its own; rebuild it as a standby afterwards (pg_basebackup or pg_rewind)`);
    const f = failoverDrill(config, name, target, o);
    steps.push(f.step);
    drills.push({ name: 'failover drill', result: f.result });
  }
  steps.push(objectivesStep(o, drills));
  return {
    action: 'monthly dr-test',
    target: [doRestore && 'restore drill', doFailover && 'failover drill'].filter(Boolean).join(' and '),
    summary,
    warnings,
    steps,
    // Promoting a replica changes the topology in any environment: the environment must be named.
    confirmEnvAlways: doFailover,
    confirmEnvReason: 'this promotes a replica (in any environment)',
  };
}
