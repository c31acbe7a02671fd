/**
 * Actions: the commands that change something (maintenance, restore, failover).
 *
 *   plan → show → [--dry-run stops here] → a protected environment needs --confirm-env <name>
 *   → --yes, or "yes" typed on a terminal → audit `started` → steps with progress
 *   → audit `finished` (each step's outcome) → exit code 0 done, 2 a step failed, 64 refused, 130 interrupted (143 by SIGTERM).
 *   A plan with no steps is audited as one event: outcome ok (or dry-run), "nothing to do".
 *
 * A command builds an `ActionPlan` (reading only) and hands it over; from a command module that is
 * `runActionCommand(flags, (ctx) => plan, { action, targets })` in src/app/act.ts, which also
 * opens the probes and the audit store and turns an unreachable target into exit 3. A plan is data
 * a person can read before anything happens; each step does one thing and says what it did. A
 * re-run after an interruption plans again from what it finds, so steps must be idempotent or
 * their plan must notice work already done. Dry runs and refusals are audited as events.
 */
import { Chalk } from 'chalk';
import { isProtected, type Config } from './config/index.js';
import { EXIT, UsageError } from './errors.js';
import { interruptedExitCode } from './interrupt.js';
import { printable, printableDeep } from './printable.js';
import { formatValue } from './units.js';
import { OUTPUT_SCHEMA_VERSION } from './output-version.js';

export interface StepContext {
  /** Aborted on Ctrl-C or SIGTERM: stop (or cancel the server-side work) and throw. */
  signal: AbortSignal;
  /** Updates the live progress line ("scanning heap 40%"). */
  progress(text: string): void;
}

export interface ActionStep {
  /** What the step does, in one line: `VACUUM (ANALYZE) public.accounts`. */
  title: string;
  /** Lines shown under the step in the plan: why it was chosen, sizes, counts. */
  details?: string[];
  /**
   * Does the work; returns what it did in one line (and, for the JSON output and the audit record,
   * what it measured). A thrown error fails this step; later steps still run unless the plan says
   * `stopOnFailure`.
   */
  run(ctx: StepContext): Promise<string | void | { message: string; data: Record<string, unknown> }>;
}

export interface ActionPlan {
  /** The command: `maintain db`. */
  action: string;
  /** What it acts on, without credentials: `PostgreSQL 127.0.0.1:5432/bank`. */
  target: string;
  /** What was found, shown above the steps (including what was found but is not planned, and why). */
  summary: string[];
  /** What the person must know before saying yes (locks taken, data removed). */
  warnings: string[];
  steps: ActionStep[];
  /** Each step needs the ones before it (a restore's rename needs its verification): after a failure the rest are not run. */
  stopOnFailure?: boolean;
  /** Destructive anywhere (a cache flush): --confirm-env is needed even where the environment is not protected. */
  confirmEnvAlways?: boolean;
  /** Why, when it is not that data is removed (a replica promoted, a live database replaced). */
  confirmEnvReason?: string;
}

/** A step that did its work and found it wanting (row counts differ, an objective missed): the failure keeps what it measured. */
export class StepFailure extends Error {
  constructor(message: string, readonly data: Record<string, unknown>) {
    super(message);
  }
}

/**
 * Planning found that acting would hit the wrong thing (a pid file naming nvcops' own shell):
 * nothing is done, the refusal is audited as an event, exit 64 like every refusal.
 */
export class PlanRefused extends UsageError {
  override name = 'PlanRefused';
}

export interface ConfirmFlags {
  yes?: boolean;
  dryRun?: boolean;
  confirmEnv?: string;
}

export type StepStatus = 'done' | 'failed' | 'not run';
export interface StepOutcome {
  title: string;
  status: StepStatus;
  message: string;
  durationMs: number;
  /** What the step measured (a restore's row counts, a drill's RTO). */
  data?: Record<string, unknown>;
}

export type ActionStatus = 'planned' | 'nothing to do' | 'refused' | 'done' | 'failed' | 'interrupted';

export interface ActionIo {
  /** Standard output (already redacted by the caller's writer). */
  out(text: string): void;
  /** True when a person is at a terminal who can type a confirmation. */
  interactive: boolean;
  /** Reads one answer from the person (only called when interactive). */
  ask(question: string): Promise<string>;
  /** A live progress line on a terminal, if there is one. */
  spinner?: { start(text: string): void; update(text: string): void; stop(): void };
  format: 'human' | 'json';
  color: boolean;
}

export interface ActionResult {
  action: string;
  target: string;
  environment: string | null;
  status: ActionStatus;
  exitCode: number;
  summary: string[];
  warnings: string[];
  plan: { title: string; details: string[] }[];
  outcomes: StepOutcome[];
  /** Why nothing was done, when refused. */
  reason?: string;
}

/** Refused actions exit 64: a missing --yes or --confirm-env is a usage matter, and nothing was done. */
const REFUSED = EXIT.usage;

/** Why the action may not go ahead without more from the person, or undefined when it may. */
export function guard(config: Config, flags: ConfirmFlags, always = false, why = 'this removes data in any environment'): string | undefined {
  const env = config.environment;
  if (always && flags.confirmEnv === undefined) {
    return `${why}: add --confirm-env ${env ?? 'unnamed'} (and --yes) to go ahead; nothing was done`;
  }
  if (flags.confirmEnv !== undefined && flags.confirmEnv !== (env ?? 'unnamed')) {
    return `--confirm-env ${flags.confirmEnv} does not match this environment (${env ?? 'unnamed'}); nothing was done`;
  }
  if (isProtected(config) && flags.confirmEnv === undefined) {
    return `${env ?? 'this environment'} is protected: add --confirm-env ${env ?? '<name>'} (and --yes) to act on it; nothing was done`;
  }
  return undefined;
}

/** How an action ended, as its audit record says it. */
export interface ActionOutcome {
  outcome: 'ok' | 'failed' | 'interrupted' | 'dry-run' | 'refused';
  message?: string;
  details?: Record<string, unknown>;
}

/** The audit trail an action writes to (src/app/act.ts binds the state store's to it), so the engine imports nothing from state/. */
export interface ActionAudit {
  /** One record for what ran nothing: nothing to do, a dry run, a refusal. */
  event(outcome: ActionOutcome): Promise<unknown>;
  /** `started` before `work`, refusing to run it when that cannot be written; `finished` with `describe`'s outcome after. */
  around<T>(work: () => Promise<T>, describe: (result: T) => ActionOutcome): Promise<T>;
}

/** Shows the plan, asks, and runs it; returns the exit code. */
export async function runAction(
  plan: ActionPlan,
  opts: {
    config: Config;
    flags: ConfirmFlags;
    io: ActionIo;
    /** Where the audit records go, for this plan. */
    audit: ActionAudit;
    signal?: AbortSignal;
  },
): Promise<number> {
  const { config, flags, io } = opts;
  const result: ActionResult = {
    action: plan.action,
    target: plan.target,
    environment: config.environment ?? null,
    status: 'planned',
    exitCode: EXIT.ok,
    summary: plan.summary,
    warnings: plan.warnings,
    plan: plan.steps.map((s) => ({ title: s.title, details: s.details ?? [] })),
    outcomes: [],
  };
  const human = io.format === 'human';
  const finish = (r: ActionResult) => {
    if (human) io.out(renderClosing(r, io.color));
    else io.out(`${JSON.stringify({ schemaVersion: OUTPUT_SCHEMA_VERSION, ...r }, null, 2)}\n`);
    return r.exitCode;
  };
  if (human) io.out(renderPlan(result, io.color));

  const signal = opts.signal ?? new AbortController().signal;
  const { audit } = opts;
  // Looking and finding nothing to do is a run too (runbook today counts the weekly maintenance by it).
  if (plan.steps.length === 0) {
    await audit.event({ outcome: flags.dryRun ? 'dry-run' : 'ok', message: 'nothing to do', details: { summary: plan.summary } });
    return finish({ ...result, status: 'nothing to do' });
  }
  if (flags.dryRun) {
    await audit.event({ outcome: 'dry-run' });
    return finish(result);
  }
  const refusal = guard(config, flags, plan.confirmEnvAlways, plan.confirmEnvReason) ?? (await confirmation(flags, io));
  if (refusal) {
    await audit.event({ outcome: 'refused', message: refusal });
    return finish({ ...result, status: 'refused', exitCode: REFUSED, reason: refusal });
  }
  // The `started` record is written before the first step; if it cannot be, nothing runs.
  await audit.around(() => runSteps(plan, result, io, signal), () => ({
    outcome: result.status === 'done' ? 'ok' : result.status === 'interrupted' ? 'interrupted' : 'failed',
    details: { outcomes: result.outcomes },
  }));
  return finish(result);
}

async function runSteps(plan: ActionPlan, result: ActionResult, io: ActionIo, signal: AbortSignal): Promise<void> {
  const human = io.format === 'human';
  for (const [i, step] of plan.steps.entries()) {
    const label = `${i + 1}/${plan.steps.length} ${step.title}`;
    if (signal.aborted) {
      result.outcomes.push({ title: step.title, status: 'not run', message: 'interrupted before it started', durationMs: 0 });
      continue;
    }
    if (plan.stopOnFailure && result.outcomes.some((o) => o.status === 'failed')) {
      const outcome: StepOutcome = { title: step.title, status: 'not run', message: 'not run: an earlier step failed', durationMs: 0 };
      result.outcomes.push(outcome);
      if (human) io.out(renderOutcome(i, outcome, io.color));
      continue;
    }
    io.spinner?.start(label);
    const t0 = performance.now();
    let outcome: StepOutcome;
    try {
      const said = await step.run({ signal, progress: (text) => io.spinner?.update(`${label} — ${text}`) });
      const { message, data } = typeof said === 'object' ? said : { message: said, data: undefined };
      outcome = { title: step.title, status: 'done', message: message || 'done', durationMs: Math.round(performance.now() - t0), ...(data && { data }) };
    } catch (e) {
      const data = e instanceof StepFailure ? e.data : undefined;
      outcome = { title: step.title, status: 'failed', message: (e as Error).message ?? String(e), durationMs: Math.round(performance.now() - t0), ...(data && { data }) };
    }
    io.spinner?.stop();
    result.outcomes.push(outcome);
    if (human) io.out(renderOutcome(i, outcome, io.color));
  }
  const failed = result.outcomes.some((o) => o.status === 'failed');
  result.status = signal.aborted ? 'interrupted' : failed ? 'failed' : 'done';
  result.exitCode = signal.aborted ? interruptedExitCode(signal) : failed ? EXIT.fail : EXIT.ok;
}

/** --yes, or "yes" typed at a terminal; otherwise the reason nothing was done. */
async function confirmation(flags: ConfirmFlags, io: ActionIo): Promise<string | undefined> {
  if (flags.yes) return undefined;
  if (!io.interactive) return 'not confirmed: add --yes to act (or --dry-run to only show the plan); nothing was done';
  const answer = await io.ask('Type "yes" to go ahead: ');
  return answer.trim().toLowerCase() === 'yes' ? undefined : 'not confirmed at the prompt; nothing was done';
}

// Plans and outcomes quote the servers (table names, error text): shown, never acted on by the terminal.
function renderPlan(shown: ActionResult, color: boolean): string {
  const r = printableDeep(shown);
  const c = new Chalk({ level: color ? 1 : 0 });
  const out = [c.bold(`nvcops ${r.action}`) + c.gray(` · ${r.environment ?? 'no environment named'}`), `target: ${r.target}`];
  for (const line of r.summary) out.push(`  ${line}`);
  for (const w of r.warnings) out.push(c.yellow(`  ▲ ${w}`));
  out.push('', r.plan.length ? c.bold(`Plan (${r.plan.length} step${r.plan.length === 1 ? '' : 's'}):`) : c.bold('Plan: nothing to do.'));
  for (const [i, s] of r.plan.entries()) {
    out.push(`  ${i + 1}. ${s.title}`);
    for (const d of s.details) out.push(c.gray(`       ${d}`));
  }
  return `${out.join('\n')}\n`;
}

const MARK: Record<StepStatus, string> = { done: '✔', failed: '✖', 'not run': '–' };

function renderOutcome(i: number, o: StepOutcome, color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const paint = o.status === 'done' ? c.green : o.status === 'failed' ? c.red : c.gray;
  return `  ${paint(MARK[o.status])} ${i + 1}. ${printable(o.title)} — ${printable(o.message)} ${c.gray(`(${formatValue(o.durationMs, 'ms')})`)}\n`;
}

function renderClosing(r: ActionResult, color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  switch (r.status) {
    case 'planned':
      return `\n${c.cyan('dry run: nothing was done.')}\n`;
    case 'nothing to do':
      return `\nnothing to do · exit ${r.exitCode}\n`;
    case 'refused':
      return `\n${c.red(`refused: ${printable(r.reason ?? '')}`)} · exit ${r.exitCode}\n`;
    default: {
      const count = (s: StepStatus) => r.outcomes.filter((o) => o.status === s).length;
      const paint = r.status === 'done' ? c.green : c.red;
      return `\n${paint(r.status.toUpperCase())} — ${count('done')} done, ${count('failed')} failed, ${count('not run')} not run of ${r.outcomes.length} steps · exit ${r.exitCode}\n`;
    }
  }
}
