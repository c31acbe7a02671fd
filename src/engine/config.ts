import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { ConfigError, UsageError } from './errors.js';
import { redisDatabase, redisTls, redisUrlKey } from './redis-connection.js';
import { configuredConnections } from './postgres-connection.js';
import { MAX_TIMER_MS, MAX_TIMER_TEXT, parseDuration } from './units.js';
import { isDate, isLocalTime, isTimeZone, weekdayOf, WEEKDAYS } from './zoned.js';

const name = z.string().min(1);
const duration = z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|min|h|d)$/, 'a duration such as 500ms, 5s, 2m');
/** A duration that becomes a timer (or a PostgreSQL int timeout): a longer one would fire after 1 ms. */
const timer = duration.refine((v) => (parseDuration(v) ?? 0) <= MAX_TIMER_MS, `a duration ${MAX_TIMER_TEXT}`);
/** A timeout of 0 would give up before it starts. */
const timeout = timer.refine((v) => (parseDuration(v) ?? 0) > 0, 'a duration above 0 such as 5s');

const size = z.string().regex(/^\d+(\.\d+)?\s*(B|kB|MB|GB|TB)$/i, 'a size such as 10 MB, 512 kB, 1 GB');
const path = z.string().min(1);
const percent = z.number().min(0).max(100);

const replica = z.union([
  z.string().min(1),
  z.strictObject({ name: name.optional(), url: z.string().min(1), adminUrl: z.string().min(1).optional() }),
]);

const threshold = z.strictObject({ warn: z.string().optional(), fail: z.string().optional() });

/** `runbook today|oncall`: the runbook's time zone, and Contact Information › On-Call Rotation. */
const timezone = z.string().refine(isTimeZone, 'an IANA time zone such as America/New_York');
const person = z.strictObject({ name, phone: z.string().min(1).optional(), email: z.string().min(1).optional() });
const oncallRole = z.union([person, z.array(person).min(1)]);
const oncall = z
  .strictObject({
    /** Primary: DevOps Engineer (24/7); a list takes weekly turns. */
    primary: oncallRole.optional(),
    /** Secondary: Senior Developer (24/7). */
    secondary: oncallRole.optional(),
    /** Escalation: Engineering Manager (24/7). */
    escalation: oncallRole.optional(),
    /** The weekly handover of the roles given as lists, in schedule.timezone; the lists' first people are on call from `start`. */
    rotation: z
      .strictObject({
        start: z.string().refine(isDate, 'a date such as 2026-01-05 (a handover day)'),
        day: z.enum(WEEKDAYS).optional().default('monday'),
        time: z.string().refine(isLocalTime, 'a 24-hour time such as 09:00').optional().default('09:00'),
      })
      .refine((r) => weekdayOf(r.start) === r.day, { message: 'not a rotation.day (default monday); start is the day of the first handover', path: ['start'] })
      .optional(),
    /** Emergency Contacts: CTO, Security Officer, Compliance Officer. */
    emergency: z.array(z.strictObject({ role: name, name: name.optional(), phone: z.string().min(1).optional(), email: z.string().min(1).optional() })).optional(),
  })
  .refine((o) => o.rotation || !(['primary', 'secondary', 'escalation'] as const).some((k) => { const v = o[k]; return Array.isArray(v) && v.length > 1; }), {
    message: 'a role lists several people, so oncall.rotation (start, day, time) must say when they hand over',
    path: ['rotation'],
  });

/** Every key of one environment's configuration. The keys listed in the README are a stable contract. */
const environmentShape = {
  /** The runbook's calendar (runbook today): its time zone, default America/New_York. */
  schedule: z.strictObject({ timezone: timezone.optional() }).optional(),
  oncall: oncall.optional(),
  environment: name.optional(),
  protected: z.boolean().optional(),
  postgres: z
    .strictObject({
      url: z.string().min(1).optional(),
      /** A role that may dump, create databases and promote (backups, restores, DR drills); default postgres.url. */
      adminUrl: z.string().min(1).optional(),
      replicas: z.array(replica).optional(),
      connectTimeout: timeout.optional(),
      /** 0 turns PostgreSQL's statement_timeout off. */
      statementTimeout: timer.optional(),
    })
    .optional(),
  redis: z
    .strictObject({
      url: z.string().min(1).optional(),
      connectTimeout: timeout.optional(),
      /** Sentinel: the sentinels' URLs and the monitored master's name. */
      sentinels: z.array(z.string().min(1)).min(1).optional(),
      name: name.optional(),
      /** Cluster: seed node URLs; every node is found from them. */
      cluster: z.array(z.string().min(1)).min(1).optional(),
      /** Credentials of the data nodes behind sentinels or in a cluster (a URL carries its own). */
      username: name.optional(),
      password: z.string().min(1).optional(),
      /** The database for a master behind sentinels (a standalone URL names its own: redis://…/3). */
      database: z.int().min(0).max(65535).optional(),
      /** TLS for every connection (server, sentinels, master, cluster nodes): trusted CA and a client certificate for tls-auth-clients. */
      tls: z.strictObject({ ca: path.optional(), cert: path.optional(), key: path.optional() }).optional(),
      /** Replicas each master should have online: a master drops a replica it lost from its list, so only a number to expect shows the loss. */
      replicas: z.int().min(0).max(100).optional(),
    })
    .optional(),
  services: z
    .array(
      z.strictObject({
        name,
        url: z.url({ protocol: /^https?$/ }),
        timeout: timeout.optional(),
        /** Requests per run for the response-time percentiles. */
        samples: z.int().min(1).max(100).optional(),
      }),
    )
    .optional(),
  logs: z
    .strictObject({
      application: z.string().min(1).optional(),
      /** The PostgreSQL server log, read for security events when readable. */
      postgres: z.string().min(1).optional(),
    })
    .optional(),
  backups: z
    .strictObject({
      directory: z.string().min(1).optional(),
      /** What backup verify checksums and reads: the newest backup of each kind, or every backup (--all). */
      verify: z.enum(['newest', 'all']).optional(),
      /** How long `backup db` may take before pg_dump is stopped and nothing is stored (default 6h). */
      dbTimeout: timeout.optional(),
    })
    .optional(),
  /** Monthly Disaster Recovery Test: objectives and the replica the failover drill promotes. */
  dr: z
    .strictObject({
      /** Recovery time objective: restore drill to a queryable database, failover drill to a writable replica. */
      rto: duration.optional(),
      /** Recovery point objective: the data a recovery may lose. */
      rpo: duration.optional(),
      /** The one of postgres.replicas the failover drill promotes. */
      replica: name.optional(),
      /** Preflight: the most WAL the replica may be behind before it is promoted. */
      maxReplicaLag: size.optional(),
      /** Where the restore drill creates its scratch database (default postgres.adminUrl's server). */
      restoreUrl: z.string().min(1).optional(),
      /** Run in the restored database; each must succeed, and a boolean first column must be true. */
      verificationQueries: z.array(z.string().min(1)).optional(),
    })
    .optional(),
  /** Monthly Capacity Planning: the cost items its cost optimization analysis reads. */
  capacity: z
    .strictObject({
      costs: z
        .array(
          z.strictObject({
            name,
            /** The item's cost per month, in `currency`. */
            monthly: z.number().min(0),
            currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code such as USD or EUR'),
            owner: name.optional(),
            /** The monthly budget, in `currency`; over it fails. */
            budget: z.number().positive().optional(),
          }),
        )
        .min(1)
        .optional(),
    })
    .optional(),
  security: z
    .strictObject({
      /** Authentication failures from one user and source that count as brute force. */
      bruteForce: z.strictObject({ failures: z.int().min(2), within: duration }).optional(),
      /** Application directories (with a package-lock.json) whose npm dependencies `maintain security-updates` audits. */
      applications: z.array(path).optional(),
      /** The date of the last penetration test report (monthly security assessment). */
      lastPenetrationTest: z.iso.date('a date such as 2026-03-14').optional(),
    })
    .optional(),
  business: z
    .strictObject({
      metrics: z
        .array(
          z.strictObject({
            name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes (it becomes the check id business.<name>)'),
            title: name.optional(),
            sql: z.string().min(1),
            unit: z.enum(['count', '%', 'ms', 's', 'bytes', 'ratio']).optional(),
            warn: z.string().optional(),
            fail: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  aws: z
    .strictObject({
      region: z.string().min(1).optional(),
      profile: z.string().min(1).optional(),
      endpoint: z.url().optional(),
      loadBalancer: z.string().min(1).optional(),
      targetGroup: z.string().min(1).optional(),
      autoScalingGroups: z.array(name).optional(),
      route53HealthCheckId: z.string().min(1).optional(),
      rds: z
        .strictObject({
          instances: z.array(
            z.union([
              name,
              z.strictObject({
                id: name,
                // RDS reports no max_connections or allocated size to CloudWatch; without them those lines are skipped.
                maxConnections: z.number().int().positive().optional(),
                allocatedStorage: z.number().positive().optional(),
                replica: z.boolean().optional(),
              }),
            ]),
          ),
        })
        .optional(),
      elasticache: z.strictObject({ clusters: z.array(name) }).optional(),
      timeout: timeout.optional(),
    })
    .optional(),
  thresholds: z.record(z.string(), threshold).optional(),
  links: z.strictObject({ dashboards: z.array(z.strictObject({ name, url: z.url({ protocol: /^https?$/ }) })).optional() }).optional(),
  deploys: z
    .strictObject({
      repositories: z.array(z.string().min(1)).optional(),
      /** git for-each-ref glob of the tags that mark a deploy. */
      tagPattern: z.string().min(1).optional(),
    })
    .optional(),
  incident: z
    .strictObject({
      notify: z
        .strictObject({
          webhook: z.url({ protocol: /^https?$/ }).optional(),
          pagerduty: z.strictObject({ routingKey: z.string().min(1).optional(), url: z.url({ protocol: /^https?$/ }).optional() }).optional(),
        })
        .optional(),
    })
    .optional(),
  /** Audit trail, run history, records: a local directory (default) or a shared PostgreSQL. */
  state: z
    .strictObject({
      path: z.string().min(1).optional(),
      url: z.string().min(1).optional(),
      /** Where `audit anchor` writes the trail's heads: out of reach of nvcops' own file and database access. */
      anchors: z
        .array(z.union([
          z.strictObject({ file: z.string().min(1) }),
          z.strictObject({ url: z.string().min(1) }),
          z.strictObject({ syslog: z.string().regex(/^(\/\S+|udp:\/\/([^/:\s]+|\[[^\]\s]+\]):\d+)$/, 'a unix socket path (/dev/log) or udp://host:port') }),
        ]))
        .optional(),
    })
    .refine((s) => !(s.path && s.url), 'set state.path (local files) or state.url (PostgreSQL), not both')
    .optional(),
  maintenance: z
    .strictObject({
      vacuum: z
        .strictObject({
          deadTupleRatio: percent.optional(),
          minDeadTuples: z.number().int().min(0).optional(),
          staleAfter: duration.optional(),
          lockTimeout: timeout.optional(),
        })
        .optional(),
      indexes: z.strictObject({ unusedMinSize: size.optional(), bloatMinSize: size.optional(), bloatRatio: percent.optional() }).optional(),
      logs: z
        .array(
          z.strictObject({
            path,
            maxSize: size.optional(),
            maxAge: duration.optional(),
            keep: z.number().int().min(1).max(1000).optional(),
            strategy: z.enum(['copytruncate', 'rename']).optional(),
            reopen: z.strictObject({ pidFile: path, signal: z.enum(['SIGHUP', 'SIGUSR1', 'SIGUSR2']).optional() }).optional(),
          }),
        )
        .optional(),
      tmp: z.strictObject({ directories: z.array(path).min(1), olderThan: duration.optional() }).optional(),
    })
    .optional(),
  certificates: z
    .strictObject({
      endpoints: z
        .array(z.strictObject({ name: name.optional(), url: z.string().regex(/^(https|postgres|postgresql|rediss):\/\/[^/]/, 'a URL starting https://, postgres:// (STARTTLS) or rediss://'), serverName: z.string().min(1).optional() }))
        .optional(),
      files: z.array(path).optional(),
      ca: path.optional(),
    })
    .optional(),
  /** monthly compliance: what its automated controls read. */
  compliance: z
    .strictObject({
      /** A regular expression every deploy of the period must carry in its tag name or tag message (a change ticket). */
      changeTicket: z.string().min(1).refine((v) => { try { new RegExp(v); return true; } catch { return false; } }, 'a regular expression such as CHG-\\d+').optional(),
      /** Tables whose rows must not outlive a retention: rows older than `keep` by `column` fail the data retention control. */
      retention: z
        .array(
          z.strictObject({
            table: z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/, 'a table name, optionally schema-qualified (schema.table), letters, digits and _'),
            column: z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, 'a column name: letters, digits and _'),
            keep: z.string().regex(/^\d+\s*(d|days?|w|weeks?|mo|months?|y|years?)$/, 'a retention such as 90d, 18mo or 7y'),
          }),
        )
        .optional(),
    })
    .optional(),
};

const environmentSchema = z.strictObject(environmentShape);
const fileSchema = z.strictObject({
  ...environmentShape,
  environments: z.record(z.string(), environmentSchema).optional(),
});

export type EnvironmentConfig = z.infer<typeof environmentSchema>;
type FileConfig = z.infer<typeof fileSchema>;

export interface Replica {
  name: string;
  url: string;
  /** A role allowed to pg_promote there (the failover drill); default url. */
  adminUrl?: string;
}

/** The configuration a run uses: one environment, interpolated, overridden and validated. */
export interface Config extends Omit<EnvironmentConfig, 'postgres'> {
  /** Where the configuration came from, or undefined when no file was found. */
  source?: string;
  postgres?: {
    /** Undefined when the target comes from the libpq PG* variables alone. */
    url?: string;
    adminUrl?: string;
    replicas: Replica[];
    connectTimeout?: string;
    statementTimeout?: string;
  };
}

export interface LoadOptions {
  /** --config; when absent ./nvcops.yaml, then $XDG_CONFIG_HOME/nvcops/config.yaml. */
  path?: string;
  /** --env */
  env?: string;
  environ?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function findConfigFile(opts: LoadOptions): string | undefined {
  if (opts.path) {
    const p = resolve(opts.cwd ?? process.cwd(), opts.path);
    if (!existsSync(p)) throw new ConfigError(`--config: file ${opts.path} does not exist`);
    if (!statSync(p).isFile()) throw new ConfigError(`--config: ${opts.path} is not a regular file; give the path of a YAML or JSON file`);
    return p;
  }
  return configPlaces(opts).find((p) => existsSync(p));
}

/** Where a config file is looked for without --config, in order. */
export function configPlaces(opts: LoadOptions = {}): string[] {
  const xdg = (opts.environ ?? process.env).XDG_CONFIG_HOME || join(homedir(), '.config');
  const cwd = opts.cwd ?? process.cwd();
  return [join(cwd, 'nvcops.yaml'), join(cwd, 'nvcops.yml'), join(cwd, 'nvcops.json'), join(xdg, 'nvcops', 'config.yaml')];
}

function parseFile(path: string): unknown {
  // A directory fails the read, and a FIFO or a device would block it: only a regular file is read.
  if (!statSync(path).isFile()) throw new ConfigError(`${path}: not a regular file; the configuration is a YAML or JSON file`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  // The parsers' messages quote the text around the error, and a secret may stand there: only the position is said.
  const value = path.endsWith('.json') ? parseJson(path, text) : parseYamlText(path, text);
  refuseShape(value, path);
  return value;
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError(`${path}: not valid JSON (${jsonErrorAt(text)})`);
  }
}

function parseYamlText(path: string, text: string): unknown {
  try {
    return parseYaml(text, { maxAliasCount: MAX_ALIASES }) ?? {};
  } catch (e) {
    // yaml's own resource-exhaustion guard (an alias bomb) and unresolved aliases come without a position.
    const alias = e instanceof ReferenceError && /alias count/i.test(e.message)
      ? `aliases expand to more than ${MAX_ALIASES} copies`
      : e instanceof ReferenceError && /alias/i.test(e.message) ? 'an alias names no anchor defined before it' : undefined;
    const { code, linePos } = e as { code?: string; linePos?: [{ line: number; col: number }] };
    const where = linePos ? `line ${linePos[0].line}, column ${linePos[0].col}` : 'position unknown';
    throw new ConfigError(`${path}: not valid YAML (${alias ?? `${code ? `${code.toLowerCase().replace(/_/g, ' ')} at ` : ''}${where}`})`);
  }
}

/** yaml's default: more alias copies than this is an expansion attack, not a configuration. */
const MAX_ALIASES = 100;
/** Deeper than any key of the configuration goes: everything that walks it (interpolation, masking, validation) recurses. */
const MAX_DEPTH = 32;

/**
 * Refuses a file whose data is a cycle (a YAML alias inside its own anchor: no key can mean it, and
 * every walk of it would never end) or nested deeper than MAX_DEPTH, naming the key path.
 */
function refuseShape(value: unknown, file: string, path = '', inside: object[] = []): void {
  if (!value || typeof value !== 'object') return;
  if (inside.includes(value)) throw new ConfigError(`${file}: ${path}: refers to itself (a YAML alias inside its own anchor)`);
  if (inside.length >= MAX_DEPTH) throw new ConfigError(`${file}: ${path}: nested more than ${MAX_DEPTH} levels deep; no key of the configuration is`);
  const within = [...inside, value];
  if (Array.isArray(value)) value.forEach((v, i) => refuseShape(v, file, `${path}[${i}]`, within));
  else for (const [k, v] of Object.entries(value)) refuseShape(v, file, path ? `${path}.${k}` : k, within);
}

/** Where JSON text stops being JSON, as `line L, column C`: JSON.parse says where only for some errors, and quotes the text for others. */
function jsonErrorAt(text: string): string {
  let i = 0;
  const ws = () => { while (/[ \t\n\r]/.test(text[i] ?? '')) i++; };
  const fail = (): never => { throw i; };
  const literal = (word: string) => { if (text.startsWith(word, i)) i += word.length; else fail(); };
  const string = () => {
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') fail();
      if (c === '"') { i++; return; }
      if (c === '\\') {
        i++;
        if (text[i] === 'u') { if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail(); i += 5; }
        else if (text[i] !== undefined && '"\\/bfnrt'.includes(text[i]!)) i++;
        else fail();
      } else i++;
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++; ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws(); if (text[i] !== '"') fail(); string(); ws();
        if (text[i] !== ':') fail(); i++; value(); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail();
      }
    }
    if (c === '[') {
      i++; ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail();
      }
    }
    if (c === '"') return string();
    const n = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (n) { i += n[0].length; return; }
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    fail();
  };
  try {
    value(); ws();
    if (i < text.length) fail();
    return 'position unknown';
  } catch (at) {
    if (typeof at !== 'number') return 'position unknown';
    const before = text.slice(0, at).split('\n');
    return `${at >= text.length ? 'unexpected end, ' : ''}line ${before.length}, column ${before.at(-1)!.length + 1}`;
  }
}

/**
 * Replaces ${VAR} and ${VAR:-default} in every string value; an unset variable without a default is an
 * error (`lenient`: left as written). The value holds no cycle: parseFile refused those.
 */
function interpolate(value: unknown, environ: NodeJS.ProcessEnv, path = '', lenient = false): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (written, v: string, fallback?: string) => {
      const got = environ[v];
      if (got !== undefined && got !== '') return got;
      if (fallback !== undefined) return fallback;
      if (lenient) return written;
      throw new ConfigError(`${path || '(root)'}: \${${v}} is used but ${v} is not set in the environment`);
    });
  }
  if (!value || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, environ, `${path}[${i}]`, lenient));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, environ, path ? `${path}.${k}` : k, lenient)]));
}

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Fills ${VAR} where the run reads it: the top-level keys and the chosen environment. The other
 * environments are filled leniently (an unset variable stays as written), so that a production
 * host need not hold staging's secrets.
 */
function interpolateInUse(raw: unknown, environ: NodeJS.ProcessEnv, env: string | undefined): unknown {
  if (!isRecord(raw) || !isRecord(raw.environments)) return interpolate(raw, environ);
  const { environments, ...top } = raw;
  return {
    ...(interpolate(top, environ) as Record<string, unknown>),
    environments: Object.fromEntries(Object.entries(environments).map(([name, e]) => [name, interpolate(e, environ, `environments.${name}`, name !== env)])),
  };
}

/**
 * What a config file holds even when it does not load, for the last-resort error path to mask: its
 * values as written, and with the variables that are set filled in. Nothing when no regular file can be read.
 */
export function configValues(opts: LoadOptions): unknown[] {
  let raw: unknown;
  try {
    const source = findConfigFile(opts);
    if (!source) return [];
    raw = parseFile(source);
  } catch {
    return [];
  }
  try {
    return [raw, interpolate(raw, opts.environ ?? process.env, '', true)];
  } catch {
    return [raw];
  }
}

function zodToConfigError(error: z.ZodError, source: string): ConfigError {
  const issue = error.issues[0]!;
  let path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    path = path ? `${path}.${key}` : key;
    message = 'unknown key; check the spelling against the config reference in the README';
  }
  return new ConfigError(`${source}: ${path || '(root)'}: ${message}`);
}

function mergeEnvironment(base: FileConfig, overlay: EnvironmentConfig): EnvironmentConfig {
  const { environments: _ignored, ...rest } = base;
  const merged: Record<string, unknown> = { ...rest };
  for (const [k, v] of Object.entries(overlay)) {
    const b = merged[k];
    merged[k] = b && v && typeof b === 'object' && typeof v === 'object' && !Array.isArray(v) ? { ...b, ...v } : v;
  }
  return merged as EnvironmentConfig;
}

const LIBPQ_VARS = ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGSERVICE'];

/**
 * PGPORT and PGHOST name the PostgreSQL server as much as postgres.url does (the driver reads them for
 * what a URL leaves out): a value the driver cannot use is refused here, not met as a check that never connects.
 */
function checkLibpqEnvironment(environ: NodeJS.ProcessEnv): void {
  const port = environ.PGPORT;
  if (port && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw new ConfigError('PGPORT: not a port; use a whole number from 1 to 65535');
  }
  const host = environ.PGHOST;
  if (host && !(host.startsWith('/') || /^[A-Za-z0-9._%:[\]-]+$/.test(host))) {
    throw new ConfigError('PGHOST: not a host; use a host name, an IP address or a socket directory (an absolute path)');
  }
}

/** Loads, interpolates, selects the environment, applies NVCOPS_* and PG* overrides, validates. */
export async function loadConfig(opts: LoadOptions = {}): Promise<Config> {
  const environ = opts.environ ?? process.env;
  const source = findConfigFile(opts);
  const raw = source ? parseFile(source) : {};
  const label = source ?? 'config';
  const parsed = fileSchema.safeParse(interpolateInUse(raw, environ, opts.env));
  if (!parsed.success) throw zodToConfigError(parsed.error, label);
  const file = parsed.data;

  let chosen: EnvironmentConfig;
  if (opts.env) {
    // Only an environment the file defines: never one an object inherits (__proto__, constructor).
    const overlay = file.environments && Object.hasOwn(file.environments, opts.env) ? file.environments[opts.env] : undefined;
    if (overlay) chosen = mergeEnvironment(file, { environment: opts.env, ...overlay });
    else if (file.environment === opts.env) chosen = mergeEnvironment(file, {});
    else {
      const known = [...new Set([file.environment, ...Object.keys(file.environments ?? {})].filter(Boolean))];
      throw new UsageError(`--env: no environment "${opts.env}" in ${label}; defined: ${known.join(', ') || 'none'}`);
    }
  } else {
    chosen = mergeEnvironment(file, {});
  }

  checkLibpqEnvironment(environ);
  const postgresUrl = environ.NVCOPS_POSTGRES_URL || chosen.postgres?.url;
  const fromLibpq = LIBPQ_VARS.some((v) => environ[v]);
  const config: Config = {
    ...chosen,
    source,
    postgres:
      postgresUrl || fromLibpq || chosen.postgres
        ? {
            ...chosen.postgres,
            url: postgresUrl,
            replicas: (chosen.postgres?.replicas ?? []).map((r, i) =>
              typeof r === 'string' ? { name: `replica${i + 1}`, url: r } : { ...r, name: r.name ?? `replica${i + 1}` },
            ),
          }
        : undefined,
  };
  if (config.postgres && !config.postgres.url && !fromLibpq) {
    if (config.postgres.replicas.length === 0) delete config.postgres;
  }
  const redisUrl = environ.NVCOPS_REDIS_URL || chosen.redis?.url;
  if (redisUrl) config.redis = { ...chosen.redis, url: redisUrl };
  for (const [i, r] of (config.postgres?.replicas ?? []).entries()) {
    checkUrl(r.url, ['postgres:', 'postgresql:'], `postgres.replicas[${i}].url`);
    if (r.adminUrl) checkUrl(r.adminUrl, ['postgres:', 'postgresql:'], `postgres.replicas[${i}].adminUrl`);
  }
  if (config.postgres?.adminUrl) checkUrl(config.postgres.adminUrl, ['postgres:', 'postgresql:'], 'postgres.adminUrl');
  if (config.dr?.restoreUrl) checkUrl(config.dr.restoreUrl, ['postgres:', 'postgresql:'], 'dr.restoreUrl');
  if (config.postgres?.url) checkUrl(config.postgres.url, ['postgres:', 'postgresql:'], environ.NVCOPS_POSTGRES_URL ? 'NVCOPS_POSTGRES_URL' : 'postgres.url');
  if (config.state?.url) checkUrl(config.state.url, ['postgres:', 'postgresql:'], 'state.url');
  for (const [i, a] of (config.state?.anchors ?? []).entries()) if ('url' in a) checkUrl(a.url, ['postgres:', 'postgresql:'], `state.anchors[${i}].url`);
  // A service that is not defined, a bad PGSSLMODE or hostaddr: refused here, not met as checks that never connect.
  configuredConnections(config.postgres, environ);
  if (config.redis?.url) checkUrl(config.redis.url, ['redis:', 'rediss:'], redisUrlKey(environ));
  for (const key of ['sentinels', 'cluster'] as const) {
    for (const [i, u] of (config.redis?.[key] ?? []).entries()) checkUrl(u, ['redis:', 'rediss:'], `redis.${key}[${i}]`);
  }
  if (config.redis?.sentinels && !config.redis.name) throw new ConfigError('redis.name: required with redis.sentinels (the master name the sentinels monitor)');
  if (config.redis?.sentinels && config.redis.cluster) throw new ConfigError('redis: use redis.sentinels or redis.cluster, not both');
  if (config.redis) {
    const urlKey = redisUrlKey(environ);
    redisDatabase(config.redis, urlKey);
    redisTls(config.redis, urlKey);
    for (const [key, file] of Object.entries(config.redis.tls ?? {})) if (file) checkReadableFile(file, `redis.tls.${key}:`);
  }
  return config;
}

function checkUrl(url: string, protocols: string[], field: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${field}: not a URL; use ${protocols[0]}//user@host:port/...`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${field}: scheme ${parsed.protocol} is not allowed; use ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  // The drivers and pg_dump's environment decode these (%40 is @); a % that starts no escape makes them throw, naming nothing. The value is never quoted: it may be a secret.
  for (const [part, text] of [['user name', parsed.username], ['password', parsed.password], ['database name', parsed.pathname]] as const) {
    try {
      decodeURIComponent(text);
    } catch {
      throw new ConfigError(`${field}: the ${part} is not valid percent-encoding; write a % in it as %25`);
    }
  }
  if (parsed.protocol.startsWith('postgres')) checkPostgresTls(parsed.searchParams, field);
}

/** libpq's sslmode values (node-postgres also takes no-verify). */
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

/** The TLS parameters of a PostgreSQL URL, checked before anything connects: the driver would only fail on them at connect time, naming no key. */
function checkPostgresTls(params: URLSearchParams, field: string): void {
  const mode = params.get('sslmode');
  if (mode !== null && !SSL_MODES.includes(mode)) throw new ConfigError(`${field}: sslmode ${mode} is not one of ${SSL_MODES.join(', ')}`);
  for (const key of ['sslrootcert', 'sslcert', 'sslkey']) {
    const path = params.get(key);
    if (path !== null) checkReadableFile(path, `${field}: ${key}`);
  }
}

/** A certificate or key file the TLS client reads at connect time, checked now so that the error names its setting. */
function checkReadableFile(path: string, setting: string): void {
  try {
    if (!statSync(path).isFile()) throw new Error('is not a regular file');
    accessSync(path, constants.R_OK);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (e as NodeJS.ErrnoException).code === 'EACCES' ? 'is not readable by this user' : (e as Error).message;
    throw new ConfigError(`${setting} ${path} ${reason}`);
  }
}

/** Is this environment one that destructive actions guard? */
export const isProtected = (c: Config): boolean => c.protected === true || c.environment === 'production';
