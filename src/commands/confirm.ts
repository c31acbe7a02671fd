import { isProtected, type Config } from '../engine/config.js';
import { UsageError } from '../engine/errors.js';
import type { ActionFlags } from './options.js';

/**
 * May a planned action go ahead? The plan has been shown already. `--dry-run`: no. A protected
 * environment needs `--confirm-env <its name>` whatever else is given. Then `--yes`, or on a
 * terminal the person types `word`; anything else is refused with a usage error (exit 64).
 */
export async function confirmAction(config: Config, flags: ActionFlags, what: string, word: string): Promise<boolean> {
  if (flags.dryRun) return false;
  if (isProtected(config)) {
    const name = config.environment ?? 'production';
    if (flags.confirmEnv !== name) {
      throw new UsageError(`${what}: ${name} is a protected environment; nothing was changed. Add --confirm-env ${name} to go ahead`);
    }
  }
  if (flags.yes) return true;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new UsageError(`${what}: nothing was changed; add --yes to go ahead (or --dry-run to only see the plan)`);
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`Type "${word}" to go ahead: `);
    if (answer.trim() !== word) throw new UsageError(`${what}: not confirmed; nothing was changed`);
    return true;
  } finally {
    rl.close();
  }
}
