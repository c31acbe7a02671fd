import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNpmRegistry } from './support/npm-registry.js';
import { nvcops, writeConfig } from './support/cli.js';
import { fakeApt } from './support/fake-apt.js';

/** An application directory with a lockfile naming these packages (npm audit reads the lockfile only). */
function app(deps: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'nvcops-app-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bank-app', version: '1.0.0', dependencies: deps }));
  const packages = Object.fromEntries(Object.entries(deps).map(([n, v]) => [`node_modules/${n}`, { version: v, resolved: `http://127.0.0.1/${n}-${v}.tgz`, integrity: 'sha512-AAAA' }]));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({
    name: 'bank-app', version: '1.0.0', lockfileVersion: 3, requires: true,
    packages: { '': { name: 'bank-app', version: '1.0.0', dependencies: deps }, ...packages },
  }));
  return dir;
}

type Result = { id: string; status: string; message: string; details?: string[] };
const audit = (stdout: string): Result => JSON.parse(stdout).items[0].results.find((r: Result) => r.id === 'security.npm-audit');

describe('maintain security-updates: npm audit of the configured applications', () => {
  let registry: Awaited<ReturnType<typeof startNpmRegistry>>;
  beforeAll(async () => {
    registry = await startNpmRegistry(
      {
        'left-pad': [{ id: 1001, title: 'Prototype pollution in left-pad', severity: 'moderate', vulnerable_versions: '<1.3.0' }],
        'card-utils': [{ id: 1002, title: 'Card numbers logged in clear', severity: 'critical', vulnerable_versions: '<2.0.0' }],
      },
      { 'left-pad': ['1.0.0', '1.3.0'], 'card-utils': ['1.4.0', '2.0.0'], 'safe-lib': ['1.0.0'] },
    );
  });
  afterAll(() => registry?.stop());

  // A cache of its own: npm keeps registry answers, and another run's must not leak in.
  const cache = mkdtempSync(join(tmpdir(), 'nvcops-npm-cache-'));
  const env = () => ({ npm_config_registry: registry.url, npm_config_fetch_retries: '0', npm_config_cache: cache });

  it('lists vulnerable dependencies from real npm audit JSON, most severe first, and fails on critical', async () => {
    const config = writeConfig({ security: { applications: [app({ 'left-pad': '1.0.0', 'card-utils': '1.4.0', 'safe-lib': '1.0.0' })] } });
    const r = await nvcops(['maintain', 'security-updates', '--config', config, '--format', 'json'], { env: env() });
    const npm = audit(r.stdout);
    expect(npm.status).toBe('fail');
    expect(npm.message).toBe('1 critical, 0 high, 1 moderate, 0 low, 0 info vulnerabilities');
    expect(npm.details).toEqual([
      expect.stringMatching(/: card-utils 1\.4\.0 \(critical, direct\): Card numbers logged in clear — npm install card-utils@2\.0\.0 \(major version\)$/),
      expect.stringMatching(/: left-pad 1\.0\.0 \(moderate, direct\): Prototype pollution in left-pad — npm install left-pad@1\.3\.0$/),
    ]);
  });

  it('passes an application with no known vulnerability, and warns on moderate only', async () => {
    const clean = await nvcops(['maintain', 'security-updates', '--config', writeConfig({ security: { applications: [app({ 'safe-lib': '1.0.0' })] } }), '--format', 'json'], { env: env() });
    expect(audit(clean.stdout)).toMatchObject({ status: 'pass', message: '0 critical, 0 high, 0 moderate, 0 low, 0 info vulnerabilities' });
    const moderate = await nvcops(['maintain', 'security-updates', '--config', writeConfig({ security: { applications: [app({ 'left-pad': '1.0.0' })] } }), '--format', 'json'], { env: env() });
    expect(audit(moderate.stdout).status).toBe('warn');
  });

  it('says error naming the cause when the registry cannot be reached (never pass)', async () => {
    const config = writeConfig({ security: { applications: [app({ 'left-pad': '1.0.0' })] } });
    const r = await nvcops(['maintain', 'security-updates', '--config', config, '--format', 'json'], { env: { ...env(), npm_config_registry: 'http://127.0.0.1:1/' } });
    const npm = audit(r.stdout);
    expect(npm.status).toBe('error');
    expect(npm.details![0]).toMatch(/npm audit failed: request to http:\/\/127\.0\.0\.1:1\/-\/npm\/v1\/security\/advisories\/bulk failed, reason: connect ECONNREFUSED/);
    const noLock = await nvcops(['maintain', 'security-updates', '--config', writeConfig({ security: { applications: [mkdtempSync(join(tmpdir(), 'nvcops-empty-'))] } }), '--format', 'json'], { env: env() });
    expect(audit(noLock.stdout).status).toBe('error');
  });
});

const SECURITY_INST = 'Inst libssl3 [3.0.17-1~deb12u2] (3.0.17-1~deb12u3 Debian-Security:12/stable-security [amd64])';
const osUpdates = (stdout: string): Result => JSON.parse(stdout).items[0].results.find((r: Result) => r.id === 'security.os-updates');

describe('maintain security-updates: OS updates only as fresh as apt\'s package lists (fake apt on PATH)', () => {
  const run = async (env: Record<string, string>) =>
    osUpdates((await nvcops(['maintain', 'security-updates', '--config', writeConfig({}), '--format', 'json'], { env })).stdout);

  it('passes 0 pending with fresh lists, warns on a pending security update', async () => {
    expect(await run(fakeApt([], { ageDays: 0.1 }))).toMatchObject({ status: 'pass', message: expect.stringMatching(/^0 security updates pending \(0 upgrades in all\); package lists from .* ago$/) });
    const one = await run(fakeApt([SECURITY_INST], { ageDays: 0.1 }));
    expect(one).toMatchObject({ status: 'warn', message: expect.stringMatching(/^1 security updates pending/) });
    expect(one.details![0]).toMatch(/^SECURITY libssl3 3\.0\.17-1~deb12u2 → 3\.0\.17-1~deb12u3/);
  });

  it('is error, never pass, with no package lists or lists older than 7 days; warns on lists older than 1 day', async () => {
    const none = await run(fakeApt([], 'none'));
    expect(none.status).toBe('error');
    expect(none.message).toMatch(/^apt has no package lists in .*: it cannot know of any update — run apt-get update$/);
    const stale = await run(fakeApt([], { ageDays: 368.5 }));
    expect(stale.status).toBe('error');
    expect(stale.message).toMatch(/^package lists from .* ago \(> 7 days\): apt cannot know of fixes published since — run apt-get update; 0 security updates pending/);
    const old = await run(fakeApt([], { ageDays: 3 }));
    expect(old).toMatchObject({ status: 'warn', message: expect.stringMatching(/^0 security updates pending \(0 upgrades in all\); package lists from .* ago \(> 1 day\): run apt-get update$/) });
  });
});

/** One package as dpkg's status file or a repository's Packages file writes it. */
interface DebPackage { name: string; version: string; depends?: string; hold?: boolean }
const stanza = (p: DebPackage, installed: boolean): string => [
  `Package: ${p.name}`, ...(installed ? [`Status: ${p.hold ? 'hold' : 'install'} ok installed`] : []), 'Priority: optional', 'Section: misc',
  'Installed-Size: 1', 'Maintainer: Ops <ops@example.com>', 'Architecture: amd64', `Version: ${p.version}`,
  ...(p.depends ? [`Depends: ${p.depends}`] : []), ...(installed ? [] : [`Filename: ${p.name}_${p.version}.deb`, 'Size: 1']), `Description: ${p.name}`, '', ''].join('\n');

/**
 * Real apt in a root of its own (APT_CONFIG): these packages installed (dpkg status), a local
 * repository labelled like Debian's security archive offering these, and real `apt-get update` run
 * on it — so `apt-get -s upgrade` decides itself what it upgrades and what it keeps back.
 */
async function realApt(installed: DebPackage[], offered: DebPackage[]): Promise<Record<string, string>> {
  const root = mkdtempSync(join(tmpdir(), 'nvcops-aptroot-'));
  for (const d of ['repo', 'lists/partial', 'cache/archives/partial', 'state', 'sources.list.d', 'preferences.d', 'log']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'status'), installed.map((p) => stanza(p, true)).join(''));
  writeFileSync(join(root, 'repo', 'Packages'), offered.map((p) => stanza(p, false)).join(''));
  writeFileSync(join(root, 'repo', 'Release'), 'Origin: Debian\nLabel: Debian-Security\nSuite: stable-security\nVersion: 12\nCodename: bookworm-security\nArchitectures: amd64\n');
  writeFileSync(join(root, 'sources.list'), `deb [trusted=yes] file:${root}/repo ./\n`);
  writeFileSync(join(root, 'apt.conf'), [
    `Dir::State "${root}/state";`, `Dir::State::status "${root}/status";`, `Dir::State::lists "${root}/lists";`, `Dir::Cache "${root}/cache";`,
    `Dir::Etc::sourcelist "${root}/sources.list";`, `Dir::Etc::sourceparts "${root}/sources.list.d";`, `Dir::Etc::preferencesparts "${root}/preferences.d";`,
    `Dir::Log "${root}/log";`, 'APT::Architecture "amd64";', 'APT::Architectures { "amd64"; };', 'APT::Sandbox::User "root";', 'Debug::NoLocking "1";', '',
  ].join('\n'));
  const env = { APT_CONFIG: join(root, 'apt.conf'), LC_ALL: 'C' };
  await execa('apt-get', ['update'], { env });
  return env;
}

describe('maintain security-updates: upgrades apt keeps back are still pending (real apt, a root of its own)', () => {
  const run = async (env: Record<string, string>) =>
    osUpdates((await nvcops(['maintain', 'security-updates', '--config', writeConfig({}), '--format', 'json'], { env })).stdout);
  // A new kernel ABI: the meta-package's upgrade needs a package not installed yet, so `apt-get upgrade` keeps it back.
  const kernel = (abi: number, version: string): DebPackage[] => [
    { name: 'linux-image-amd64', version, depends: `linux-image-6.1.0-${abi}-amd64` },
    { name: `linux-image-6.1.0-${abi}-amd64`, version },
  ];

  it('counts a held-back security upgrade, says it is held back and how to install it, and warns on it alone', async () => {
    const r = await run(await realApt(kernel(37, '6.1.140-1'), kernel(38, '6.1.147-1')));
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/^1 security updates pending \(1 upgrades in all, 1 held back by apt-get upgrade\); package lists from .* ago$/);
    expect(r.details).toEqual([
      'SECURITY linux-image-amd64 6.1.140-1 → 6.1.147-1 (Debian-Security:12/stable-security) — held back by apt-get upgrade (it needs new packages or removals, or is held with apt-mark hold): apt-get install linux-image-amd64 or apt-get dist-upgrade',
    ]);
  });

  it('counts a package held with apt-mark hold beside one apt-get upgrade installs', async () => {
    const openssl = (version: string, hold = false): DebPackage => ({ name: 'libssl3', version, hold });
    const r = await run(await realApt([openssl('3.0.17-1~deb12u2', true), { name: 'curl', version: '7.88.1-10+deb12u12' }], [openssl('3.0.17-1~deb12u3'), { name: 'curl', version: '7.88.1-10+deb12u14' }]));
    expect(r.message).toMatch(/^2 security updates pending \(2 upgrades in all, 1 held back by apt-get upgrade\)/);
    expect(r.details).toEqual([
      'SECURITY curl 7.88.1-10+deb12u12 → 7.88.1-10+deb12u14 (Debian-Security:12/stable-security) — apt-get install --only-upgrade curl',
      expect.stringMatching(/^SECURITY libssl3 3\.0\.17-1~deb12u2 → 3\.0\.17-1~deb12u3 \(Debian-Security:12\/stable-security\) — held back by apt-get upgrade/),
    ]);
  });

  it('is error, never pass, when apt keeps an upgrade back that even dist-upgrade cannot plan', async () => {
    const r = await run(await realApt(kernel(37, '6.1.140-1'), kernel(38, '6.1.147-1').slice(0, 1)));
    expect(r).toMatchObject({
      status: 'error',
      message: 'apt keeps back linux-image-amd64 and cannot plan its upgrade even with dist-upgrade: whether it is a security fix is unknown — run apt-get install linux-image-amd64 to see why',
    });
  });
});
