import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';

interface Section { title: string; state: string; summary: string; data?: any; table?: { rows: string[][] } }
const sectionsOf = (stdout: string): Section[] => JSON.parse(stdout).sections;

const NOW = '2025-07-01T03:00:00.000Z';
const at = (minutesAgo: number) => new Date(Date.parse(NOW) - minutesAgo * 60_000).toISOString();

/** A real clone with commits, a merge and tags at chosen times. */
async function makeRepo(): Promise<string> {
  const repo = mkdtempSync(join(tmpdir(), 'nvcops-deploys-'));
  const git = (args: string[], minutesAgo: number) => execa('git', args, {
    cwd: repo,
    env: { GIT_AUTHOR_NAME: 'Ada Ops', GIT_AUTHOR_EMAIL: 'ada@bank.example', GIT_COMMITTER_NAME: 'Ada Ops', GIT_COMMITTER_EMAIL: 'ada@bank.example', GIT_AUTHOR_DATE: at(minutesAgo), GIT_COMMITTER_DATE: at(minutesAgo) },
  });
  const commit = async (file: string, message: string, minutesAgo: number) => {
    writeFileSync(join(repo, file), `${message}\n`);
    await git(['add', file], minutesAgo);
    await git(['commit', '-q', '-m', message], minutesAgo);
  };
  await git(['init', '-q', '-b', 'main'], 300);
  await commit('a.txt', 'Old change outside every window', 300);
  await git(['tag', 'deploy-2025-06-30'], 300);
  await commit('b.txt', 'Raise payment timeout to 30s', 50);
  await git(['checkout', '-q', '-b', 'feature'], 45);
  await commit('c.txt', 'Add retry to card authorisation', 45);
  await git(['checkout', '-q', 'main'], 40);
  await git(['merge', '-q', '--no-ff', '-m', 'Merge branch feature', 'feature'], 40);
  await git(['tag', '-a', 'deploy-2025-07-01.1', '-m', 'release 2025-07-01.1 to production'], 35);
  await git(['tag', 'v1.4.0'], 35);
  await commit('d.txt', 'Fix typo in README', 10);
  return repo;
}

describe('nvcops incident deploys (git log --since="1 hour ago")', () => {
  let repo: string;
  beforeAll(async () => {
    repo = await makeRepo();
  });

  it('lists commits, merges and deploy tags of the last hour, newest first, with author and time', async () => {
    const config = writeConfig({ deploys: { repositories: [repo] } });
    const r = await nvcops(['incident', 'deploys', '--config', config, '--format', 'json'], { env: { NVCOPS_NOW: NOW } });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const [section] = sectionsOf(r.stdout);
    expect(section!.summary).toBe(`1 deploys, 1 merges, 3 commits since ${at(60)}`);
    const events = section!.data.events.map((e: { kind: string; time: string; subject: string; author: string; tags: string[] }) => [e.kind, e.time, e.subject, e.author]);
    expect(events).toEqual([
      ['commit', at(10), 'Fix typo in README', 'Ada Ops <ada@bank.example>'],
      ['deploy', at(35), 'deploy-2025-07-01.1: release 2025-07-01.1 to production', 'Ada Ops <ada@bank.example>'],
      ['merge', at(40), 'Merge branch feature', 'Ada Ops <ada@bank.example>'],
      ['commit', at(45), 'Add retry to card authorisation', 'Ada Ops <ada@bank.example>'],
      ['commit', at(50), 'Raise payment timeout to 30s', 'Ada Ops <ada@bank.example>'],
    ]);
    expect(section!.data.events[2].tags).toEqual(['deploy-2025-07-01.1', 'v1.4.0']);
  });

  it('takes durations, git-style relative times and dates for --since, and deploys.tagPattern for release tags', async () => {
    const config = writeConfig({ deploys: { repositories: [repo], tagPattern: 'v*' } });
    const run = async (since: string) => sectionsOf((await nvcops(['incident', 'deploys', '--config', config, '--since', since, '--format', 'json'], { env: { NVCOPS_NOW: NOW } })).stdout)[0]!.data.events;
    expect((await run('42m')).map((e: { kind: string }) => e.kind)).toEqual(['commit', 'deploy', 'merge']);
    expect((await run('42 minutes ago')).length).toBe(3);
    expect((await run('2025-07-01T02:05:00Z')).length).toBe(5);
    const all = await run('6 hours ago');
    expect(all.filter((e: { kind: string }) => e.kind === 'deploy').map((e: { subject: string }) => e.subject)).toEqual(['v1.4.0']);
    expect(all.length).toBe(6);
    const human = await nvcops(['incident', 'deploys', '--config', config, '--since', '1 hour ago'], { env: { NVCOPS_NOW: NOW } });
    expect(human.stdout).toMatch(/10 min ago\s+2025-07-01T02:50:00.000Z\s+commit\s+[0-9a-f]{7}\s+Ada Ops <ada@bank.example>\s+Fix typo in README/);
    // A lightweight tag has no date of its own: it is dated by its commit.
    expect(human.stdout).toMatch(/40 min ago .* deploy .* v1\.4\.0\n/);
    const bad = await nvcops(['incident', 'deploys', '--config', config, '--since', 'a while back']);
    expect(bad.exitCode).toBe(64);
    expect(bad.stderr).toMatch(/--since: "a while back" is not a time/);
  });

  it('names a path that is not a git repository (exit 3) and says when no repository is configured', async () => {
    const notRepo = mkdtempSync(join(tmpdir(), 'nvcops-not-a-repo-'));
    const config = writeConfig({ deploys: { repositories: [repo, notRepo] } });
    const r = await nvcops(['incident', 'deploys', '--config', config, '--format', 'json'], { env: { NVCOPS_NOW: NOW } });
    expect(r.exitCode).toBe(3);
    const [good, bad] = sectionsOf(r.stdout);
    expect(good!.state).toBe('ok');
    expect(bad).toMatchObject({ state: 'error', summary: expect.stringMatching(/cannot read the repository: not a git repository/) });
    // Nothing to look at is not a finding: exit 78 naming the key, as every command whose system is not configured.
    const none = await nvcops(['incident', 'deploys', '--config', writeConfig({ environment: 'staging' })]);
    expect([none.exitCode, none.stdout, none.stderr]).toEqual([78, '', 'nvcops: invalid configuration: incident deploys: no repositories configured: list local clones in deploys.repositories[]']);
    const noFile = await nvcops(['incident', 'deploys']);
    expect([noFile.exitCode, noFile.stdout]).toEqual([78, '']);
    expect(noFile.stderr).toMatch(/^nvcops: invalid configuration: incident deploys: no repositories configured: list local clones in deploys\.repositories\[\]; no config file found: looked for \S+\/nvcops\.yaml, .*\/nonexistent\/nvcops\/config\.yaml, \/etc\/nvcops\/config\.yaml; pass --config <file> or create one of them$/);
  });
});
