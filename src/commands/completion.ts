import { Argument, Option, type Command } from 'commander';
import { UsageError } from '../engine/errors.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];
/** What `completion --list` prints, one name a line: the scripts call back for these at completion time. */
const LISTS = ['envs', 'checks'] as const;
type List = (typeof LISTS)[number];

/** The value of these options comes from a list the scripts ask for when completing; of --config, a file. */
const DYNAMIC: Record<string, List> = { '--env': 'envs', '--confirm-env': 'envs', '--check': 'checks' };

/** A word the scripts embed unquoted-safe: commands, flags and choices are plain words; anything else is a bug here. */
const SAFE = /^[\w.:/=,+-]+$/;
const safe = (word: string): string => {
  if (!SAFE.test(word)) throw new Error(`completion: "${word}" is not a plain word the scripts can hold`);
  return word;
};

interface Flag {
  /** -f, --format */
  names: string[];
  /** What completes the value: undefined when the flag takes none; 'files' when nothing narrower is known. */
  value?: { words: string[] } | { list: List } | 'files';
}

interface Node {
  /** The command path after `nvcops`, words joined by one space ('' for the program). */
  path: string;
  subcommands: string[];
  /** Its own options only; a node's options apply to every command under it (commander takes them there too). */
  flags: Flag[];
  /** Fixed choices of its positional arguments. */
  args: string[];
}

/** Every command of the commander tree, walked as `--help` shows it (hidden ones left out), so completion cannot drift from the CLI. */
export function commandTree(program: Command): Node[] {
  const nodes: Node[] = [];
  const walk = (cmd: Command, path: string) => {
    const help = cmd.createHelp();
    const subs = help.visibleCommands(cmd);
    nodes.push({
      path,
      subcommands: subs.map((c) => safe(c.name())),
      flags: help.visibleOptions(cmd).map((o) => ({
        names: [o.short, o.long].filter((n): n is string => !!n).map(safe),
        value: !(o.required || o.optional) ? undefined
          : o.argChoices ? { words: o.argChoices.map(safe) }
            : o.long && Object.hasOwn(DYNAMIC, o.long) ? { list: DYNAMIC[o.long]! } : 'files',
      })),
      args: cmd.registeredArguments.flatMap((a) => a.argChoices ?? []).map(safe),
    });
    for (const sub of subs) if (sub.name() !== 'help') walk(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  walk(program, '');
  return nodes;
}

/** The flags in force at a node: its own and every ancestor's, a name defined at several levels by the innermost (as commander reads it). */
function flagsAt(nodes: Node[], node: Node): Flag[] {
  const levels = nodes.filter((n) => n.path === '' || node.path === n.path || node.path.startsWith(`${n.path} `)).reverse();
  const seen = new Set<string>();
  const flags: Flag[] = [];
  for (const flag of levels.flatMap((n) => n.flags)) {
    const names = flag.names.filter((name) => !seen.has(name));
    names.forEach((name) => seen.add(name));
    if (names.length) flags.push({ ...flag, names });
  }
  return flags;
}

/**
 * The case tables bash and zsh share: `_nvcops_node PATH` sets the subcommands, flags, flags taking
 * a value and argument choices at a command; `_nvcops_value 'PATH|FLAG'` says what completes that value.
 */
function caseTables(nodes: Node[]): string {
  const node = nodes.map((n) => {
    const flags = flagsAt(nodes, n);
    const vflags = flags.filter((f) => f.value).flatMap((f) => f.names);
    return `    '${n.path}') _nvcops_subs='${n.subcommands.join(' ')}'; _nvcops_flags='${flags.flatMap((f) => f.names).join(' ')}'; _nvcops_vflags=' ${vflags.join(' ')} '; _nvcops_args='${n.args.join(' ')}' ;;`;
  });
  // Files are what the last row gives: only the narrower values have rows.
  const value = nodes.flatMap((n) => flagsAt(nodes, n).flatMap((f) => {
    const v = f.value;
    if (!v || v === 'files') return [];
    const keys = f.names.map((name) => `'${n.path}|${name}'`).join('|');
    return [`    ${keys}) ${'list' in v ? `_nvcops_kind=${v.list}` : `_nvcops_kind=words; _nvcops_words='${v.words.join(' ')}'`} ;;`];
  }));
  return [
    '_nvcops_node() {',
    '  case "$1" in',
    ...node,
    "    *) _nvcops_subs=''; _nvcops_flags=''; _nvcops_vflags=' '; _nvcops_args='' ;;",
    '  esac',
    '}',
    '_nvcops_value() {',
    '  case "$1" in',
    ...value,
    '    *) _nvcops_kind=files ;;',
    '  esac',
    '}',
  ].join('\n');
}

/** The walk over the words before the cursor, in bash and zsh alike: the command they name, and --config's value for the call back. */
const WALK = (first: number, word: (i: string) => string, current: string) => `  _nvcops_node ''
  for ((i = ${first}; i < ${current}; i++)); do
    w=${word('i')}
    if [[ $w == -* ]]; then
      if [[ $_nvcops_vflags == *" $w "* ]]; then
        ((i++))
        if [[ $w == -c || $w == --config ]] && ((i < ${current})); then config=(--config "${word('i')}"); fi
      fi
    elif [[ " $_nvcops_subs " == *" $w "* ]]; then
      cmd=\${cmd:+$cmd }$w
      _nvcops_node "$cmd"
    fi
  done`;

function bash(nodes: Node[]): string {
  return `# nvcops completion for bash: add to ~/.bashrc
#   source <(nvcops completion bash)
${caseTables(nodes)}
_nvcops() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} cmd='' i w
  local config=() _nvcops_subs _nvcops_flags _nvcops_vflags _nvcops_args _nvcops_kind _nvcops_words
${WALK(1, (i) => `\${COMP_WORDS[${i}]}`, 'COMP_CWORD')}
  if [[ $prev == -* && $_nvcops_vflags == *" $prev "* ]]; then
    _nvcops_value "$cmd|$prev"
    case $_nvcops_kind in
      words) COMPREPLY=($(compgen -W "$_nvcops_words" -- "$cur")) ;;
      envs|checks) COMPREPLY=($(compgen -W "$(nvcops "\${config[@]}" completion --list "$_nvcops_kind" 2>/dev/null)" -- "$cur")) ;;
      *) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$_nvcops_flags" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$_nvcops_subs $_nvcops_args" -- "$cur"))
  fi
  return 0
}
complete -F _nvcops nvcops
`;
}

function zsh(nodes: Node[]): string {
  // zsh's \`path\` is PATH as an array: the command path is \`cmd\` in both scripts.
  return `#compdef nvcops
# nvcops completion for zsh: add to ~/.zshrc after compinit
#   source <(nvcops completion zsh)
# or save it as _nvcops in a directory of $fpath.
${caseTables(nodes)}
_nvcops() {
  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]} cmd='' i w
  local -a config
  local _nvcops_subs _nvcops_flags _nvcops_vflags _nvcops_args _nvcops_kind _nvcops_words
${WALK(2, (i) => `\${words[${i}]}`, 'CURRENT')}
  if [[ $prev == -* && $_nvcops_vflags == *" $prev "* ]]; then
    _nvcops_value "$cmd|$prev"
    case $_nvcops_kind in
      words) compadd -- \${=_nvcops_words} ;;
      envs|checks) compadd -- \${(f)"$(nvcops $config completion --list $_nvcops_kind 2>/dev/null)"} ;;
      *) _files ;;
    esac
  elif [[ $cur == -* ]]; then
    compadd -- \${=_nvcops_flags}
  else
    compadd -- \${=_nvcops_subs} \${=_nvcops_args}
  fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _nvcops "$@"; else compdef _nvcops nvcops; fi
`;
}

function fish(nodes: Node[]): string {
  const lines = [
    '# nvcops completion for fish: save as ~/.config/fish/completions/nvcops.fish',
    '#   nvcops completion fish > ~/.config/fish/completions/nvcops.fish',
    'function __nvcops_node --argument-names cmd',
    '  switch "$cmd"',
    ...nodes.map((n) => {
      const vflags = flagsAt(nodes, n).filter((f) => f.value).flatMap((f) => f.names);
      return `    case '${n.path}'\n      set -g __nvcops_subs ${n.subcommands.join(' ')}\n      set -g __nvcops_vflags ${vflags.join(' ')}`;
    }),
    '    case \'*\'',
    '      set -g __nvcops_subs',
    '      set -g __nvcops_vflags',
    '  end',
    'end',
    '# The command the words before the cursor name.',
    'function __nvcops_cmd',
    "  set -l cmd ''",
    "  __nvcops_node ''",
    '  set -l skip 0',
    '  for w in (commandline -opc)[2..-1]',
    '    if test $skip = 1',
    '      set skip 0',
    '    else if string match -q -- "-*" $w',
    '      contains -- $w $__nvcops_vflags; and set skip 1',
    '    else if contains -- $w $__nvcops_subs',
    '      set cmd (string trim -- "$cmd $w")',
    '      __nvcops_node $cmd',
    '    end',
    '  end',
    '  echo $cmd',
    'end',
    'function __nvcops_is --argument-names want',
    '  test (__nvcops_cmd) = "$want"',
    'end',
    '# At this command or under it: its options apply to every command under it.',
    'function __nvcops_under --argument-names want',
    '  set -l cmd (__nvcops_cmd)',
    '  test -z "$want"; or test "$cmd" = "$want"; or string match -q -- "$want *" $cmd',
    'end',
    '# The names `completion --list` prints, from the file --config names on the line when it does.',
    'function __nvcops_list --argument-names what',
    '  set -l tokens (commandline -opc)',
    '  set -l config',
    '  for i in (seq 2 (math (count $tokens) - 1))',
    '    contains -- $tokens[$i] -c --config; and set config --config $tokens[(math $i + 1)]',
    '  end',
    '  nvcops $config completion --list $what 2>/dev/null',
    'end',
    'complete -c nvcops -f',
  ];
  for (const n of nodes) {
    const words = [...n.subcommands, ...n.args];
    if (words.length) lines.push(`complete -c nvcops -f -n "__nvcops_is '${n.path}'" -a '${words.join(' ')}'`);
    for (const f of n.flags) {
      const names = f.names.map((name) => (name.startsWith('--') ? `-l ${name.slice(2)}` : `-s ${name.slice(1)}`)).join(' ');
      const v = f.value;
      const value = !v ? '' : v === 'files' ? ' -r -F' : 'list' in v ? ` -r -f -a '(__nvcops_list ${v.list})'` : ` -r -f -a '${v.words.join(' ')}'`;
      lines.push(`complete -c nvcops -n "__nvcops_under '${n.path}'" ${names}${value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const SCRIPTS: Record<Shell, (nodes: Node[]) => string> = { bash, zsh, fish };

/** `nvcops completion bash|zsh|fish`, and the hidden `--list envs|checks` the scripts call back for (reads only the config file; connects to nothing). */
export function registerCompletion(program: Command, finish: (code: Promise<number>) => void): void {
  program
    .command('completion')
    .description('Print the shell completion script for bash, zsh or fish (docs/commands.md: Shell completion)')
    .addArgument(new Argument('[shell]', 'bash, zsh or fish').choices(SHELLS))
    .addOption(new Option('--list <what>', 'names for the scripts, one a line').choices(LISTS).hideHelp())
    .action((shell: Shell | undefined, opts: { list?: List }, cmd: Command) =>
      finish((async () => {
        if (opts.list === 'envs') {
          const { environmentNames } = await import('../engine/config/index.js');
          const { config } = cmd.optsWithGlobals<{ config?: string }>();
          process.stdout.write(environmentNames({ path: config }).map((n) => `${n}\n`).join(''));
        } else if (opts.list === 'checks') {
          process.stdout.write((await import('../checks/index.js')).checks.map((c) => `${c.id}\n`).join(''));
        } else if (shell) {
          process.stdout.write(SCRIPTS[shell](commandTree(program)));
        } else {
          throw new UsageError(`completion: name the shell: ${SHELLS.join(', ')}`);
        }
        return 0;
      })()),
    );
}
