import { Command, CommanderError, Help } from 'commander';
import { registerAudit } from './commands/audit.js';
import { registerBackup } from './commands/backup.js';
import { registerCompletion } from './commands/completion.js';
import { addExamples } from './commands/examples.js';
import { registerConfig } from './commands/config.js';
import { registerHealth } from './commands/health.js';
import { registerHistory } from './commands/history.js';
import { registerMaintain } from './commands/maintain.js';
import { registerMonthly } from './commands/monthly.js';
import { registerRunbook } from './commands/runbook.js';
import { registerSchema } from './commands/schema.js';
import { registerWeekly } from './commands/weekly.js';
import { registerIncident } from './commands/incident.js';
import { TOP_COMMANDS } from './commands/listing.js';
import { EXIT } from './engine/errors.js';
import { printable } from './engine/printable.js';
import { actorArg, named } from './commands/options.js';
import { fatal, internalError } from './fatal.js';

declare const NVCOPS_VERSION: string;

export const EXIT_CODES_HELP = `
Exit codes:
  0   every check passed (or only warnings with --fail-on fail)
  1   the worst result is a warning
  2   at least one check failed
  3   nothing failed, but some check could not be evaluated (error)
  64  usage error: unknown command or flag, bad flag value
  69  a program or server an action needs is unavailable (pg_dump not installed, server refused)
  74  the state store (audit trail, run history) cannot be read or written
  78  invalid configuration (the message names the key and what is allowed), or nothing
      the command checks is configured (the keys to set; no config file: where it looked)
  70  internal error: a bug in nvcops (one line; report it with the command line)
  130 interrupted (Ctrl-C); what finished is still reported
  143 stopped by SIGTERM, handled as Ctrl-C is
  With --format nagios (a monitoring plugin) every code above 3 is 3, UNKNOWN, and an
  error is one "NVCOPS UNKNOWN - …" line on stdout.`;

/**
 * `--format nagios` on the command line (`-f nagios`, `--format=nagios`): nvcops runs as a monitoring
 * plugin, and every way it ends must read as one (Monitoring Plugins guidelines): an error is one
 * `NVCOPS UNKNOWN - …` line on stdout (what Nagios shows) and exit 3, as is any exit code above 3.
 */
const AS_PLUGIN = ((args: string[]) => args.some((a, i) => ['--format=nagios', '-fnagios'].includes(a) || (['--format', '-f'].includes(a) && args[i + 1] === 'nagios')))(process.argv.slice(2));

/** Where an error line goes: stderr, or as a plugin the UNKNOWN line on stdout (its "|" would start perfdata). */
const errorLine = { write: (text: string) => (AS_PLUGIN ? process.stdout.write(`NVCOPS UNKNOWN - ${text.replace(/^nvcops: /, '').replace(/\|/g, '/')}`) : process.stderr.write(text)) };

/** Set once an error escaped every catch: the run's own verdict is void, and only the last resort's code is the exit code. */
let escaped = false;

function exit(code: number): never {
  // The last resort exits once its line is out; a run finishing meanwhile must not exit first with its own code.
  if (escaped) return undefined as never;
  // Sockets of a frozen server must not keep an on-call engineer's terminal waiting.
  process.exit(pluginCode(code));
}

const pluginCode = (code: number): number => (AS_PLUGIN && code > EXIT.error ? EXIT.error : code);

const VERSION = typeof NVCOPS_VERSION === 'string' ? NVCOPS_VERSION : 'dev';

/** The top-level commands, each registered with its whole subtree. */
const COMMANDS: Record<keyof typeof TOP_COMMANDS, (program: Command, finish: (code: Promise<number>) => void) => void> = {
  health: registerHealth,
  weekly: registerWeekly,
  maintain: registerMaintain,
  backup: registerBackup,
  monthly: registerMonthly,
  config: registerConfig,
  audit: registerAudit,
  history: registerHistory,
  incident: registerIncident,
  runbook: registerRunbook,
  schema: registerSchema,
};
/**
 * The top-level command a command line names, when it names one: only its subtree need be built
 * (building all of them is a tenth of a health check's start-up). The word after a global option
 * that takes a value is that value, not the command. Anything else — no command, a typo, `help` —
 * gets every command, for commander's help and suggestions.
 */
function commandNamed(program: Command, args: string[]): string | undefined {
  const takesValue = new Set(program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.short, o.long]));
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (takesValue.has(a)) i++;
    else if (!a.startsWith('-')) return Object.hasOwn(COMMANDS, a) ? a : undefined;
  }
  return undefined;
}

/**
 * What the top-level help (`nvcops --help`, the whole line) shows of each command of COMMANDS, without
 * building its subtree (a quarter of the help's start-up): its name, description and term (TOP_COMMANDS).
 */
function listCommands(program: Command): void {
  const terms: Record<string, string | undefined> = Object.fromEntries(Object.entries(TOP_COMMANDS).map(([name, listed]) => [name, 'term' in listed ? listed.term : undefined]));
  for (const name of Object.keys(COMMANDS) as (keyof typeof TOP_COMMANDS)[]) program.command(name).description(TOP_COMMANDS[name].description);
  program.configureHelp({
    subcommandTerm(this: Help, cmd: Command) {
      return (Object.hasOwn(COMMANDS, cmd.name()) && terms[cmd.name()]) || Help.prototype.subcommandTerm.call(this, cmd);
    },
  });
}

/** The program with every command, or with only the one `args` (the command line after node and script) names. */
function buildProgram(finish: (code: Promise<number>) => void, args: string[]): Command {
  const program = new Command('nvcops')
    .description('The NVC banking platform Operations Runbook as one CLI')
    // Anywhere on the line, as every global option (`health daily --version`); the application version of a backup is --app-version.
    .version(VERSION, '-V, --version', 'output the version number')
    .option('-c, --config <path>', 'config file (default $NVCOPS_CONFIG, then ./nvcops.yaml, $XDG_CONFIG_HOME/nvcops/config.yaml, /etc/nvcops/config.yaml)', named('a config file such as ./nvcops.yaml'))
    .option('-e, --env <name>', 'environment to use from the config file; a check command also takes several (a,b,c) or all', named('an environment the config file defines, such as staging, or a list such as production,staging, or all'))
    .option('--no-color', 'no colours (NO_COLOR is honoured too; FORCE_COLOR=1 colours output that is not a terminal)')
    .option('--by <name>', 'who is acting, for the audit trail and run history (default: the OS user)', actorArg)
    .exitOverride()
    // One line: the error (quoting the argument as typed, controls shown), commander's suggestion if any, and where the usage is.
    .configureOutput({ outputError: (str) => errorLine.write(`${printable(str.replace(/^error: /, 'nvcops: ').trim().replace(/\s*\n\s*/g, ' '))} (run with --help for usage)\n`) })
    .addHelpText('after', EXIT_CODES_HELP);
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) listCommands(program);
  else {
    const only = commandNamed(program, args);
    for (const [name, register] of Object.entries(COMMANDS)) if (!only || name === only) register(program, finish);
  }
  // Not one of COMMANDS: its scripts are made from the whole tree, which a line naming `completion` therefore builds.
  registerCompletion(program, finish);
  addExamples(program);
  return program;
}

/**
 * Writes to a pipe are asynchronous on POSIX: what the pipe cannot take at once is queued, and
 * process.exit drops the queue (a 200 KB JSON report cut short, exit 0). Blocking writes keep every byte.
 * The stream is made blocking when first used: Node builds it (and loads its stream, tty or pipe code)
 * on that first use, a few ms that a run which never writes to it (stderr, mostly) need not pay.
 */
function blockingWhenUsed(name: 'stdout' | 'stderr'): void {
  const block = (stream: NodeJS.WriteStream) => (stream as unknown as { _handle?: { setBlocking?: (on: boolean) => void } })._handle?.setBlocking?.(true);
  const own = Object.getOwnPropertyDescriptor(process, name);
  if (!own?.get || !own.configurable) return void block(process[name]);
  Object.defineProperty(process, name, {
    ...own,
    get() {
      Object.defineProperty(process, name, own);
      const stream = process[name];
      block(stream);
      return stream;
    },
  });
}

export async function main(argv: string[]): Promise<never> {
  blockingWhenUsed('stdout');
  blockingWhenUsed('stderr');
  // Node leaves when nothing is pending, whatever main() was awaiting: a run that ends that way has
  // printed no verdict, and must not read as a pass (exit 0) to a gate.
  process.once('beforeExit', () => {
    errorLine.write(`nvcops: ${internalError('the run stopped before it finished (nothing left to wait on); no verdict')}\n`);
    exit(EXIT.internal);
  });
  let pending: Promise<number> | undefined;
  if (argv[2] === '--version') {
    process.stdout.write(`${VERSION}\n`);
    exit(EXIT.ok);
  }
  const program = buildProgram((p) => { pending = p; }, argv.slice(2));
  // What escapes every catch (a throw in a callback, a promise nobody awaited) gets the same one line, never
  // Node's dump of the stack and the minified source line; should the last resort itself fail, the message is withheld (it may hold a secret).
  const lastResort = (e: unknown) => {
    if (escaped) return;
    escaped = true;
    fatal(e, program.opts(), errorLine).then((code) => process.exit(pluginCode(code)), () => {
      errorLine.write(`nvcops: ${internalError('an error whose message could not be masked (withheld)')}\n`);
      process.exit(pluginCode(EXIT.internal));
    });
  };
  process.on('uncaughtException', lastResort);
  process.on('unhandledRejection', lastResort);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // `nvcops help` asked for the help (0); a group named without its subcommand gets it on stderr as a usage error.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || (e.code === 'commander.help' && e.exitCode === 0)) exit(EXIT.ok);
      exit(EXIT.usage);
    }
    exit(await fatal(e, program.opts(), errorLine));
  }
  if (!pending) exit(EXIT.ok);
  try {
    exit(await pending);
  } catch (e) {
    exit(await fatal(e, program.opts(), errorLine));
  }
}

void main(process.argv);
