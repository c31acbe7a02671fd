/**
 * `nvcops <command> --help` ends with one `Example:` line for every command that runs (src/commands/examples.ts),
 * and that example is a command nvcops has, with flags it takes: run with `--help` after it, commander parses
 * its flags and their values (a choice outside the allowed ones exits 1) and shows the very command's usage.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../src/commands/examples.js';
import { nvcops } from './support/cli.js';
import { commandWords } from './support/shell-words.js';

/** The command tree as the installed CLI has it: the completion script's table of every command and its subcommands. */
async function tree(): Promise<Map<string, string[]>> {
  const script = (await nvcops(['completion', 'bash'])).stdout;
  const nodes = [...script.matchAll(/^\s+'([^']*)'\) _nvcops_subs='([^']*)'/gm)].map((m) => [m[1]!, m[2]!.split(' ').filter(Boolean)] as const);
  expect(nodes.length).toBeGreaterThan(50);
  return new Map(nodes);
}

describe('every command\'s --help has an example that parses', () => {
  /** The program's own options (--config, --env, --by), which every command takes. */
  let global: string | undefined;

  it('every leaf command has an example, and every example names a command', async () => {
    const nodes = await tree();
    const leaves = [...nodes].filter(([path, subs]) => path && subs.length === 0).map(([path]) => path);
    expect(leaves.filter((p) => !EXAMPLES[p])).toEqual([]);
    expect(Object.keys(EXAMPLES).filter((p) => !nodes.has(p))).toEqual([]);
  });

  it('the README\'s command table names every command that runs, and only commands that exist', async () => {
    const nodes = await tree();
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('| command | what it does | read more |')).split('\n\n')[0]!;
    const named = table.split('\n').slice(2).flatMap((row) => [...row.split(' | ')[0]!.matchAll(/`nvcops ([^`]+)`/g)].flatMap((m) => {
      const words = m[1]!.split(' ');
      return words.at(-1)!.split('\\|').map((last) => [...words.slice(0, -1), last].join(' '));
    }));
    expect(named.filter((p) => !nodes.has(p))).toEqual([]);
    expect(Object.keys(EXAMPLES).filter((p) => !named.includes(p))).toEqual([]);
  });

  it.each(Object.entries(EXAMPLES))('%s', async (path, example) => {
    const words = commandWords(example);
    expect(words[0]).toBe('nvcops');
    // Indented by two, it fits an 80-column terminal unwrapped, to be copied whole.
    expect(example.length, example).toBeLessThanOrEqual(78);
    expect(words.slice(1, 1 + path.split(' ').length).join(' ')).toBe(path);
    const help = await nvcops([...words.slice(1), '--help']);
    expect(help.exitCode, help.stderr).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^Usage: nvcops ${path} `, 'm'));
    const [options, shown] = help.stdout.split('\nExample:\n');
    expect(shown?.split('\n')[0]).toBe(`  ${example}`);
    global ??= (await nvcops(['--help'])).stdout.split('\nCommands:')[0]!;
    for (const flag of words.filter((w) => w.startsWith('-'))) expect(`${options}\n${global}`, flag).toMatch(new RegExp(`\\s${flag}[ ,<\\n]`));
    expect(shown).toMatch(/\nReference: \S+\/docs\/[a-z-]+\.md\n/);
  });
});
