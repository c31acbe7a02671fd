/** Writing what a command shows: stdout/stderr through the redactor, files whole, YAML. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { UsageError } from '../engine/errors.js';
import type { Redactor } from '../engine/redact.js';
import { DEFAULT_WIDTH } from './human.js';

/** The resolved config as YAML for `config check`. */
export const toYaml = (value: unknown): string => stringify(value);

export function write(text: string, redactor: Redactor, stream: NodeJS.WriteStream = process.stdout): void {
  stream.write(redactor.apply(text));
}

/**
 * Writes a file whole: a temporary file beside it (same directory, so the rename is atomic; a random
 * name created exclusively, so nothing else's file is overwritten), then a rename; on failure the
 * temporary file is removed. The directory must exist: --report makes it before the run (options.ts).
 */
export function writeReportFile(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text, { flag: 'wx' });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Writes an --output file (checked when the flags were read) whole, its missing directories made first. */
export function writeOutputFile(path: string, text: string): void {
  makeDirectories(dirname(resolve(path)), `--output: cannot create directory %s for ${path}`);
  writeReportFile(path, text);
}

/**
 * Whether the human output is coloured. `--no-color` and NO_COLOR (set and not empty, no-color.org) always
 * win; then FORCE_COLOR (force-color.org, as Node and chalk read it): set and not empty, it colours even
 * output that is not a terminal (CI logs), except `0` and `false`, which turn colour off; else colour only
 * on a terminal.
 */
export function useColor(flag: boolean, env: NodeJS.ProcessEnv = process.env, stdout: NodeJS.WriteStream = process.stdout): boolean {
  if (!flag || env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  return stdout.isTTY === true;
}

/**
 * The columns of the screen: COLUMNS when it is set to a number (a wrapper or CI that says its width), else
 * the terminal's own, else 80 (a pipe or file: what a terminal opens at).
 */
export function screenWidth(env: NodeJS.ProcessEnv = process.env, stdout: NodeJS.WriteStream = process.stdout): number {
  const columns = /^\d{1,4}$/.test(env.COLUMNS ?? '') ? Number(env.COLUMNS) : 0;
  if (columns > 0) return columns;
  return stdout.isTTY && stdout.columns > 0 ? stdout.columns : DEFAULT_WIDTH;
}

/**
 * Makes the missing directories of the --report paths, one level at a time, before the run: Node's
 * recursive mkdir never returns where a parent exists but refuses children (/proc/1/nope/x.json).
 */
export function makeReportDirectories(reports: { path: string }[] = []): void {
  for (const r of reports) makeDirectories(dirname(resolve(r.path)), `--report: cannot create directory %s for ${r.path}`);
}

/** Makes `target` and its missing parents one level at a time; `refusal` (with %s for the directory) is the UsageError when one cannot be made. */
export function makeDirectories(target: string, refusal: string): void {
  const missing: string[] = [];
  for (let dir = target; !existsSync(dir); dir = dirname(dir)) missing.unshift(dir);
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new UsageError(`${refusal.replace('%s', dir)} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (!statSync(target).isDirectory()) throw new UsageError(`${refusal.replace('%s', target)} (a file of that name is in the way)`);
}
