import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { CLI, nvcops, writeConfig } from './support/cli.js';
import { FORMATS } from '../src/report/formats.js';
import { checks } from '../src/checks/index.js';

/** A directory whose `nvcops` runs the built CLI: the scripts call back into nvcops by name, as installed. */
const bin = mkdtempSync(join(tmpdir(), 'nvcops-bin-'));
writeFileSync(join(bin, 'nvcops'), `#!/bin/sh\nexec node ${CLI} "$@"\n`);
chmodSync(join(bin, 'nvcops'), 0o755);
const environ = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PG|NVCOPS_|AWS_)/.test(k))),
  PATH: `${bin}:${process.env.PATH}`,
  XDG_CONFIG_HOME: '/nonexistent',
};

const quote = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`;

/** What bash offers for the last word of `nvcops …words` (the cursor at its end), the script sourced in a real bash. */
async function complete(words: string[], cwd = mkdtempSync(join(tmpdir(), 'nvcops-cwd-'))): Promise<string[]> {
  const line = ['nvcops', ...words];
  const script = `source <(nvcops completion bash)
COMP_WORDS=(${line.map(quote).join(' ')}); COMP_CWORD=${line.length - 1}
_nvcops
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = await execa('bash', ['-c', script], { cwd, env: environ, extendEnv: false, reject: false });
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
}

const installed = async (shell: string) => (await execa('sh', ['-c', `command -v ${shell}`], { reject: false })).exitCode === 0;

/** What fish offers for `nvcops …words` (the cursor at the end), asked with `complete -C` in a real fish. */
async function completeFish(words: string[], cwd = mkdtempSync(join(tmpdir(), 'nvcops-cwd-'))): Promise<string[]> {
  const line = ['nvcops', ...words].join(' ');
  const r = await execa('fish', ['--no-config', '-c', `nvcops completion fish | source; complete -C ${quote(line)}`], { cwd, env: environ, extendEnv: false, reject: false });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]!).sort();
}

/**
 * What the zsh script hands to compadd for `nvcops …words`, run in a real zsh: compadd (a builtin
 * of zsh's completion system, which needs a terminal) prints its words instead; zsh itself would keep those matching the prefix.
 */
async function completeZsh(words: string[], cwd = mkdtempSync(join(tmpdir(), 'nvcops-cwd-'))): Promise<string[]> {
  const line = ['nvcops', ...words];
  const script = `compdef() { :; }; compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }
source <(nvcops completion zsh)
words=(${line.map(quote).join(' ')}); CURRENT=${line.length}
_nvcops`;
  const r = await execa('zsh', ['-f', '-c', script], { cwd, env: environ, extendEnv: false, reject: false });
  expect(r.stderr).toBe('');
  const prefix = words.at(-1)!;
  return r.stdout.split('\n').filter((w) => w && w.startsWith(prefix)).sort();
}

/** The top-level commands as `nvcops --help` lists them. */
async function topLevel(): Promise<string[]> {
  const help = (await nvcops(['--help'])).stdout;
  const section = help.split(/^Commands:$/m)[1]!.split(/^\S/m)[0]!;
  return [...section.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]!);
}

const config = {
  environment: 'dev',
  postgres: { url: 'postgres://ops:s3cret-pw@db.example:5432/bank' },
  environments: { staging: { postgres: { url: 'postgres://ops:st4ging-pw@db.staging:5432/bank' } }, production: {} },
};

describe('shell completion', () => {
  it('bash: the top-level commands, as --help lists them', async () => {
    const commands = await topLevel();
    expect(commands).toEqual(expect.arrayContaining(['health', 'history', 'completion']));
    expect(await complete([''])).toEqual([...commands].sort());
  });

  it('bash: subcommands and flags of a command', async () => {
    expect(await complete(['health', 'd'])).toEqual(['daily', 'db']);
    const flags = await complete(['health', 'daily', '--f']);
    expect(flags).toEqual(expect.arrayContaining(['--format', '--fail-on']));
    expect(flags.every((f) => f.startsWith('--f'))).toBe(true);
    // Words after a flag's value still name the command: --env staging is not a command word.
    expect(await complete(['--env', 'staging', 'health', 'se'])).toEqual(['security']);
  });

  it('bash: the choices of --format are FORMATS, and a command narrowing them narrows the completion', async () => {
    expect(await complete(['health', 'daily', '--format', ''])).toEqual([...FORMATS].sort());
    expect(await complete(['health', 'daily', '-f', 'j'])).toEqual(FORMATS.filter((f) => f.startsWith('j')).sort());
    expect(await complete(['health', 'security', 'ack', '--format', ''])).toEqual(['human', 'json']);
  });

  it('bash: --env completes the environments of the config file found the usual way, or named by --config', async () => {
    const path = writeConfig(config);
    expect(await complete(['health', 'daily', '--env', ''], dirname(path))).toEqual(['dev', 'production', 'staging']);
    expect(await complete(['-e', 'st'], dirname(path))).toEqual(['staging']);
    // --config on the line is the file read, wherever the shell is.
    expect(await complete(['--config', path, 'health', 'db', '--env', 'p'])).toEqual(['production']);
    // No config file: nothing to offer, and nothing said.
    expect(await complete(['health', 'daily', '--env', ''])).toEqual([]);
  });

  it('bash: --check completes check ids from the registry', async () => {
    const ids = checks.map((c) => c.id).filter((id) => id.startsWith('postgres.')).sort();
    expect(ids.length).toBeGreaterThan(3);
    expect(await complete(['history', '--check', 'postgres.'])).toEqual(ids);
  });

  it('bash: the positional choices of a command (completion <shell>)', async () => {
    expect(await complete(['completion', ''])).toEqual(['bash', 'fish', 'zsh']);
  });

  it('--list envs prints names only: no secret, no connection, from the file as written', async () => {
    const path = writeConfig(config);
    const r = await nvcops(['--config', path, 'completion', '--list', 'envs']);
    expect(r).toMatchObject({ exitCode: 0, stdout: 'dev\nstaging\nproduction', stderr: '' });
    const broken = writeConfig('environments: [unclosed');
    expect(await nvcops(['--config', broken, 'completion', '--list', 'envs'])).toMatchObject({ exitCode: 0, stdout: '' });
    const r2 = await nvcops(['completion', '--list', 'checks']);
    expect(r2.stdout.split('\n')).toEqual(checks.map((c) => c.id));
  });

  it('an unknown shell, or none, is a usage error naming the shells (exit 64, one line)', async () => {
    const r = await nvcops(['completion', 'tcsh']);
    expect(r.exitCode).toBe(64);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/Allowed choices are bash, zsh, fish/);
    const none = await nvcops(['completion']);
    expect(none.exitCode).toBe(64);
    expect(none.stderr).toMatch(/^nvcops: completion: name the shell: bash, zsh, fish$/);
  });

  it.each([
    ['zsh', ['-n']],
    ['fish', ['--no-execute']],
  ])('%s: the script holds every top-level command, and parses', async (shell, check) => {
    const r = await nvcops(['completion', shell]);
    expect(r.exitCode).toBe(0);
    for (const command of await topLevel()) expect(r.stdout).toMatch(new RegExp(`[ ']${command}[ ']`));
    if (!(await installed(shell))) return;
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-completion-'));
    writeFileSync(join(dir, `nvcops.${shell}`), r.stdout);
    const parsed = await execa(shell, [...check, join(dir, `nvcops.${shell}`)], { reject: false });
    expect(parsed.stderr).toBe('');
    expect(parsed.exitCode).toBe(0);
  });

  it.each([
    ['zsh', completeZsh],
    ['fish', completeFish],
  ])('%s: commands, flags, --format choices, --env names and check ids in a real shell', async (shell, ask) => {
    if (!(await installed(shell))) return;
    expect(await ask(['health', 'd'])).toEqual(['daily', 'db']);
    expect(await ask(['health', 'daily', '--f'])).toEqual(expect.arrayContaining(['--format', '--fail-on']));
    expect(await ask(['health', 'daily', '--format', ''])).toEqual([...FORMATS].sort());
    const path = writeConfig(config);
    expect(await ask(['health', 'daily', '--env', ''], dirname(path))).toEqual(['dev', 'production', 'staging']);
    expect(await ask(['--config', path, 'health', 'db', '--env', 'p'])).toEqual(['production']);
    expect(await ask(['history', '--check', 'postgres.'])).toEqual(checks.map((c) => c.id).filter((id) => id.startsWith('postgres.')).sort());
  });
});
