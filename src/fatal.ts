import { readFileSync, statSync } from 'node:fs';
import { ConfigError, EXIT, StateError, UnavailableError, UsageError } from './engine/errors.js';
import { Redactor } from './engine/redact.js';

/**
 * Learns the secrets of the configuration the command line names, as `prepare()` does: an error
 * that reaches the last resort may quote any of them. A config that does not load (the error may
 * be about it) is still read for what it holds; one that cannot be read holds nothing to leak.
 */
async function learnConfig(redactor: Redactor, opts: { config?: string; env?: string }, environ: NodeJS.ProcessEnv): Promise<void> {
  const { findConfigFile, loadConfig } = await import('./engine/config.js');
  try {
    redactor.learn(await loadConfig({ path: opts.config, env: opts.env, environ }));
    return;
  } catch {
    // read it raw below
  }
  try {
    const path = findConfigFile({ path: opts.config, environ });
    // A FIFO or a directory (refused by loadConfig) is not read: a FIFO would hold the process.
    if (!path || !statSync(path).isFile()) return;
    const { parse } = await import('yaml');
    const text = readFileSync(path, 'utf8');
    redactor.learn(parse(text));
    redactor.learn(parse(text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (m, v: string, d?: string) => environ[v] || d || m)));
  } catch {
    // not YAML (nor JSON): nothing was loaded from it
  }
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
  const say = (msg: string) => stderr.write(redactor.apply(`nvcops: ${msg}\n`));
  if (e instanceof UsageError) { say(e.message); return EXIT.usage; }
  if (e instanceof ConfigError) { say(`invalid configuration: ${e.message}`); return EXIT.config; }
  if (e instanceof StateError) { say(e.message); return EXIT.state; }
  if (e instanceof UnavailableError) { say(e.message); return EXIT.unavailable; }
  const err = e as Error;
  say(`unexpected error: ${err?.message ?? String(e)}${environ.NVCOPS_DEBUG ? `\n${err?.stack}` : ' (NVCOPS_DEBUG=1 shows the stack)'}`);
  return 70;
}
