/**
 * `nvcops <command> --help` ends with one `Example:` line for every command that runs (src/commands/examples.ts),
 * and that example is a command nvcops has, with flags it takes: run with `--help` after it, commander parses
 * its flags and their values (a choice outside the allowed ones exits 1) and shows the very command's usage.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../src/commands/examples.js';
import { nvcops } from './support/cli.js';
import { commandWords } from './support/shell-words.js';

/** The command tree as the installed CLI has it: the completion script's table of every command and its subcommands. */
let built: Promise<Map<string, string[]>> | undefined;
const tree = (): Promise<Map<string, string[]>> => (built ??= readTree());
async function readTree(): Promise<Map<string, string[]>> {
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

  // Each a process of its own, a few at a time (vitest's maxConcurrency); `expect` is the test's own.
  it.concurrent.for(Object.entries(EXAMPLES))('%s', async ([path, example], { expect }) => {
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
    // The group's page, at the command's own heading when it has one.
    const reference = /\nReference: (\S+\/docs\/[a-z-]+\.md)(#[a-z-]+)?\n/.exec(shown!);
    expect(reference, shown).not.toBeNull();
    if (reference![2]) expect(readFileSync(reference![1]!, 'utf8')).toMatch(new RegExp(`^#{2,3} ${path}$`, 'm'));
  });
});

describe('every nvcops command named in the prose of README.md and docs/ is one nvcops has, with flags it takes', () => {
  const ROOT = new URL('..', import.meta.url).pathname;
  const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  /** `nvcops …` in inline code, outside fenced blocks (test/docs.test.ts runs those). */
  const spans = pages.flatMap((page) => {
    const prose = readFileSync(join(ROOT, page), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    return [...prose.matchAll(/`(nvcops [^`]+)`/g)].map((m) => ({ page, text: m[1]!.replace(/\\\|/g, '|') }));
  });
  /** Inline text that starts with `nvcops ` but is not a command line. */
  const NOT_COMMANDS: Record<string, string> = {
    'nvcops maintenance': 'the application_name of maintenance sessions (docs/security.md)',
    'nvcops audit head SEQ:HASH at … trail …': 'the line an anchor sends to syslog (docs/state-and-audit.md)',
  };
  /** Flags a command takes without listing them in --help. */
  const HIDDEN = new Set(['completion --list']);
  const helps = new Map<string, Promise<string>>();
  const helpOf = (path: string) => {
    if (!helps.has(path)) helps.set(path, nvcops([...path.split(' ').filter(Boolean), '--help']).then((r) => r.stdout.split('\nExample:\n')[0]!));
    return helps.get(path)!;
  };

  it('finds them', () => {
    expect(spans.length).toBeGreaterThan(100);
  });

  it('every text listed as not a command is still in the docs', () => {
    expect(Object.keys(NOT_COMMANDS).filter((t) => !spans.some((s) => s.text === t))).toEqual([]);
  });

  it.concurrent.for([...new Set(spans.map((s) => s.text))].filter((t) => !NOT_COMMANDS[t]))('%s', async (text, { expect }) => {
    const nodes = await tree();
    const words = text.split(/\s+/).slice(1);
    // The command: the longest run of leading words that is a command (`db|app` names the first of the choices).
    const path: string[] = [];
    for (const w of words) {
      const word = w.split('|')[0]!;
      if (!nodes.has([...path, word].join(' '))) break;
      path.push(word);
    }
    const rest = words.slice(path.length);
    // What follows a command is its arguments, flags and placeholders; a lower-case word right after
    // a group (not a leaf) is a subcommand that does not exist.
    const node = nodes.get(path.join(' '));
    expect(node, `"${path.join(' ')}" is not a command`).toBeDefined();
    if (node!.length && rest[0] && /^[a-z][a-z-]*$/.test(rest[0]) && !rest[0].includes('|')) expect.fail(`nvcops ${path.join(' ')} has no subcommand ${rest[0]}`);
    const help = `${await helpOf(path.join(' '))}\n${await helpOf('')}`;
    for (const flag of rest.flatMap((w) => [...w.matchAll(/(?:^|[[|(])(--[a-z][a-z0-9-]*)/g)].map((m) => m[1]!))) {
      if (HIDDEN.has(`${path.join(' ')} ${flag}`)) continue;
      expect(help, `nvcops ${path.join(' ')} ${flag}`).toMatch(new RegExp(`\\s${flag}[ ,<=\\n]`));
    }
  });
});
