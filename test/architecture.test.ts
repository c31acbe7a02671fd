/** The layers of /work/shared/ARCHITECTURE.md, kept: no import cycles, and commands/ is imported by cli.ts and commands/ only. */
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
