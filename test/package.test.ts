import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_NAMES } from '../src/report/schema-names.js';
import { writeConfig } from './support/cli.js';
import { startPostgres, type PgServer } from './support/servers.js';

const ROOT = new URL('..', import.meta.url).pathname;
const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

/** Bytes under a directory, as `du --apparent-size` counts them. */
const sizeOf = (dir: string): number => readdirSync(dir, { withFileTypes: true, recursive: true })
  .filter((e) => e.isFile()).reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);

describe('the packed tarball installs as a self-contained program', () => {
  let pg: PgServer;
  let prefix: string;
  /** The installed nvcops, run with no PG*, NVCOPS_* or AWS_* of the machine and from a directory with nothing beside it. */
  const installed = (args: string[]) => execa(join(prefix, 'bin', 'nvcops'), args, {
    reject: false, cwd: mkdtempSync(join(tmpdir(), 'nvcops-cwd-')), extendEnv: false,
    env: { PATH: `${join(prefix, 'bin')}:/usr/bin:/bin`, HOME: mkdtempSync(join(tmpdir(), 'nvcops-home-')), NO_COLOR: '1', XDG_CONFIG_HOME: '/nonexistent' },
  });

  beforeAll(async () => {
    pg = await startPostgres();
    const out = mkdtempSync(join(tmpdir(), 'nvcops-pack-'));
    // `npm test` has just built dist/; prepack would build it again.
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', out], { cwd: ROOT, stdio: 'ignore' });
    prefix = join(out, 'prefix');
    execFileSync('npm', ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(out, `nvcops-${VERSION}.tgz`)], { cwd: out, stdio: 'ignore' });
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it('brings no dependencies (the bundle is the program) and stays under 10 MB installed', () => {
    const pkg = join(prefix, 'lib', 'node_modules', 'nvcops');
    expect(existsSync(join(pkg, 'node_modules'))).toBe(false);
    expect(readdirSync(pkg).sort()).toEqual(['README.md', 'bin', 'dist', 'docs', 'package.json']);
    expect(readdirSync(join(pkg, 'dist', 'schemas')).sort()).toEqual(SCHEMA_NAMES.map((n) => `${n}.json`).sort());
    expect(sizeOf(prefix)).toBeLessThan(10 * 1024 * 1024);
  });

  it('answers --version and --help, and runs health db against a real server, from the installed copy', async () => {
    const version = await installed(['--version']);
    expect([version.exitCode, version.stdout]).toEqual([0, VERSION]);
    const help = await installed(['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: nvcops /);
    // A command's help names its reference page in the installed copy, where the README's links lead too.
    const daily = await installed(['health', 'daily', '--help']);
    const page = /\nReference: ([^\s#]+)(#\S+)?\n/.exec(daily.stdout)?.[1];
    expect(page).toBe(join(prefix, 'lib', 'node_modules', 'nvcops', 'docs', 'health.md'));
    expect(existsSync(page!)).toBe(true);
    const db = await installed(['health', 'db', '--config', writeConfig({ environment: 'staging', postgres: { url: pg.monitorUrl } }), '--format', 'json']);
    expect(db.stderr).toBe('');
    const report = JSON.parse(db.stdout);
    expect(report.command).toBe('health db');
    const results = report.items.flatMap((i: { results: Array<{ id: string; status: string }> }) => i.results);
    expect(results.find((r: { id: string }) => r.id === 'postgres.connect-time').status).toBe('pass');
  });
});
