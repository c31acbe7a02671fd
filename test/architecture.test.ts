/** The layers of /work/shared/ARCHITECTURE.md, kept: no import cycles, and commands/ is imported by cli.ts and commands/ only. */
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

describe('output of every command', () => {
  it('goes through src/report/: no module outside it asks whether the format is json', () => {
    const asksJson = /[!=]==?\s*['"`]json['"`]|['"`]json['"`]\s*[!=]==?|case\s+['"`]json['"`]/;
    const files = readdirSync(`${root}src`, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.startsWith('report/'));
    expect(files).toContain('cli.ts');
    const branches = files.flatMap((f) => readFileSync(`${root}src/${f}`, 'utf8').split('\n').flatMap((line, i) => (asksJson.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])));
    expect(branches).toEqual([]);
  });
});
