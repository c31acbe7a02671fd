import { ConfigError, EXIT, RunInProgress, StateError, TargetError, UnavailableError, UsageError } from './engine/errors.js';
import { printable } from './engine/printable.js';
import { Redactor } from './engine/redact.js';

/**
 * Learns the secrets of the configuration the command line names, as `prepare()` does: an error
 * that reaches the last resort may quote any of them. A config that does not load (the error may
 * be about it) is still read for what it holds; one that cannot be read holds nothing to leak.
 */
async function learnConfig(redactor: Redactor, opts: { config?: string; env?: string }, environ: NodeJS.ProcessEnv): Promise<void> {
  const { configValues, loadConfig } = await import('./engine/config/index.js');
  try {
    redactor.learn(await loadConfig({ path: opts.config, env: opts.env, environ }));
  } catch {
    try {
      for (const values of configValues({ path: opts.config, environ })) redactor.learn(values);
    } catch {
      // The last resort must itself never fail: the message is still masked by the patterns for URLs and key=value.
    }
  }
}

/** An error nvcops did not expect is a bug in it: one line, where to report it, exit 70. */
export function internalError(e: unknown): string {
  const message = String((e instanceof Error ? e.message : e) ?? 'unknown').split('\n')[0]!.slice(0, 500);
  return `internal error: ${message} — a bug in nvcops: report it to its maintainers with the command line and this message`;
}

/** The one place that turns errors into messages and exit codes; `opts` are the global options (--config, --env). */
export async function fatal(
  e: unknown,
  opts: { config?: string; env?: string } = {},
  stderr: { write(text: string): unknown } = process.stderr,
  environ: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const redactor = new Redactor();
  redactor.learnEnvironment(environ);
  await learnConfig(redactor, opts, environ);
  // Messages quote servers and input: one line, controls shown; only the debug stack has lines of its own.
  const say = (msg: string, stack = '') => stderr.write(redactor.apply(`nvcops: ${printable(msg)}${stack}\n`));
  if (e instanceof UsageError) { say(e.message); return EXIT.usage; }
  if (e instanceof ConfigError) { say(`invalid configuration: ${e.message}`); return EXIT.config; }
  if (e instanceof StateError) { say(e.message); return EXIT.state; }
  if (e instanceof RunInProgress) { say(e.message); return EXIT.tempfail; }
  // A target a command (not a check) needs could not be read: backup list of a repository not mounted.
  if (e instanceof UnavailableError || e instanceof TargetError) { say(e.message); return EXIT.unavailable; }
  say(internalError(e), e instanceof Error ? (environ.NVCOPS_DEBUG ? `\n${e.stack}` : ' (NVCOPS_DEBUG=1 shows the stack)') : '');
  return EXIT.internal;
}
