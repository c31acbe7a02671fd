/** Opening the state store, and the helpers commands use to audit themselves and keep their runs. */
import { randomUUID } from 'node:crypto';
import { homedir, hostname, userInfo } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Config } from '../engine/config/index.js';
import { StateError } from '../engine/errors.js';
import type { Redactor } from '../engine/redact.js';
import type { RunReport } from '../engine/report.js';
import { openAnchor, type Anchor } from './anchors.js';
import { LocalStore } from './local.js';
import type { AuditOutcome, AuditRecord, HistoryEntry, Store } from './store.js';

export type * from './store.js';

declare const NVCOPS_VERSION: string;
export const VERSION = typeof NVCOPS_VERSION === 'string' ? NVCOPS_VERSION : 'dev';

/** A path from the config: `~/…` from home, relative to the config file. */
function configPath(config: Config, path: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(config.source ? dirname(config.source) : process.cwd(), path);
}

/** The anchors `state.anchors` names (file paths as state.path's). */
export function openAnchors(config: Config): Anchor[] {
  return (config.state?.anchors ?? []).map((a) => openAnchor('file' in a ? { file: configPath(config, a.file) } : a));
}

/** The local directory the store uses: state.path (relative to the config file), else $XDG_STATE_HOME/nvcops, else ~/.local/state/nvcops. */
export function statePath(config: Config, environ: NodeJS.ProcessEnv = process.env): string {
  const configured = config.state?.path;
  if (configured) return configPath(config, configured);
  return join(environ.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'nvcops');
}

/** The store the configuration names: PostgreSQL for `state.url`, else the local directory. */
export async function openStore(config: Config, environ: NodeJS.ProcessEnv = process.env): Promise<Store> {
  if (config.state?.url) {
    const { PostgresStore } = await import('./postgres.js');
    return PostgresStore.open(config.state.url);
  }
  return LocalStore.open(statePath(config, environ));
}

/** Who is acting: `--by`, else the OS user. */
export function actor(by?: string): string {
  if (by) return by;
  try {
    return userInfo().username;
  } catch {
    // A container user without a passwd entry still has a uid.
    return process.env.USER || process.env.LOGNAME || `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

export interface ActionContext {
  /** The action in the command's words: `maintain vacuum`, `backup restore`. */
  action: string;
  config: Config;
  redactor: Redactor;
  /** `--by`. */
  by?: string;
  /** The command line after `nvcops`; defaults to this process's. Secrets are redacted before they are stored. */
  argv?: string[];
  /** On the `started` record: the plan, the target, the incident id. */
  details?: Record<string, unknown>;
  /** Aborted by Ctrl-C or SIGTERM: a failure then is recorded as `interrupted`. */
  signal?: AbortSignal;
}

/** How an action reports its own outcome when it returns normally (a dry run, a refusal). */
export interface Outcome {
  outcome: AuditOutcome;
  message?: string;
  details?: Record<string, unknown>;
}

function baseEntry(ctx: ActionContext, operation: string, startedAt: string) {
  return {
    operation,
    action: ctx.action,
    by: actor(ctx.by),
    host: hostname(),
    environment: ctx.config.environment ?? null,
    args: (ctx.argv ?? process.argv.slice(2)).map((a) => ctx.redactor.apply(a)),
    version: VERSION,
    startedAt,
  };
}

const redactDetails = (ctx: ActionContext, details?: Record<string, unknown>) => (details ? ctx.redactor.applyDeep(details) : undefined);

/**
 * Runs an action between two audit records: `started` before it (if that cannot be written, the
 * action does not run), and `finished` after it with the outcome — `ok`, what `describe` says, or
 * `failed`/`interrupted` with the error. The error is rethrown.
 */
export async function audited<T>(
  store: Store,
  ctx: ActionContext,
  fn: (operation: string) => Promise<T>,
  describe?: (result: T) => Outcome,
): Promise<T> {
  const operation = randomUUID();
  const base = baseEntry(ctx, operation, new Date().toISOString());
  await store.audit.append({ ...base, phase: 'started', details: redactDetails(ctx, ctx.details) });
  const finish = async (o: Outcome) => {
    try {
      await store.audit.append({
        ...base, phase: 'finished', endedAt: new Date().toISOString(), outcome: o.outcome,
        message: o.message === undefined ? undefined : ctx.redactor.apply(o.message), details: redactDetails(ctx, o.details),
      });
    } catch (e) {
      const ended = `${o.outcome}${o.message ? `: ${ctx.redactor.apply(o.message)}` : ''}`;
      throw new StateError(`${ctx.action} ended (${ended}) but its finished audit record was not written: ${(e as Error).message}`);
    }
  };
  let result: T;
  try {
    result = await fn(operation);
  } catch (e) {
    await finish({ outcome: ctx.signal?.aborted ? 'interrupted' : 'failed', message: (e as Error)?.message ?? String(e) });
    throw e;
  }
  await finish(describe ? describe(result) : { outcome: 'ok' });
  return result;
}

/** A one-shot audit record: an attestation, an acknowledgement, a sign-off. */
export function auditEvent(store: Store, ctx: ActionContext, o: Outcome): Promise<AuditRecord> {
  const now = new Date().toISOString();
  return store.audit.append({
    ...baseEntry(ctx, randomUUID(), now), phase: 'event', endedAt: now, outcome: o.outcome,
    message: o.message === undefined ? undefined : ctx.redactor.apply(o.message), details: redactDetails(ctx, { ...ctx.details, ...o.details }),
  });
}

/** The trail's head for a check report, so CI logs and the run history keep it as a witness; never fails the run. */
export async function auditHeadOf(store: () => Promise<Store>, waitMs = 2000): Promise<NonNullable<RunReport['audit']>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A witness, not the verdict: a state store that does not answer must not hold the report back.
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`the state store did not answer within ${waitMs / 1000} s`)), waitMs); });
  try {
    const head = await Promise.race([store().then((s) => s.audit.head()), late]);
    return head ? { head } : { head: null, error: "the trail's head is missing; run `nvcops audit verify`" };
  } catch (e) {
    return { head: null, error: (e as Error).message.split('\n')[0] };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Keeps a check run's report in the run history; secrets are masked before it is written (`masked`: the report is
 * already the redactor's applyDeep copy, as a run that printed it made it).
 */
export function recordRun(store: Store, report: RunReport, ctx: { redactor: Redactor; by?: string; masked?: boolean }): Promise<HistoryEntry> {
  return store.history.append({
    at: report.startedAt, by: actor(ctx.by), host: hostname(), command: report.command, environment: report.environment,
    status: report.status, exitCode: report.exitCode, report: ctx.masked ? report : ctx.redactor.applyDeep(report),
  });
}
