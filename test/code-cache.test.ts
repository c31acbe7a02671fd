import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

// A copy of the built CLI (bin/ and dist/), so that its caches can be removed and spoilt.
function install(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nvcops-install-'));
  for (const part of ['bin', 'dist']) cpSync(new URL(`../${part}/`, import.meta.url).pathname, join(dir, part), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  return dir;
}
const version = (dir: string) => execa('node', [join(dir, 'bin', 'nvcops.js'), '--version'], { reject: false });
const PACKAGE_VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

describe('V8 code cache of the bundles', () => {
  it('the build leaves a cache beside each bundle, and a run that V8 accepts it for leaves it as it was', async () => {
    const dir = install();
    const cache = join(dir, 'dist', 'cli.cjs.cache');
    const before = readFileSync(cache);
    expect(existsSync(join(dir, 'dist', 'aws.cjs.cache'))).toBe(true);
    const r = await version(dir);
    expect(r.stdout).toBe(PACKAGE_VERSION);
    expect(readFileSync(cache).equals(before)).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs without a cache and writes one at exit', async () => {
    const dir = install();
    const cache = join(dir, 'dist', 'cli.cjs.cache');
    rmSync(cache);
    const r = await version(dir);
    expect(r).toMatchObject({ exitCode: 0, stdout: PACKAGE_VERSION, stderr: '' });
    expect(readFileSync(cache).length).toBeGreaterThan(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs past a cache V8 rejects, and replaces it whole', async () => {
    const dir = install();
    const cache = join(dir, 'dist', 'cli.cjs.cache');
    const spoilt = Buffer.from('not a V8 code cache');
    writeFileSync(cache, spoilt);
    const r = await version(dir);
    expect(r).toMatchObject({ exitCode: 0, stdout: PACKAGE_VERSION, stderr: '' });
    const after = readFileSync(cache);
    expect(after.equals(spoilt)).toBe(false);
    expect(after.length).toBeGreaterThan(1000);
    // Written under another name, then renamed: no partial file stays behind.
    expect(readdirSync(join(dir, 'dist')).filter((f) => /\.cache\.\d+$/.test(f))).toEqual([]);
    // The new cache is one V8 takes: the next run leaves it alone.
    await version(dir);
    expect(readFileSync(cache).equals(after)).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});
