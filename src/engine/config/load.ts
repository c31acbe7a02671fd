import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type * as z from 'zod';
import { ConfigError, UsageError } from '../errors.js';
import { redisDatabase, redisTls, redisUrlKey } from '../redis-connection.js';
import { configuredConnections } from '../postgres-connection.js';
import { checkLibpqEnvironment, LIBPQ_VARS } from './postgres.js';
import { fileSchema, type Config, type EnvironmentConfig, type FileConfig } from './schema.js';
import { checkReadableFile, checkUrl } from './urls.js';

export interface LoadOptions {
  /** --config; when absent $NVCOPS_CONFIG, then the places of configPlaces(). */
  path?: string;
  /** --env */
  env?: string;
  environ?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function findConfigFile(opts: LoadOptions): string | undefined {
  // A timer or a container names its file in the environment; --config on the line still wins.
  const named = opts.path ? { path: opts.path, field: '--config' } : (opts.environ ?? process.env).NVCOPS_CONFIG ? { path: (opts.environ ?? process.env).NVCOPS_CONFIG!, field: 'NVCOPS_CONFIG' } : undefined;
  if (named) {
    const p = resolve(opts.cwd ?? process.cwd(), named.path);
    if (!existsSync(p)) throw new ConfigError(`${named.field}: file ${named.path} does not exist`);
    if (!statSync(p).isFile()) throw new ConfigError(`${named.field}: ${named.path} is not a regular file; give the path of a YAML or JSON file`);
    return p;
  }
  return configPlaces(opts).find((p) => existsSync(p));
}

/** The machine-wide file a package or an image installs, looked at after the user's own. */
export const SYSTEM_CONFIG = '/etc/nvcops/config.yaml';

/** Where a config file is looked for without --config or NVCOPS_CONFIG, in order. */
export function configPlaces(opts: LoadOptions = {}): string[] {
  const xdg = (opts.environ ?? process.env).XDG_CONFIG_HOME || join(homedir(), '.config');
  const cwd = opts.cwd ?? process.cwd();
  return [join(cwd, 'nvcops.yaml'), join(cwd, 'nvcops.yml'), join(cwd, 'nvcops.json'), join(xdg, 'nvcops', 'config.yaml'), SYSTEM_CONFIG];
}

/**
 * The last file parsed, and its text: a fleet (`--env all`) reads the file to name its environments and again to
 * load them, and a text read again unchanged is not parsed again. Nothing changes the parsed value (interpolation copies it).
 */
let lastParsed: { path: string; text: string; value: unknown } | undefined;

function parseFile(path: string): unknown {
  // A directory fails the read, and a FIFO or a device would block it: only a regular file is read.
  if (!statSync(path).isFile()) throw new ConfigError(`${path}: not a regular file; the configuration is a YAML or JSON file`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (lastParsed?.path === path && lastParsed.text === text) return lastParsed.value;
  // The parsers' messages quote the text around the error, and a secret may stand there: only the position is said.
  const value = path.endsWith('.json') ? parseJson(path, text) : parseYamlText(path, text);
  refuseShape(value, path);
  lastParsed = { path, text, value };
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
function interpolateInUse(raw: unknown, environ: NodeJS.ProcessEnv, envs: string[]): unknown {
  if (!isRecord(raw) || !isRecord(raw.environments)) return interpolate(raw, environ);
  const { environments, ...top } = raw;
  return {
    ...(interpolate(top, environ) as Record<string, unknown>),
    environments: Object.fromEntries(Object.entries(environments).map(([name, e]) => [name, interpolate(e, environ, `environments.${name}`, !envs.includes(name))])),
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

/**
 * The environments the config file found the usual way names (`environment:` and the keys of
 * `environments:`), for shell completion: read as written, never validated, interpolated or
 * connected to; only names a shell word can hold. None when no file can be read.
 */
export function environmentNames(opts: LoadOptions): string[] {
  try {
    // Names only, fit to offer on a command line; what does not look like one is left out.
    return definedEnvironments(opts).names.filter((n) => /^[\w.-]+$/.test(n));
  } catch {
    return [];
  }
}

function zodToConfigError(error: z.ZodError, source: string): ConfigError {
  const issue = error.issues[0]!;
  let path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    path = path ? `${path}.${key}` : key;
    message = 'unknown key; check the spelling against docs/configuration.md (every key) or nvcops schema config';
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

/** The environments a config file defines (its top-level `environment`, then those under `environments:`), as `--env all` runs them. */
export function definedEnvironments(opts: LoadOptions): { names: string[]; source?: string } {
  const source = findConfigFile(opts);
  const raw = source ? parseFile(source) : {};
  if (!isRecord(raw)) return { names: [], source };
  const names = [typeof raw.environment === 'string' ? raw.environment : undefined, ...(isRecord(raw.environments) ? Object.keys(raw.environments) : [])];
  return { names: [...new Set(names.filter((n): n is string => !!n))], source };
}

/** Loads, interpolates, selects the environment, applies NVCOPS_* and PG* overrides, validates. */
export async function loadConfig(opts: LoadOptions = {}): Promise<Config> {
  const { source, file } = validatedFile(opts, opts.env === undefined ? [] : [opts.env]);
  return configFor(opts, source, file, opts.env);
}

/**
 * The configs of several environments (`--env a,b,c`), each as loadConfig with `--env NAME` would load
 * it: the file read, filled in and validated once for all of them (every one of them filled in as the
 * chosen one is), then each environment selected from a copy of its own.
 */
export async function loadConfigs(opts: Omit<LoadOptions, 'env'>, envs: string[]): Promise<Config[]> {
  const { source, file } = validatedFile(opts, envs);
  return envs.map((env) => configFor(opts, source, structuredClone(file), env));
}

/** The config file found, parsed, filled in (strictly for `envs`, the rest leniently) and validated. */
function validatedFile(opts: LoadOptions, envs: string[]): { source: string | undefined; file: FileConfig } {
  const environ = opts.environ ?? process.env;
  const source = findConfigFile(opts);
  const raw = source ? parseFile(source) : {};
  // jitless: zod would otherwise generate and compile a parser for each object schema (new Function), which a
  // process that validates one file once pays for and never gets back; the same result and the same issues.
  const parsed = fileSchema.safeParse(interpolateInUse(raw, environ, envs), { jitless: true });
  if (!parsed.success) throw zodToConfigError(parsed.error, source ?? 'config');
  return { source, file: parsed.data };
}

/** One environment's config from the validated file: selected, merged, NVCOPS_* and PG* applied, its URLs and files checked. */
function configFor(opts: LoadOptions, source: string | undefined, file: FileConfig, env: string | undefined): Config {
  const environ = opts.environ ?? process.env;
  const label = source ?? 'config';
  opts = { ...opts, env };

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
  if (config.pgbouncer) checkUrl(config.pgbouncer.url, ['postgres:', 'postgresql:'], 'pgbouncer.url');
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
