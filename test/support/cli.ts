/** Runs the built CLI (dist/) the way a person or CI does: a real process, real exit code. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { stringify } from 'yaml';

export const CLI = new URL('../../bin/nvcops.js', import.meta.url).pathname;

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function nvcops(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  // The machine's own PG*, NVCOPS_* and AWS_* variables must not steer a test at its own servers.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PG|NVCOPS_|AWS_)/.test(k)));
  const r = await execa('node', [CLI, ...args], {
    reject: false,
    cwd: opts.cwd ?? mkdtempSync(join(tmpdir(), 'nvcops-cwd-')),
    env: { ...base, NO_COLOR: '1', XDG_CONFIG_HOME: '/nonexistent', XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'nvcops-state-')), ...opts.env },
    extendEnv: false,
    timeout: opts.timeoutMs ?? 60_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI as a real process left running (to signal it) in its own state directory, with only the test's environment (no PG*, NVCOPS_*, AWS_*). */
export function startNvcops(args: string[], state: string): ResultPromise<{ reject: false }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PG|NVCOPS_|AWS_)/.test(k)));
  return execa('node', [CLI, ...args], { reject: false, extendEnv: false, env: { ...env, NO_COLOR: '1', XDG_STATE_HOME: state } }) as ResultPromise<{ reject: false }>;
}

/** Writes a config file and returns its path. */
export function writeConfig(config: unknown, name = 'nvcops.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'nvcops-config-'));
  const path = join(dir, name);
  writeFileSync(path, name.endsWith('.json') ? JSON.stringify(config) : stringify(config));
  return path;
}
