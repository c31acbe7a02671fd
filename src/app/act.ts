/** Runs an action as a command: prepare, plan, show, confirm, execute under the audit trail. Heavy: imported lazily. */
import { createInterface } from 'node:readline/promises';
import type { ActionAudit, ActionIo, ActionPlan } from '../engine/action.js';
import { PlanRefused, runAction } from '../engine/action.js';
import type { Config } from '../engine/config/index.js';
import type { Target } from '../engine/verdict.js';
import { ConfigError, EXIT, PrivilegeError, TargetError } from '../engine/errors.js';
import { interruptOnSignals } from '../engine/interrupt.js';
import { missingTarget } from '../engine/targets.js';
import type { Redactor } from '../engine/redact.js';
import { Probes } from '../probes/index.js';
import type { ActionContext } from '../state/index.js';

export interface ActionFlags extends GlobalOptions {
  yes?: boolean;
  dryRun?: boolean;
  confirmEnv?: string;
}

export type ActionCommandFlags = ActionFlags & { format: 'human' | 'json' };
import { useColor, write } from '../report/output.js';
import { prepare, type GlobalOptions } from './prepare.js';

export interface PlanContext {
  config: Config;
  redactor: Redactor;
  /** Probes for reading (and `maintenanceSession` for acting); closed when the command ends. */
  probes: Probes;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}

async function terminalIo(flags: ActionCommandFlags, redactor: Redactor): Promise<ActionIo> {
  const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
  let spinner: ActionIo['spinner'];
  // A terminal that reports no width (some pseudo-terminals) would make ora clear lines without end.
  if (flags.format === 'human' && process.stderr.isTTY && (process.stderr.columns ?? 0) > 0) {
    const { default: ora } = await import('ora');
    const line = ora({ stream: process.stderr });
    spinner = { start: (t) => line.start(redactor.apply(t)), update: (t) => { line.text = redactor.apply(t); }, stop: () => line.stop() };
  }
  return {
    out: (t) => write(t, redactor),
    interactive,
    async ask(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
    spinner,
    format: flags.format,
    color: useColor(flags.color),
  };
}

/** Plans with `build`, then shows, confirms, executes and audits; returns the exit code. */
export async function runActionCommand(
  flags: ActionCommandFlags,
  build: (ctx: PlanContext) => Promise<ActionPlan>,
  /** The action's name and the targets it needs configured (a missing one is exit 78, before anything connects). */
  needs: { action: string; targets: Target[] },
): Promise<number> {
  const { config, redactor } = await prepare(flags, 'an action');
  const missing = needs.targets.map((t) => missingTarget(t, config)).find(Boolean);
  if (missing) throw new ConfigError(`${needs.action}: ${missing}`);
  const interrupt = interruptOnSignals();
  const probes = new Probes(config);
  try {
    let plan: ActionPlan;
    try {
      plan = await build({ config, redactor, probes, signal: interrupt.signal });
    } catch (e) {
      if (e instanceof PlanRefused) {
        const { auditEvent } = await import('../state/index.js');
        await auditEvent(await probes.state(), { action: needs.action, config, redactor, by: flags.by }, { outcome: 'refused', message: e.message });
        write(`nvcops: refused: ${e.message}; nothing was done\n`, redactor, process.stderr);
        return EXIT.usage;
      }
      // A target that cannot be read cannot be planned for: nothing was done, exit 3 like a check that could not evaluate.
      if (!(e instanceof TargetError || e instanceof PrivilegeError)) throw e;
      write(`nvcops: nothing was done: ${e.message}\n`, redactor, process.stderr);
      return EXIT.error;
    }
    // The plan's own store if it opened one (history prune), closed with the probes.
    const store = await probes.state();
    const { audited, auditEvent } = await import('../state/index.js');
    const trail: ActionContext = {
      action: plan.action, config, redactor, by: flags.by, signal: interrupt.signal, details: { target: plan.target, steps: plan.steps.map((s) => s.title) },
    };
    const audit: ActionAudit = { event: (o) => auditEvent(store, trail, o), around: (work, describe) => audited(store, trail, work, describe) };
    return await runAction(plan, { config, flags, io: await terminalIo(flags, redactor), audit, signal: interrupt.signal });
  } finally {
    interrupt.release();
    await probes.close();
  }
}
