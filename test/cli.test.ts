import { describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { CLI, nvcops, writeConfig } from './support/cli.js';

/** One check's result wherever its checklist line puts it (health db grows as checks land). */
const result = (report: { items: { results: { id: string }[] }[] }, id: string) => report.items.flatMap((i) => i.results).find((r) => r.id === id);

describe('command line', () => {
  it('shows help with the exit code table, and exits 0', async () => {
    const r = await nvcops(['--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:\n\s+0 /);
    expect(r.stdout).toMatch(/78\s+invalid configuration/);
    const db = await nvcops(['health', 'db', '--help']);
    expect(db.stdout).toMatch(/db_performance_check\.py/);
  });

  it('--help, built from the list of commands alone (src/commands/listing.ts), prints what the help of the whole tree does', async () => {
    const whole = await nvcops(['help']);
    expect(whole.exitCode).toBe(0);
    expect(whole.stdout).toMatch(/\n {2}history \[options\] +The run history/);
    expect(whole.stdout).toMatch(/\n {2}schema <name> +Print the JSON Schema/);
    for (const flag of ['--help', '-h']) expect((await nvcops([flag])).stdout, flag).toBe(whole.stdout);
    // Only that whole line: a group's help still lists its subcommands.
    expect((await nvcops(['health', '--help'])).stdout).toMatch(/^Usage: nvcops health[\s\S]*\n {2}db \[options\] +database performance/);
  });

  it.each([
    [['bogus'], /unknown command 'bogus'/],
    [['health', 'db', '--bogus'], /unknown option '--bogus'/],
    [['health', 'db', '--format', 'xml'], /argument 'xml' is invalid\. Allowed choices are human, json, junit, nagios, markdown/],
    [['health', 'db', '--timeout', 'soon'], /--timeout <duration>' argument 'soon' is invalid\. use a number with ms, s, m, h or d/],
    [['health', 'db', '--concurrency', '0'], /use a whole number from 1 to 64/],
    // Numbers in decimal digits only: Number() reads '' (an unset variable) as 0, 0x10 as 16 and 1e3 as 1000.
    [['health', 'db', '--concurrency', '0x10'], /--concurrency <n>' argument '0x10' is invalid\. use a whole number from 1 to 64/],
    [['history', '--limit', '1e3'], /--limit <n>' argument '1e3' is invalid\. use a whole number of 1 or more/],
    [['maintain', 'cache', '--flush', '--db', ''], /--db <n>' argument '' is invalid\. use a database index from 0 to 15/],
    [['incident', 'logs', '--top', ' 5'], /--top <n>' argument ' 5' is invalid\. use a whole number from 1 to 1000/],
    [['health', 'db', '--report', 'pdf=/tmp/x.pdf'], /use FORMAT=PATH with FORMAT one of human, json, junit, nagios, markdown/],
    [['health', 'db', '--fail-on', 'never'], /Allowed choices are warn, fail/],
    [['health', 'db', '--by', ' '], /option '--by <name>' argument ' ' is invalid\. use a name or handle of 1 to 200 printable characters/],
    [['health'], /Usage: nvcops health/],
    [['health', 'db', '--timeout', '99999999d'], /--timeout <duration>' argument '99999999d' is invalid\. use a duration above 0 and at most 24d/],
    [['health', 'db', '--timeout', '0s'], /--timeout <duration>' argument '0s' is invalid\. use a duration above 0/],
    [['health', 'db', '--wait', '1h', '--interval', '0.001ms'], /--interval <duration>' argument '0.001ms' is invalid\. use a duration of at least 1s/],
    [['health', 'db', '--wait', '1h', '--interval', '99999999d'], /--interval <duration>' argument '99999999d' is invalid\. use a duration of at least 1s and at most 24d/],
    [['health', 'security', '--last-24h', '--since', '48h'], /option '--last-24h' cannot be used with option '--since <when>'/],
    [['health', 'security', '--since', '2026-02-31'], /--since <when>' argument '2026-02-31' is invalid\. no such day; use a date that exists/],
    [['health', 'security', '--since', '2099-01-01'], /--since <when>' argument '2099-01-01' is invalid\. the window would start in the future/],
    [['health', 'security', '--since', '99999999h'], /--since <when>' argument '99999999h' is invalid\. the window would start before 1970/],
    // An unset variable (--config "$CFG"): never ./nvcops.yaml or the top-level environment instead.
    [['health', 'db', '--config', ''], /option '-c, --config <path>' argument '' is invalid\. use a config file such as \.\/nvcops\.yaml; it cannot be empty/],
    [['--env', '', 'health', 'db'], /option '-e, --env <name>' argument '' is invalid\. use an environment the config file defines, such as staging, or a list such as production,staging, or all; it cannot be empty/],
  ])('exits 64 for %j with one clear message', async (args, message) => {
    const r = await nvcops(args);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    if (args.length > 1) expect(r.stderr).toMatch(/^nvcops: [^\n]+ \(run with --help for usage\)$/);
  });

  it('--version and -V anywhere on the line print the version and exit 0, before any required option or config is looked at', async () => {
    const version = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version as string;
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-version-'));
    for (const args of [['--version'], ['-V'], ['health', 'daily', '--version'], ['health', '--version', 'daily'], ['backup', 'app', '--version'],
      ['backup', 'restore-app', '-V', '--target', '/nonexistent'], ['--config', join(dir, 'missing.yaml'), 'incident', 'list', '--format', 'json', '--version']]) {
      const r = await nvcops(args, { cwd: dir });
      expect({ args, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }).toEqual({ args, exitCode: 0, stdout: version, stderr: '' });
    }
    // The application version of a backup is --app-version: without it backup app says so, and stores nothing.
    const r = await nvcops(['backup', 'app', '--from', dir], { cwd: dir });
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/required option '--app-version <version>' not specified/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('builds only the named command, past global options and their values, and every command otherwise', async () => {
    // The values are named like commands: the config file, relative to the working directory, and --by.
    const path = writeConfig({ environment: 'production' }, 'weekly');
    const r = await nvcops(['-c', 'weekly', '--by', 'maintain', '-e', 'production', 'health', 'daily', '--format', 'json'], { cwd: dirname(path) });
    expect(JSON.parse(r.stdout).command).toBe('health daily');
    const typo = await nvcops(['helth', 'daily']);
    expect(typo).toMatchObject({ exitCode: 64, stderr: "nvcops: unknown command 'helth' (Did you mean health?) (run with --help for usage)" });
    const help = await nvcops(['help', 'runbook']);
    expect(help.stdout).toMatch(/Usage: nvcops runbook/);
    const all = await nvcops(['--no-color', '--help']);
    for (const name of ['health', 'weekly', 'maintain', 'backup', 'monthly', 'config', 'audit', 'history', 'incident', 'runbook']) expect(all.stdout).toMatch(new RegExp(`\\n  ${name}\\b`));
  });

  it('checks --report paths before the run: a directory, a path through a file (exit 64, nothing written, nothing left)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-report-'));
    const target = join(dir, 'reports');
    mkdirSync(target);
    writeFileSync(join(dir, 'file'), '');
    const asDir = await nvcops(['health', 'daily', '--report', `json=${target}`]);
    expect(asDir).toMatchObject({ exitCode: 64, stdout: '', stderr: expect.stringMatching(/--report <format=path>' argument 'json=.*reports' is invalid\. .*reports is a directory; give a file path/) });
    const throughFile = await nvcops(['health', 'daily', '--report', `json=${join(dir, 'file', 'x.json')}`]);
    expect(throughFile).toMatchObject({ exitCode: 64, stdout: '', stderr: expect.stringMatching(/--report .* is invalid\. .*\/file is not a directory; a report goes into a directory/) });
    expect(readdirSync(dir).sort()).toEqual(['file', 'reports']);
    // A directory Node's recursive mkdir would never return from: refused before the run, one level at a time.
    const proc = await nvcops(['health', 'db', '--report', 'json=/proc/1/nope/x.json'], { timeoutMs: 20_000 });
    expect(proc).toMatchObject({ exitCode: 64, stdout: '', stderr: expect.stringMatching(/--report.*(directory \/proc\/1 is not writable|cannot create directory \/proc\/1\/nope)/) });
  });

  it('writes a report file through a temporary file beside it, and removes that file when the write fails', async () => {
    const { writeReportFile } = await import('../src/report/output.js');
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-report-'));
    writeReportFile(join(dir, 'r.json'), '{}');
    expect(readFileSync(join(dir, 'r.json'), 'utf8')).toBe('{}');
    mkdirSync(join(dir, 'taken', 'sub'), { recursive: true });
    expect(() => writeReportFile(join(dir, 'taken'), '{}')).toThrow();
    expect(readdirSync(dir).sort()).toEqual(['r.json', 'taken']);
  });

  it('exits 64 for an environment the config does not define', async () => {
    const path = writeConfig({ environment: 'production' });
    const r = await nvcops(['health', 'db', '--config', path, '--env', 'prod']);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/--env: no environment "prod" .*defined: production/);
  });

  it('no config file anywhere: exit 78 listing every place looked, nothing run; an env-only target still runs', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'nvcops-cwd-'));
    const xdg = mkdtempSync(join(tmpdir(), 'nvcops-xdg-'));
    const looked = `no config file found: looked for ${cwd}/nvcops.yaml, ${cwd}/nvcops.yml, ${cwd}/nvcops.json, ${xdg}/nvcops/config.yaml, /etc/nvcops/config.yaml; pass --config <file> or create one of them`;
    for (const command of [['health', 'db'], ['health', 'daily'], ['weekly', 'performance']]) {
      const r = await nvcops([...command, '--format', 'json'], { cwd, env: { XDG_CONFIG_HOME: xdg } });
      expect([r.exitCode, r.stdout, r.stderr], command.join(' ')).toEqual([78, '', `nvcops: invalid configuration: ${looked}`]);
    }
    // No file, but PostgreSQL named by the environment: the run goes ahead (here to a port nothing listens on).
    const env = await nvcops(['health', 'db', '--format', 'json'], { cwd, env: { XDG_CONFIG_HOME: xdg, PGHOST: '127.0.0.1', PGPORT: '1', PGCONNECT_TIMEOUT: '2' } });
    expect(JSON.parse(env.stdout).command).toBe('health db');
  });

  it('NVCOPS_CONFIG names the file for a timer or a container; --config on the line wins; a missing one is exit 78 naming the variable', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'nvcops-cwd-'));
    const staging = writeConfig({ environment: 'staging' });
    const byEnv = await nvcops(['config', 'check'], { cwd, env: { NVCOPS_CONFIG: staging } });
    expect([byEnv.exitCode, byEnv.stdout.split('\n')[0]]).toEqual([0, `# from ${staging} — valid`]);
    const production = writeConfig({ environment: 'production' });
    const onLine = await nvcops(['config', 'check', '--config', production], { cwd, env: { NVCOPS_CONFIG: staging } });
    expect(onLine.stdout.split('\n')[0]).toBe(`# from ${production} — valid`);
    const missing = await nvcops(['health', 'db'], { cwd, env: { NVCOPS_CONFIG: join(cwd, 'absent.yaml') } });
    expect([missing.exitCode, missing.stdout, missing.stderr]).toEqual([78, '', `nvcops: invalid configuration: NVCOPS_CONFIG: file ${join(cwd, 'absent.yaml')} does not exist`]);
  });

  it('a command none of whose checks has its system configured: exit 78 naming the keys to set', async () => {
    const r = await nvcops(['health', 'db', '--config', writeConfig({ environment: 'staging' })]);
    expect([r.exitCode, r.stdout]).toEqual([78, '']);
    expect(r.stderr).toBe('nvcops: invalid configuration: health db: nothing it checks is configured: PostgreSQL not configured: set postgres.url, NVCOPS_POSTGRES_URL or the PG* variables; '
      + 'no replicas configured: list them in postgres.replicas; Redis not configured: set redis.url (or redis.sentinels with redis.name, or redis.cluster) or NVCOPS_REDIS_URL');
  });

  it('does not pass a gate when nothing was evaluated but a line for a person (health daily without targets: uptime is manual)', async () => {
    const r = await nvcops(['health', 'daily', '--config', writeConfig({ environment: 'staging' }), '--format', 'nagios']);
    expect(r.stdout).toMatch(/^NVCOPS UNKNOWN - health daily: 0 of \d+ checks pass, 1 manual/);
    expect(r.exitCode).toBe(3);
  });

  it('a run that stops with nothing left to wait on is an internal error (70), never a silent exit 0', async () => {
    // A connect that never settles and holds nothing open (the socket's connect() does nothing), and timers
    // that do not keep the process alive: no check finishes, and Node runs out of work mid-run.
    const hook = join(mkdtempSync(join(tmpdir(), 'nvcops-hook-')), 'stall.cjs');
    writeFileSync(hook, [
      "require('node:net').Socket.prototype.connect = function () { return this; };",
      'const setTimer = globalThis.setTimeout;',
      'globalThis.setTimeout = (...args) => setTimer(...args).unref();',
    ].join('\n'));
    const path = writeConfig({ postgres: { url: 'postgres://nvcops@127.0.0.1:5999/db' } });
    const r = await nvcops(['health', 'db', '--config', path, '--format', 'json'], { env: { NODE_OPTIONS: `--require ${hook}` } });
    expect([r.exitCode, r.stdout]).toEqual([70, '']);
    expect(r.stderr).toBe('nvcops: internal error: the run stopped before it finished (nothing left to wait on); no verdict — a bug in nvcops: report it to its maintainers with the command line and this message');
    // As a Nagios plugin the same end is its UNKNOWN: one line on stdout, exit 3.
    const plugin = await nvcops(['health', 'db', '--config', path, '--format', 'nagios'], { env: { NODE_OPTIONS: `--require ${hook}` } });
    expect([plugin.exitCode, plugin.stdout, plugin.stderr]).toEqual([3, 'NVCOPS UNKNOWN - internal error: the run stopped before it finished (nothing left to wait on); no verdict — a bug in nvcops: report it to its maintainers with the command line and this message', '']);
  });

  it('an exception nothing catches (thrown in a microtask mid-run) is one line and exit 70, never a stack or the source line', async () => {
    // Node's own report of an uncaught exception prints the throwing line of the (minified) source and the stack, and exits 1.
    const hook = join(mkdtempSync(join(tmpdir(), 'nvcops-hook-')), 'throw.cjs');
    writeFileSync(hook, [
      'const write = process.stdout.write.bind(process.stdout);',
      "process.stdout.write = (...args) => { queueMicrotask(() => { throw new RangeError('Maximum call stack size exceeded'); }); return write(...args); };",
    ].join('\n'));
    const r = await nvcops(['runbook', 'today', '--date', '2026-12-14'], { env: { NODE_OPTIONS: `--require ${hook}` } });
    expect([r.exitCode, r.stderr]).toEqual([70, 'nvcops: internal error: Maximum call stack size exceeded — a bug in nvcops: report it to its maintainers with the command line and this message (NVCOPS_DEBUG=1 shows the stack)']);
  });

  it('on Ctrl-C prints what finished and exits 130', async () => {
    // A server that accepts TCP but never speaks: the PostgreSQL connect hangs until interrupted.
    let connected!: () => void;
    const dialled = new Promise<void>((r) => { connected = r; });
    const silent = createServer(() => connected());
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    const path = writeConfig({ postgres: { url: `postgres://nvcops@127.0.0.1:${port}/bank`, connectTimeout: '60s' } });
    try {
      const child = execa('node', [CLI, 'health', 'db', '--config', path, '--format', 'json'], { reject: false, env: { NO_COLOR: '1' } });
      // Ctrl-C once the checks are running (the connect has reached the server), however slow the start-up.
      await dialled;
      child.kill('SIGINT');
      const r = await child;
      expect(r.exitCode).toBe(130);
      const report = JSON.parse(r.stdout);
      expect(report.interrupted).toBe(true);
      expect(result(report, 'postgres.connect-time')).toMatchObject({ status: 'error', message: 'interrupted (Ctrl-C) before it finished' });
      expect(result(report, 'redis.ping')).toMatchObject({ status: 'skip' });
    } finally {
      silent.close();
    }
  });
});

describe('--wait for post-deploy gates', () => {
  it('re-runs until the service comes up, then exits 0', async () => {
    const { startRedis, freePort, randomPassword } = await import('./support/servers.js');
    const port = await freePort();
    const password = randomPassword();
    const path = writeConfig({ redis: { url: `redis://:${password}@127.0.0.1:${port}/3` } });
    const run = execa('node', [CLI, 'health', 'db', '--config', path, '--format', 'json', '--wait', '30s', '--interval', '1s'], { reject: false, env: { NO_COLOR: '1' } });
    // The "deploy" finishes after the first attempt has failed: Redis comes up on the configured port.
    await new Promise<void>((resolve) => run.stderr.on('data', (d: Buffer) => { if (d.toString().includes('attempt 1:')) resolve(); }));
    const redis = await startRedis({ args: ['--requirepass', password], port });
    try {
      const r = await run;
      expect(r.exitCode).toBe(0);
      expect(result(JSON.parse(r.stdout), 'redis.ping')).toMatchObject({ status: 'pass' });
      expect(r.stderr).toMatch(/attempt 1: fail \(exit 2\); trying again in 1 s/);
    } finally {
      await redis.stop();
    }
  });

  it('leaves no abort listener behind from one attempt to the next (no MaxListenersExceededWarning after 11 attempts)', async () => {
    const path = writeConfig({ redis: { url: 'redis://127.0.0.1:1' } });
    const r = await nvcops(['health', 'db', '--config', path, '--format', 'json', '--wait', '14s', '--interval', '1s']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/attempt 11: fail/);
    expect(r.stderr).not.toMatch(/MaxListenersExceededWarning/);
  });

  it('gives up when the time is out and exits with the last run\'s code', async () => {
    const path = writeConfig({ redis: { url: 'redis://127.0.0.1:1' } });
    const r = await nvcops(['health', 'db', '--config', path, '--format', 'json', '--wait', '5s', '--interval', '1s']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/attempt 2: fail/);
  });
});
