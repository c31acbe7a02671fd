/**
 * The layers of ARCHITECTURE.md, kept: no import cycles, commands/ imported by cli.ts and commands/ only,
 * nothing points up, controls have one catalogue and one check factory (src/controls/), and every read
 * of an outside system goes through probes/ (checks hold only judgement, no module caches a run's reads).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import madge from 'madge';
import { describe, expect, it } from 'vitest';
import { registry } from '../src/checks/index.js';
import { CONTROLS } from '../src/controls/catalogue.js';

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
      'compliance/checks.ts',
      'incident/document.ts', 'incident/time.ts',
    ],
  },
  {
    layer: 'probes',
    holds: [
      'probes/', 'state/',
      'runbook/severity.ts', // the runbook's severity levels, data the incident records (probes/incidents.ts) are typed by
      'backups/dump.ts', 'backups/kinds.ts', 'backups/manifest.ts', 'backups/pgtools.ts', 'backups/repository.ts',
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
const KNOWN_UPWARD: string[] = [];

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

describe('controls', () => {
  const sources = readdirSync(`${root}src`, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const text = (f: string) => readFileSync(`${root}src/${f}`, 'utf8');
  const code = (f: string) => text(f).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');

  it('are defined in one catalogue, src/controls/catalogue.ts: no second list of controls comes back', () => {
    // compliance/controls.ts and reviews/controls.ts were two catalogues of two shapes.
    expect(sources.filter((f) => /(^|\/)[\w-]*controls?\.ts$/.test(f))).toEqual([]);
    // A control is an object with `manual:` (a flag or its attestation terms) beside its checks.
    const defining = sources.filter((f) => /\bmanual\??:\s*(true\b|false\b|\{\s*(owner|validFor)\b|MONTHLY\b)/.test(code(f)));
    expect(defining).toEqual(['controls/catalogue.ts']);
  });

  it('have unique ids, and name registered checks, each check under one control', () => {
    expect(new Set(CONTROLS.map((c) => c.id)).size).toBe(CONTROLS.length);
    const checks = CONTROLS.flatMap((c) => c.checks);
    expect(new Set(checks).size).toBe(checks.length);
    expect(checks.filter((id) => !registry.has(id))).toEqual([]);
  });

  it('have one check factory, controlCheck(): every manual control\'s check is built by it, and nothing else reads attestations', () => {
    for (const c of CONTROLS.filter((x) => x.manual)) {
      const file = `checks/${c.checks[0]!.replace('.', '/')}.ts`;
      expect(code(file), file).toMatch(new RegExp(`from '../../controls/check.js';[\\s\\S]*export default controlCheck\\('${c.id}'\\);`));
    }
    // The trail is read through Probes.attestations() (once per run), judged in controls/check.ts.
    const readers = sources.filter((f) => /\.attestations\(\)|\breadAttestations\b/.test(code(f))).sort();
    expect(readers).toEqual(['checks/compliance/audit-trail.ts', 'compliance/evidence.ts', 'controls/check.ts', 'probes/attestations.ts', 'probes/index.ts']);
    // A second factory of control checks would be a function returning a check where attestations or controls are known.
    const factories = sources.filter((f) => /export function \w+\([^)]*\): CheckDefinition\b/.test(code(f)) && /attest|control/i.test(code(f)));
    expect(factories).toEqual(['controls/check.ts']);
    expect(sources.filter((f) => /\bnew WeakMap\b/.test(code(f)) && /^(controls|probes)\//.test(f))).toEqual([]);
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

  it('checks/ reads no log, store, repository or git through a feature module of security/, incident/ or backups/, types included', async () => {
    // Feature files checks may still import, each reading nothing itself.
    const allowed = new Set([
      'incident/time.ts', // ages and --since parsing
      'backups/kinds.ts', // the names of the kinds of backup
    ]);
    const reads = Object.entries((await graph(false)).obj()).flatMap(([from, to]) =>
      !from.startsWith('checks/') ? [] : to.filter((d) => /^(security|incident|backups)\//.test(d) && !allowed.has(d)).map((d) => `${from} -> ${d}`));
    expect(reads).toEqual([]);
  });

  it('checks/ starts no program and opens no file, socket or driver of its own', () => {
    const direct = /from '(?:node:)?(?:fs|fs\/promises|net|tls|dgram|dns|http|https|child_process)'|(?:from |import\()'(?:execa|pg|ioredis|@aws-sdk\/[\w-]+)'/;
    expect(sources.filter((f) => f.startsWith('checks/') && direct.test(text(f)))).toEqual([]);
  });

  it('keeps no module-level WeakMap keyed on a run: Probes memoises per instance', () => {
    expect(sources.filter((f) => /\bnew WeakMap\b/.test(text(f)))).toEqual([]);
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
