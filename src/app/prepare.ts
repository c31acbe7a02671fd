/** Loading what every use case starts from: the config, its secrets learnt by the redactor. */
import type { Config } from '../engine/config/index.js';
import { definedEnvironments, loadConfig, loadConfigs } from '../engine/config/index.js';
import { ConfigError, UsageError } from '../engine/errors.js';
import { Redactor } from '../engine/redact.js';

export interface GlobalOptions {
  config?: string;
  env?: string;
  color: boolean;
  /** Who is acting, for the audit trail and run history (default: the OS user). */
  by?: string;
}

/** Is `--env` a fleet (`a,b,c` or `all`) rather than one environment? */
export const namesSeveral = (env: string | undefined): boolean => env !== undefined && (env === 'all' || env.includes(','));

/**
 * Loads the config, learns its secrets, and validates every threshold before anything connects.
 * `who` is what runs in one environment only, said when --env names several.
 */
export async function prepare(opts: GlobalOptions, who = 'this command'): Promise<{ config: Config; redactor: Redactor }> {
  if (namesSeveral(opts.env)) throw new UsageError(`--env: ${who} runs in one environment at a time`);
  const redactor = new Redactor();
  redactor.learnEnvironment(process.env);
  const config = await loadConfig({ path: opts.config, env: opts.env });
  redactor.learn(config);
  return { config, redactor };
}

/**
 * The environments `--env a,b,c` or `--env all` names, in the order given (all: as the config file
 * defines them); undefined when it names one (or none). Refuses an empty name, a name given twice, names
 * the file does not define (saying which it does), and `all` when it defines none.
 */
export function fleetOf(opts: GlobalOptions): string[] | undefined {
  const env = opts.env;
  if (env === undefined || !namesSeveral(env)) return undefined;
  const { names: defined, source } = definedEnvironments({ path: opts.config });
  if (env === 'all') {
    if (!defined.length) throw new UsageError(`--env all: ${source ?? 'no config file'} defines no environments (environments: in the config file)`);
    return defined;
  }
  const names = env.split(',').map((n) => n.trim());
  if (names.some((n) => !n)) throw new UsageError(`--env: an empty name in "${env}"; use names separated by single commas, such as production,staging`);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new UsageError(`--env: "${twice}" is named twice`);
  const unknown = names.filter((n) => !defined.includes(n));
  if (unknown.length) throw new UsageError(`--env: no environment ${unknown.map((n) => `"${n}"`).join(', ')} in ${source ?? 'the config (no config file found)'}; defined: ${defined.join(', ') || 'none'}`);
  return names;
}

/** A fleet's configs, each loaded as `--env NAME` would load it, and one redactor that knows every one's secrets. */
export async function prepareFleet(opts: GlobalOptions, names: string[]): Promise<{ configs: Config[]; redactor: Redactor }> {
  const redactor = new Redactor();
  redactor.learnEnvironment(process.env);
  const configs = await loadConfigs({ path: opts.config }, names);
  for (const config of configs) redactor.learn(config);
  return { configs, redactor };
}

/**
 * What reads the state store (`history`, `runbook today`): with --env a,b,c or all, the store the
 * named environments share (`state:`), loaded as the first one's; `environments` is then their names.
 * Environments that keep their runs in different stores cannot be read as one: exit 78 naming two.
 */
export async function prepareReading(opts: GlobalOptions): Promise<{ config: Config; redactor: Redactor; environments?: string[] }> {
  const names = fleetOf(opts);
  if (!names) return prepare(opts);
  const { configs, redactor } = await prepareFleet(opts, names);
  const where = (c: Config) => JSON.stringify(c.state ?? {});
  const other = configs.find((c) => where(c) !== where(configs[0]!));
  if (other) throw new ConfigError(`state: environments ${configs[0]!.environment} and ${other.environment} keep their runs in different state stores; --env ${opts.env} reads one store that they share (state.url)`);
  return { config: configs[0]!, redactor, environments: names };
}
