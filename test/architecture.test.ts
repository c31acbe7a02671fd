/**
 * The layers of /work/shared/ARCHITECTURE.md, kept: no import cycles, commands/ is imported by cli.ts and commands/ only,
 * and every read of an outside system goes through probes/ (checks hold only judgement, no module caches a run's reads).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
// Dynamic import() counts: a cycle broken only by a lazy import is still a cycle.
const graph = (skipTypeImports: boolean) =>
  madge(`${root}src`, { fileExtensions: ['ts'], tsConfig: `${root}tsconfig.json`, detectiveOptions: { ts: { skipTypeImports, skipAsyncImports: false } } });

describe('import graph of src/', () => {
  it('resolves every import (a graph that misses files would prove nothing)', async () => {
    const g = await graph(false);
    expect(g.warnings().skipped).toEqual([]);
    expect(Object.keys(g.obj())).toContain('cli.ts');
    expect(g.obj()['cli.ts']).toContain('commands/health.ts');
  });

  it('has no cycle among the modules that load one another at run time', async () => {
    expect((await graph(true)).circular()).toEqual([]);
  });

  it('has no cycle through type imports either', async () => {
    expect((await graph(false)).circular()).toEqual([]);
  });

  it('imports commands/ from cli.ts and commands/ only, types included', async () => {
    const upward = Object.entries((await graph(false)).obj()).flatMap(([from, to]) =>
      from === 'cli.ts' || from.startsWith('commands/') ? [] : to.filter((d) => d.startsWith('commands/')).map((d) => `${from} -> ${d}`));
    expect(upward).toEqual([]);
  });
});

describe('reads of outside systems', () => {
  const sources = readdirSync(`${root}src`, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const text = (f: string) => readFileSync(`${root}src/${f}`, 'utf8');

  it('checks/ reads through probes/: nothing from maintain/, and from reviews/ only the control catalogue, types included', async () => {
    // reviews/controls.ts is the capacity and security control catalogue, left to the one-catalogue work (issue 21).
    const allowed = new Set(['reviews/controls.ts']);
    const reads = Object.entries((await graph(false)).obj()).flatMap(([from, to]) =>
      !from.startsWith('checks/') ? [] : to.filter((d) => (d.startsWith('maintain/') || d.startsWith('reviews/')) && !allowed.has(d)).map((d) => `${from} -> ${d}`));
    expect(reads).toEqual([]);
  });

  it('checks/ starts no program and opens no file, socket or driver of its own', () => {
    const direct = /from '(?:node:)?(?:fs|fs\/promises|net|tls|dgram|dns|http|https|child_process)'|(?:from |import\()'(?:execa|pg|ioredis|@aws-sdk\/[\w-]+)'/;
    expect(sources.filter((f) => f.startsWith('checks/') && direct.test(text(f)))).toEqual([]);
  });

  it('keeps no module-level WeakMap keyed on a run: Probes memoises per instance', () => {
    // The audit trail's cache in compliance/attestations.ts is left to the control-catalogue work (issue 21).
    const known = new Set(['compliance/attestations.ts']);
    expect(sources.filter((f) => !known.has(f) && /\bnew WeakMap\b/.test(text(f)))).toEqual([]);
  });
});
