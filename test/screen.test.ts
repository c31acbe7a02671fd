import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../src/checks/index.js';
import { screenWidth } from '../src/report/output.js';
import type { RunReport } from '../src/engine/report.js';
import { human } from '../src/report/human.js';
import { json } from '../src/report/json.js';
import { CLI, nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { startPostgres, startRedis, type PgServer, type RedisServer } from './support/servers.js';
import { requestLog } from './support/request-log.js';

const ERROR_RATE_STEP = 'nvcops incident logs --since 24h --level error';
const BACKUP_STEP = 'nvcops backup db';

describe('the morning screen: read in ten seconds, at any width', () => {
  let pg: PgServer;
  let redis: RedisServer;
  let work: string;
  let config: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'nvcops-screen-'));
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    const log = join(work, 'application.log');
    // 2% of the day's requests failed: far over the 0.1% line. The backup directory is empty: no database backup.
    writeFileSync(log, requestLog(1000, 20));
    config = writeConfig({
      environment: 'staging',
      postgres: { url: pg.monitorUrl, adminUrl: pg.url, connectTimeout: '2s', statementTimeout: '2s' },
      redis: { url: redis.url, connectTimeout: '2s' },
      logs: { application: log },
      backups: { directory: mkdtempSync(join(work, 'backups-')) },
      state: { path: join(work, 'state') },
      thresholds: { 'redis.ping': { warn: '> 2s', fail: '> 5s' }, 'postgres.connect-time': { warn: '> 2s', fail: '> 5s' } },
    });
  });
  afterAll(async () => {
    await Promise.all([pg?.stop(), redis?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  for (const width of [80, 160]) {
    it(`at ${width} columns: one line for the 14 AWS checks skipped, nothing wider than the screen, each problem ends with its next step`, async () => {
      const r = await nvcops(['health', 'daily', '--config', config], { env: { COLUMNS: String(width) } });
      expect(r.exitCode, r.stderr).toBe(2);
      const lines = r.stdout.split('\n');
      expect(lines.filter((l) => [...l].length > width), r.stdout).toEqual([]);
      expect(lines.filter((l) => l.includes('AWS not configured'))).toEqual([expect.stringMatching(/^– 14 checks skipped: AWS not configured: set aws\.region/)]);
      // The next step is the last line of the problem's row: after the failing error rate, before the next checklist line.
      const at = (text: string) => lines.findIndex((l) => l.includes(text));
      const errorRate = at('Error rate, application');
      expect(lines.slice(errorRate, errorRate + 2).join(' ')).toMatch(/ 2%  .*FAIL /);
      expect(lines.slice(errorRate).find((l) => l.includes('→ next:'))).toBe(`      → next: ${ERROR_RATE_STEP}`);
      expect(at(`→ next: ${ERROR_RATE_STEP}`)).toBeLessThan(at('Security alerts reviewed'));
      const backup = at('Database backed up every');
      expect(lines.slice(backup).find((l) => l.includes('→ next:'))).toBe(`      → next: ${BACKUP_STEP}`);
      // Every row that is not pass (nor skip) is followed, before the next row, by a next step where its check has one.
      const json = parseReport((await nvcops(['health', 'daily', '--config', config, '--format', 'json'])).stdout);
      for (const res of Object.values(json.byId).filter((x) => ['warn', 'fail', 'error'].includes(x.status))) {
        const step = registry.get(res.id)!.nextStep;
        if (step) expect(r.stdout, res.id).toContain(`→ next: ${step}`);
      }
    });
  }

  it('carries the next step in JSON on a failing check only, and --only-problems leaves out what passed', async () => {
    const { byId } = parseReport((await nvcops(['health', 'daily', '--config', config, '--format', 'json'])).stdout);
    expect(byId['logs.error-rate']).toMatchObject({ status: 'fail', nextStep: ERROR_RATE_STEP });
    expect(byId['backups.database-freshness']).toMatchObject({ status: 'fail', nextStep: BACKUP_STEP });
    expect(byId['redis.ping']).toMatchObject({ status: 'pass' });
    expect(byId['redis.ping']).not.toHaveProperty('nextStep');
    const all = await nvcops(['health', 'daily', '--config', config]);
    const problems = await nvcops(['health', 'daily', '--config', config, '--only-problems']);
    expect(problems.exitCode).toBe(all.exitCode);
    expect(all.stdout).toMatch(/ PASS /);
    expect(problems.stdout).not.toMatch(/ PASS /);
    expect(problems.stdout).toMatch(/Error rate, application log.*\n\s+2%  FAIL /);
    expect(problems.stdout).toMatch(/^– 14 checks skipped: AWS not configured/m);
    // A checklist line whose checks all passed (Redis and PostgreSQL are healthy) is left out.
    expect(all.stdout).toContain('Database connections healthy');
    expect(problems.stdout).not.toContain('Database connections healthy');
  });

  it('masks a secret before it wraps: a password in a path longer than the column is not cut in two and shown', async () => {
    const password = new URL(pg.url).password;
    const log = join(work, `${password}${password}`, 'application.log');
    const r = await nvcops(['health', 'daily', '--config', writeConfig({ postgres: { url: pg.url }, logs: { application: log } })], { env: { COLUMNS: '40' } });
    expect(r.stdout).toContain('***');
    // Joined again without the wrap's line breaks and indents: a secret cut at a line end would show whole.
    expect(r.stdout.replace(/\s+/g, '')).not.toContain(password);
  });

  it('honours the terminal\'s own width in a real terminal (tmux, no COLUMNS) at 80 and 160 columns', async () => {
    for (const width of [80, 160]) {
      const session = `nvcops-screen-${width}`;
      // A tmux server of its own per width: killing the last session of a shared default server while the next
      // new-session connects to it fails with "server exited unexpectedly".
      const tmux = (...args: string[]): string => execFileSync('tmux', ['-S', join(work, `tmux-${width}`), ...args], { encoding: 'utf8' });
      const done = join(work, `done-${width}`);
      // Only what the CLI needs: the machine's own PG*, NVCOPS_*, AWS_* and COLUMNS must not reach it.
      const env = Object.entries({ PATH: process.env.PATH!, NO_COLOR: '1', XDG_CONFIG_HOME: '/nonexistent', XDG_STATE_HOME: join(work, `xdg-${width}`) }).map(([k, v]) => `${k}=${v}`).join(' ');
      tmux('new-session', '-d', '-x', String(width), '-y', '50', '-s', session, 'sh');
      try {
        tmux('send-keys', '-t', session, `env -i ${env} node ${CLI} health daily --config ${config} --only-problems; echo $? > ${done}`, 'Enter');
        for (let i = 0; i < 300 && !readFileSafe(done); i++) await new Promise((r) => setTimeout(r, 100));
        expect(readFileSafe(done).trim()).toBe('2');
        // -J joins the lines the terminal wrapped: a line wider than the pane would come back wider than it.
        const pane = tmux('capture-pane', '-p', '-J', '-t', session, '-S', '-100');
        const screen = pane.slice(pane.indexOf('nvcops health daily'));
        expect(screen).toContain('– 14 checks skipped: AWS not configured');
        expect(screen).toContain(`→ next: ${ERROR_RATE_STEP}`);
        expect(screen.split('\n').filter((l) => [...l.trimEnd()].length > width && !l.includes(`node ${CLI}`))).toEqual([]);
      } finally {
        tmux('kill-server');
      }
    }
  });
});

const readFileSafe = (path: string): string => { try { return readFileSync(path, 'utf8'); } catch { return ''; } };

describe('every next step is a command nvcops has, with flags it takes', () => {
  it('every check command takes --only-problems', async () => {
    for (const command of ['health daily', 'health db', 'backup verify', 'weekly security', 'weekly performance', 'weekly capacity', 'monthly compliance', 'monthly security', 'monthly capacity', 'maintain access']) {
      expect((await nvcops([...command.split(' '), '--help'])).stdout, command).toContain('--only-problems');
    }
  });

  const steps = [...new Set([...registry.values()].flatMap((c) => (c.nextStep ? [c.nextStep] : [])))];

  it('names the steps of the morning problems', () => {
    expect(registry.get('logs.error-rate')!.nextStep).toBe(ERROR_RATE_STEP);
    expect(registry.get('backups.database-freshness')!.nextStep).toBe(BACKUP_STEP);
    expect(registry.get('aws.api-latency-p95')!.nextStep).toBe('nvcops incident metrics --preset api-latency');
    expect(registry.get('backups.checksums')!.nextStep).toBe('nvcops backup verify --all');
  });

  for (const step of steps) {
    it(step, async () => {
      const words = step.split(' ');
      expect(words[0]).toBe('nvcops');
      const path = words.slice(1).filter((w, i, all) => !w.startsWith('-') && all.slice(0, i).every((x) => !x.startsWith('-')));
      // --help after the whole step: commander parses the flags and their values (a --level or --preset outside its choices exits 1).
      const help = await nvcops([...words.slice(1), '--help']);
      expect(help.exitCode, help.stderr).toBe(0);
      // The usage line names the very command (an unknown subcommand would show its parent's help).
      expect(help.stdout).toMatch(new RegExp(`^Usage: nvcops ${path.join(' ')} `, 'm'));
      for (const flag of words.filter((w) => w.startsWith('--'))) expect(help.stdout, flag).toMatch(new RegExp(`\\s${flag}[ ,<\\n]`));
    });
  }
});

describe('the human renderer keeps the screen short and within its width', () => {
  const fixture = (): RunReport => JSON.parse(readFileSync(new URL('../fixtures/golden/health-daily-problems.report.json', import.meta.url), 'utf8'));

  it('shows the first five of a long list with the count of the rest; JSON keeps them all', async () => {
    const report = fixture();
    const upgrades = Array.from({ length: 130 }, (_, i) => `libpkg${i} 1.0-${i} → 1.0-${i + 1} (Ubuntu:22.04/jammy-updates)`);
    report.items[0]!.results.find((r) => r.status === 'pass')!.details = upgrades;
    const out = human(report, { color: false, width: 80 });
    expect(out).toContain('libpkg4 1.0-4');
    expect(out).not.toContain('libpkg5 1.0-5');
    expect(out).toContain('… and 125 more of 130 (--format json lists them all)');
    expect(JSON.parse(json(report)).items[0].results.find((r: { status: string }) => r.status === 'pass').details).toEqual(upgrades);
  });

  it('keeps a detail that fits as it is, the spaces that align its columns too', () => {
    const report = fixture();
    report.items[0]!.results.find((r) => r.status === 'pass')!.details = ['6  teller      brute force'];
    expect(human(report, { color: false, width: 80 })).toContain('        6  teller      brute force\n');
  });

  it('breaks a word longer than the screen (a path) and a hostile width; COLUMNS that is not a number falls back to the terminal or 80', async () => {
    const report = fixture();
    report.items[0]!.results.find((r) => r.status === 'pass')!.message = `cannot read /${'very-long-directory-name/'.repeat(12)}file.log`;
    for (const width of [40, 80, 160]) {
      const lines = human(report, { color: false, width }).split('\n');
      expect(lines.filter((l) => [...l].length > width), String(width)).toEqual([]);
    }
    expect(human(report, { color: false, width: 3 }).split('\n').every((l) => [...l].length <= 40)).toBe(true);
    expect(screenWidth({ COLUMNS: 'wide' }, { isTTY: false } as NodeJS.WriteStream)).toBe(80);
    expect(screenWidth({ COLUMNS: '' }, { isTTY: true, columns: 132 } as NodeJS.WriteStream)).toBe(132);
    expect(screenWidth({ COLUMNS: '100' }, { isTTY: true, columns: 132 } as NodeJS.WriteStream)).toBe(100);
    expect(screenWidth({ COLUMNS: '0' }, { isTTY: false } as NodeJS.WriteStream)).toBe(80);
  });
});
