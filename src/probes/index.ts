import type { Target } from '../engine/verdict.js';
import type { Config } from '../engine/config/index.js';
import { parseDuration } from '../engine/units.js';
import { repositoryDirectory } from '../backups/repository.js';
import { AptProbe } from './apt.js';
import { BackupsProbe } from './backups.js';
import { readCertificates, type CertificateReport } from './certificates.js';
import { AwsProbe } from './aws.js';
import { HistoryProbe } from './history.js';
import { HTTP_WORKER, SamplingThread } from './http-thread.js';
import { HttpProbe } from './http.js';
import { LogFilesProbe } from './log-files.js';
import { LogsProbe } from './logs.js';
import { PostgresHostProbe } from './postgres-host.js';
import { NpmProbe } from './npm.js';
import { CatalogProbe } from './postgres-catalog.js';
import { DeploysProbe } from './deploys.js';
import { listIncidents, type Incident } from './incidents.js';
import { PgbackrestProbe } from './pgbackrest.js';
import { PgbouncerProbe } from './pgbouncer.js';
import { PostgresProbe } from './postgres.js';
import { RedisProbe, redisConnection, type RedisTarget } from './redis.js';
import type { Store } from '../state/store.js';
import { readAttestations, type AttestationTrail } from './attestations.js';
import { acknowledgements, type AckData } from './security-acks.js';
import { collectSecurityEvents, type SecurityScan } from './security-events.js';
import type { RecordVersion } from '../state/store.js';

/** A config duration already validated by the schema. */
const ms = (text: string | undefined, fallback: number) => (text ? (parseDuration(text) ?? fallback) : fallback);

/** Where the primary's login is configured, to name when the server refuses it. */
const primarySetting = (c: { url?: string }): string => (c.url ? 'postgres.url' : 'the PG* variables (PGUSER, PGPASSWORD, PGDATABASE)');

/**
 * The probes of one run, created on first use from the config and closed together at the end.
 * Checks reach systems only through this object (no module singletons), so tests hand in
 * probes pointed at throwaway servers.
 */
export class Probes {
  private pg?: { primary: PostgresProbe; replicas: PostgresProbe[] };
  private adminProbe?: PostgresProbe;
  private catalogProbe?: CatalogProbe;
  private redisProbe?: RedisProbe;
  private pgbouncerProbe?: PgbouncerProbe;
  private readonly extra: PostgresProbe[] = [];
  private backupsProbe?: BackupsProbe;
  private pgbackrestProbe?: PgbackrestProbe;
  private awsProbe?: AwsProbe;
  private httpProbe?: HttpProbe;
  private trail?: Promise<AttestationTrail>;
  private logsProbe?: LogsProbe;
  private postgresHostProbe?: PostgresHostProbe;
  private logFilesProbe?: LogFilesProbe;
  private store?: Promise<Store>;
  private historyProbe?: HistoryProbe;
  private aptProbe?: AptProbe;
  private npmProbe?: NpmProbe;
  private deploysProbe?: DeploysProbe;
  private certificateReports?: Promise<CertificateReport[]>;
  private readonly securityScans = new Map<number, Promise<SecurityScan>>();
  private securityReviews?: Promise<Map<string, RecordVersion<AckData>>>;
  private incidentRecords?: Promise<Incident[]>;

  /** `sharedStore`: the caller's state store, which it closes itself (a command that reads it again after the run). */
  constructor(
    readonly config: Config,
    private readonly sharedStore?: () => Promise<Store>,
  ) {}

  get postgres(): { primary: PostgresProbe; replicas: PostgresProbe[] } {
    if (!this.pg) {
      const c = this.config.postgres;
      if (!c) throw new Error('PostgreSQL is not configured');
      const timeouts = {
        connectTimeoutMs: ms(c.connectTimeout, 5000),
        statementTimeoutMs: ms(c.statementTimeout, 5000),
      };
      this.pg = {
        primary: new PostgresProbe({ name: 'primary', url: c.url, setting: primarySetting(c), ...timeouts }),
        replicas: c.replicas.map((r, i) => new PostgresProbe({ name: r.name, url: r.url, setting: `postgres.replicas[${i}].url`, ...timeouts })),
      };
    }
    return this.pg;
  }

  /** The primary's catalog (indexes, bloat estimates, stats reset) through the read-only sessions, with the replicas' index scans. */
  get catalog(): CatalogProbe {
    this.catalogProbe ??= new CatalogProbe(this.postgres.primary, this.postgres.replicas);
    return this.catalogProbe;
  }

  /**
   * A read-only session on the primary as postgres.adminUrl, for what only a superuser may read (pg_authid);
   * the primary's own session when no adminUrl is set.
   */
  get postgresAdmin(): PostgresProbe {
    const c = this.config.postgres;
    if (!c?.adminUrl) return this.postgres.primary;
    if (!this.adminProbe) {
      this.adminProbe = new PostgresProbe({ name: 'primary', url: c.adminUrl, setting: 'postgres.adminUrl', connectTimeoutMs: ms(c.connectTimeout, 5000), statementTimeoutMs: ms(c.statementTimeout, 5000) });
      this.extra.push(this.adminProbe);
    }
    return this.adminProbe;
  }

  /** PgBouncer's admin console (SHOW POOLS, SHOW DATABASES). */
  get pgbouncer(): PgbouncerProbe {
    const c = this.config.pgbouncer;
    if (!c) throw new Error('PgBouncer is not configured');
    this.pgbouncerProbe ??= new PgbouncerProbe({ url: c.url, connectTimeoutMs: ms(c.connectTimeout, 5000), commandTimeoutMs: 5000 });
    return this.pgbouncerProbe;
  }

  get redis(): RedisProbe {
    if (!this.redisProbe) {
      const c = this.config.redis;
      if (!c) throw new Error('Redis is not configured');
      const shared = {
        connectTimeoutMs: ms(c.connectTimeout, 5000),
        commandTimeoutMs: 5000,
        ...(c.username && { username: c.username }),
        ...(c.password && { password: c.password }),
        ...redisConnection(c),
      };
      let target: RedisTarget;
      if (c.cluster) target = { mode: 'cluster', seeds: c.cluster, ...shared };
      else if (c.sentinels) target = { mode: 'sentinel', sentinels: c.sentinels, name: c.name!, ...shared };
      else if (c.url) target = { mode: 'standalone', url: c.url, ...shared };
      else throw new Error('Redis is not configured');
      this.redisProbe = new RedisProbe(target);
    }
    return this.redisProbe;
  }

  /**
   * Loads the drivers of the servers a run is going to use, then starts connecting to the primary and
   * to Redis side by side; resolves once the drivers are loaded. Loading a driver holds this thread
   * (ioredis: about 20 ms), so it comes before any connect is timed. A failure to connect is left to
   * the checks that use the connection.
   */
  async connectAhead(targets: ReadonlySet<Target>): Promise<void> {
    await Promise.all([targets.has('postgres') && import('pg'), targets.has('redis') && import('ioredis')]);
    if (targets.has('postgres')) void this.postgres.primary.connect().catch(() => undefined);
    if (targets.has('redis')) void this.redis.connect().catch(() => undefined);
  }

  /**
   * A read-write session on the primary for a maintenance action, as postgres.adminUrl (else postgres.url; never the checks' read-only session):
   * no statement_timeout, and `lockTimeoutMs` so that it never queues for long in front of application traffic.
   */
  maintenanceSession(lockTimeoutMs: number): PostgresProbe {
    const c = this.config.postgres;
    if (!c) throw new Error('PostgreSQL is not configured');
    const session = new PostgresProbe({
      name: 'primary', url: c.adminUrl ?? c.url, setting: c.adminUrl ? 'postgres.adminUrl' : primarySetting(c), connectTimeoutMs: ms(c.connectTimeout, 5000), statementTimeoutMs: 0, readWrite: true, lockTimeoutMs,
    });
    this.extra.push(session);
    return session;
  }

  get backups(): BackupsProbe {
    this.backupsProbe ??= new BackupsProbe(repositoryDirectory(this.config));
    return this.backupsProbe;
  }

  /** pgBackRest (backups.pgbackrest): its info, check, verify and archive listing, each run once. */
  get pgbackrest(): PgbackrestProbe {
    const settings = this.config.backups?.pgbackrest;
    if (!settings) throw new Error('pgBackRest is not configured');
    this.pgbackrestProbe ??= new PgbackrestProbe(settings);
    return this.pgbackrestProbe;
  }

  /** CloudWatch and Auto Scaling; the SDK itself loads on the first call. */
  get aws(): AwsProbe {
    if (!this.config.aws) throw new Error('AWS is not configured');
    this.awsProbe ??= new AwsProbe(this.config.aws);
    return this.awsProbe;
  }

  get http(): HttpProbe {
    this.httpProbe ??= new HttpProbe(
      (this.config.services ?? []).map((s) => ({ name: s.name, url: s.url, timeoutMs: ms(s.timeout, 5000), samples: s.samples ?? 20 })),
      HTTP_WORKER ? new SamplingThread(HTTP_WORKER) : undefined,
    );
    return this.httpProbe;
  }

  /** The configured certificates (certificates.endpoints and .files), read once per run at the clock of the first asking. */
  certificates(now: Date): Promise<CertificateReport[]> {
    this.certificateReports ??= readCertificates(this.config, now);
    return this.certificateReports;
  }

  get logs(): LogsProbe {
    this.logsProbe ??= new LogsProbe();
    return this.logsProbe;
  }

  /** The primary's own host (disks, memory), seen only where nvcops runs on it. */
  get postgresHost(): PostgresHostProbe {
    this.postgresHostProbe ??= new PostgresHostProbe(() => this.postgres.primary);
    return this.postgresHostProbe;
  }

  /** A review period's log files, rotated ones included, and their lines from the period's start. */
  get logFiles(): LogFilesProbe {
    this.logFilesProbe ??= new LogFilesProbe();
    return this.logFilesProbe;
  }

  /** The controls' attestations and waivers from the verified audit trail, read once per run. */
  attestations(): Promise<AttestationTrail> {
    this.trail ??= this.state().then(readAttestations);
    return this.trail;
  }

  /**
   * The security events of the `windowMs` before `now` (application and PostgreSQL logs, Redis ACL LOG), each window
   * read once per run at the clock of the first asking.
   */
  securityEvents(windowMs: number, now: Date): Promise<SecurityScan> {
    let scan = this.securityScans.get(windowMs);
    if (!scan) this.securityScans.set(windowMs, (scan = collectSecurityEvents(this.config, this, new Date(now.getTime() - windowMs), now)));
    return scan;
  }

  /** The reviews of security events on record (the latest of each event id), read once per run. */
  securityAcks(): Promise<Map<string, RecordVersion<AckData>>> {
    this.securityReviews ??= this.state().then(acknowledgements);
    return this.securityReviews;
  }

  /** The incident records of the state store (every environment's), read once per run. */
  incidents(): Promise<Incident[]> {
    this.incidentRecords ??= this.state().then(listIncidents);
    return this.incidentRecords;
  }

  /** The state store (acknowledgements, history), opened on first use. */
  state(): Promise<Store> {
    if (this.sharedStore) return this.sharedStore();
    this.store ??= import('../state/index.js').then((m) => m.openStore(this.config));
    return this.store;
  }

  /** This host's apt: pending upgrades as apt simulates them, and its package lists. */
  get apt(): AptProbe {
    this.aptProbe ??= new AptProbe();
    return this.aptProbe;
  }

  /** The application's clones (deploys.repositories): git log and deploy tags since a time, and the last fetch. */
  get deploys(): DeploysProbe {
    this.deploysProbe ??= new DeploysProbe();
    return this.deploysProbe;
  }

  /** npm audit of the application directories. */
  get npm(): NpmProbe {
    this.npmProbe ??= new NpmProbe();
    return this.npmProbe;
  }

  /** The kept runs of this environment (the state store's history), each filter read once per run. */
  get history(): HistoryProbe {
    this.historyProbe ??= new HistoryProbe(() => this.state(), this.config.environment ?? null);
    return this.historyProbe;
  }

  /** Statements and commands sent during the run (for the benchmark). */
  get requestCount(): number {
    const pg = this.pg ? [this.pg.primary, ...this.pg.replicas].reduce((n, p) => n + p.queryCount, 0) : 0;
    return pg + (this.redisProbe?.commandCount ?? 0) + (this.httpProbe?.requestCount ?? 0) + (this.awsProbe?.requestCount ?? 0);
  }

  async close(): Promise<void> {
    const all: Promise<void>[] = [];
    if (this.pg) for (const p of [this.pg.primary, ...this.pg.replicas]) all.push(p.close());
    if (this.redisProbe) all.push(this.redisProbe.close());
    if (this.pgbouncerProbe) all.push(this.pgbouncerProbe.close());
    for (const p of this.extra) all.push(p.close());
    this.awsProbe?.close();
    if (this.httpProbe) all.push(this.httpProbe.close());
    if (this.store) all.push(this.store.then((s) => s.close(), () => undefined));
    await Promise.all(all);
  }
}

declare module '../engine/check.js' {
  /** A check's probes are the run's Probes (the engine declares the slot, this layer fills it). */
  interface CheckProbes extends Probes {}
}
