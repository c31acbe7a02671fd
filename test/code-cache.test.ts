import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';

const PACKAGE_VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
const installs: string[] = [];

// A copy of the built CLI (bin/ and dist/), so that its caches can be removed and spoilt.
function install(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nvcops-install-'));
  for (const part of ['bin', 'dist']) cpSync(new URL(`../${part}/`, import.meta.url).pathname, join(dir, part), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  installs.push(dir);
  return dir;
}
const run = (dir: string, args: string[]) => execa('node', [join(dir, 'bin', 'nvcops.js'), ...args], { reject: false, env: { NVCOPS_DEBUG: '1' } });

afterEach(() => {
  for (const dir of installs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('V8 code cache of the bundles', () => {
  it('the build leaves a cache beside each bundle, and V8 takes the CLI’s', async () => {
    const dir = install();
    const cache = readFileSync(join(dir, 'dist', 'cli.cjs.cache'));
    expect(readFileSync(join(dir, 'dist', 'aws.cjs.cache')).length).toBeGreaterThan(1000);
    const r = await run(dir, ['--version']);
    expect(r).toMatchObject({ exitCode: 0, stdout: PACKAGE_VERSION, stderr: '' });
    expect(readFileSync(join(dir, 'dist', 'cli.cjs.cache')).equals(cache)).toBe(true);
  });

  it('runs without a cache, and does not write one', async () => {
    const dir = install();
    rmSync(join(dir, 'dist', 'cli.cjs.cache'));
    const r = await run(dir, ['--version']);
    expect(r).toMatchObject({ exitCode: 0, stdout: PACKAGE_VERSION });
    expect(r.stderr).toMatch(/^nvcops: no code cache for .*dist\/cli\.cjs: ENOENT$/);
    expect(() => readFileSync(join(dir, 'dist', 'cli.cjs.cache'))).toThrow(/ENOENT/);
  });

  it('runs past a cache V8 rejects, says so under NVCOPS_DEBUG, and leaves it for the build to make anew', async () => {
    const dir = install();
    const spoilt = Buffer.from('not a V8 code cache');
    writeFileSync(join(dir, 'dist', 'cli.cjs.cache'), spoilt);
    const r = await run(dir, ['health', 'daily', '--config', '/nonexistent.yaml']);
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toContain('nvcops: V8 rejected');
    expect(r.stderr).toContain('/nonexistent.yaml');
    expect(readFileSync(join(dir, 'dist', 'cli.cjs.cache')).equals(spoilt)).toBe(true);
  });
});

describe('the top-level help starts from a code cache of its own', () => {
  it('the build makes it smaller than the main one, and V8 takes it for --help and -h only', async () => {
    const dir = install();
    const help = join(dir, 'dist', 'cli-help.cjs.cache');
    expect(statSync(help).size).toBeLessThan(statSync(join(dir, 'dist', 'cli.cjs.cache')).size / 2);
    const before = readFileSync(help);
    for (const flag of ['--help', '-h']) {
      const r = await run(dir, [flag]);
      expect(r).toMatchObject({ exitCode: 0, stderr: '' });
      expect(r.stdout).toMatch(/^Usage: nvcops \[options\] \[command\]/);
    }
    expect(readFileSync(help).equals(before)).toBe(true);
    // Spoilt, it is what --help reads (V8 rejects it) and nothing else does.
    writeFileSync(help, 'not a V8 code cache');
    expect((await run(dir, ['--help'])).stderr).toContain(`nvcops: V8 rejected ${help}`);
    for (const args of [['-V'], ['health', 'db', '--help'], ['--help', 'health']]) expect((await run(dir, args)).stderr, args.join(' ')).toBe('');
  });

  it('without it, --help starts from the main cache', async () => {
    const dir = install();
    rmSync(join(dir, 'dist', 'cli-help.cjs.cache'));
    const r = await run(dir, ['--help']);
    expect(r).toMatchObject({ exitCode: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Usage: nvcops/);
    rmSync(join(dir, 'dist', 'cli.cjs.cache'));
    expect((await run(dir, ['--help'])).stderr).toMatch(/^nvcops: no code cache for .*dist\/cli\.cjs: ENOENT$/);
  });
});

describe('built-ins a command line does not use are not loaded (scripts/build.mjs LAZY_BUILTINS)', () => {
  // Node's own record of the built-in modules a run loaded, printed at exit by a preloaded script.
  const loaded = async (args: string[]) => {
    const dir = install();
    const preload = join(dir, 'loaded.cjs');
    writeFileSync(preload, "process.on('exit', () => require('node:fs').writeSync(2, '\\nLOADED ' + JSON.stringify(process.moduleLoadList)));");
    const r = await execa('node', ['--require', preload, join(dir, 'bin', 'nvcops.js'), ...args], { reject: false, env: { NVCOPS_CONFIG: join(dir, 'none.yaml') } });
    return { r, modules: JSON.parse(r.stderr.slice(r.stderr.lastIndexOf('\nLOADED ') + 8)) as string[] };
  };

  // (net itself comes with a stdout that is a pipe, as here.)
  it('--help loads none of child_process, dgram, tls, crypto (commander and the commands import them at the top)', async () => {
    const { r, modules } = await loaded(['--help']);
    expect(r.exitCode).toBe(0);
    expect(modules).toContain('NativeModule fs');
    for (const m of ['child_process', 'dgram', 'tls', 'crypto']) expect(modules).not.toContain(`NativeModule ${m}`);
  });

  it('a command that uses one loads it when it first reaches it', async () => {
    // The audit trail's hash chain, through the deferred crypto module: an entry written, then verified.
    const state = mkdtempSync(join(tmpdir(), 'nvcops-state-'));
    installs.push(state);
    const config = join(state, 'nvcops.json');
    writeFileSync(config, JSON.stringify({ state: { path: join(state, 'state') } }));
    expect((await loaded(['incident', 'open', '--severity', 'P3', '--title', 'lazy built-ins', '--config', config])).r.exitCode).toBe(0);
    const { r, modules } = await loaded(['audit', 'verify', '--config', config]);
    expect(r).toMatchObject({ exitCode: 0 });
    expect(r.stdout).toMatch(/^head 1:[0-9a-f]{64}$/m);
    expect(modules).toContain('NativeModule crypto');
  });
});
