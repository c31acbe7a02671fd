/** The layers of ARCHITECTURE.md, kept: no import cycles, commands/ imported by cli.ts and commands/ only, and nothing points up. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
// Dynamic import() counts: a cycle broken only by a lazy import is still a cycle.
const graphs = new Map<boolean, ReturnType<typeof madge>>();
// Read once per kind: each reading parses all of src/.
const graph = (skipTypeImports: boolean) => {
  if (!graphs.has(skipTypeImports)) {
    graphs.set(skipTypeImports, madge(`${root}src`, { fileExtensions: ['ts'], tsConfig: `${root}tsconfig.json`, detectiveOptions: { ts: { skipTypeImports, skipAsyncImports: false } } }));
  }
  return graphs.get(skipTypeImports)!;
};

/**
 * The layers, top to bottom (ARCHITECTURE.md): a module imports its own layer and those below, never one above.
 * A folder ending in / holds every file under it; a file named on its own is placed by its name, which wins.
 * The feature folders are use cases and sit with app/; the files of them that checks or probes read from sit
 * with those, named here (a new one that checks need fails below until it is placed, or moved under probes/).
 */
const LAYERS: { layer: string; holds: string[] }[] = [
  { layer: 'cli', holds: ['cli.ts', 'fatal.ts'] },
  { layer: 'commands', holds: ['commands/'] },
  { layer: 'app', holds: ['app/', 'backups/', 'compliance/', 'dr/', 'incident/', 'maintain/', 'security/'] },
  {
    layer: 'checks/controls',
    holds: [
      'checks/', 'controls/', 'runbook/', 'reviews/', 'report/',
      'compliance/attestations.ts', 'compliance/checks.ts', 'compliance/controls.ts',
      'backups/freshness.ts', 'backups/verify.ts',
      'incident/deploys.ts', 'incident/document.ts', 'incident/logs.ts', 'incident/records.ts', 'incident/time.ts',
      'security/acks.ts', 'security/events.ts',
    ],
  },
  {
    layer: 'probes',
    holds: [
      'probes/', 'state/',
      'backups/dump.ts', 'backups/kinds.ts', 'backups/manifest.ts', 'backups/pgtools.ts', 'backups/repository.ts',
      'maintain/access.ts', 'maintain/certificates.ts', 'maintain/postgres-catalog.ts', 'maintain/redis-security.ts', 'maintain/updates.ts',
    ],
  },
  { layer: 'engine', holds: ['engine/', 'types/'] },
];

/** Its layer's index (0 = top): the longest entry that holds the file. */
function layerOf(file: string): number {
  let best = -1;
  let length = 0;
  LAYERS.forEach(({ holds }, i) => {
    for (const h of holds) if ((h.endsWith('/') ? file.startsWith(h) : file === h) && h.length > length) [best, length] = [i, h.length];
  });
  return best;
}

/** Known to point up, each with what removes it; nothing may join them. */
const KNOWN_UPWARD = [
  // The attest/waive command handling lives in the attestation store module; the one control catalogue (issue #21) takes it out.
  'compliance/attestations.ts -> app/prepare.ts',
];

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

  it('places every module in a layer, and every file it names exists', async () => {
    expect(Object.keys((await graph(false)).obj()).filter((f) => layerOf(f) < 0)).toEqual([]);
    expect(LAYERS.flatMap((l) => l.holds).filter((h) => !existsSync(`${root}src/${h}`) && !h.endsWith('/'))).toEqual([]);
  });

  it('points no import up the layers (cli → commands → app → checks/controls → probes → engine), types included', async () => {
    const upward = Object.entries((await graph(false)).obj()).flatMap(([from, to]) =>
      to.filter((d) => layerOf(d) < layerOf(from)).map((d) => `${from} -> ${d}`));
    expect(upward.filter((u) => !KNOWN_UPWARD.includes(u))).toEqual([]);
    // One that no longer points up leaves the list.
    expect(KNOWN_UPWARD.filter((k) => !upward.includes(k))).toEqual([]);
  });
});
