/** Loading what every use case starts from: the config, its secrets learnt by the redactor. */
import type { Config } from '../engine/config/index.js';
import { loadConfig } from '../engine/config/index.js';
import { Redactor } from '../engine/redact.js';

export interface GlobalOptions {
  config?: string;
  env?: string;
  color: boolean;
  /** Who is acting, for the audit trail and run history (default: the OS user). */
  by?: string;
}

/** Loads the config, learns its secrets, and validates every threshold before anything connects. */
export async function prepare(opts: GlobalOptions): Promise<{ config: Config; redactor: Redactor }> {
  const redactor = new Redactor();
  redactor.learnEnvironment(process.env);
  const config = await loadConfig({ path: opts.config, env: opts.env });
  redactor.learn(config);
  return { config, redactor };
}
