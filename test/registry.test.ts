import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checks, registry } from '../src/checks/index.js';
import { resolveThresholds } from '../src/engine/thresholds.js';
import { procedures } from '../src/runbook/procedures.js';

const root = new URL('../src/checks/', import.meta.url).pathname;

describe('check registry', () => {
  it('the threshold table of docs/checks.md names real checks, with their default levels', () => {
    const page = readFileSync(new URL('../docs/checks.md', import.meta.url), 'utf8');
    const table = page.slice(page.indexOf('| check id | unit | warn | fail | source |'));
    const rows = table.split('\n').slice(2).filter((l) => l.startsWith('| `') && !l.startsWith('| `business.'));
    expect(rows.length).toBeGreaterThan(20);
    const level = (cell: string) => /^`([^`]+)`/.exec(cell.trim())?.[1];
    const documented = new Set<string>();
    for (const row of rows) {
      const [ids, , warn, fail] = row.split(' | ').map((c) => c.replace(/^\| /, ''));
      // `aws.capacity-cpu`, `-db-size`: a leading dash continues the first id's stem.
      const named = ids!.split(', ').map((i) => i.replaceAll('`', ''));
      const stem = named[0]!.slice(0, named[0]!.lastIndexOf('-'));
      for (const id of named.map((i) => (i.startsWith('-') ? stem + i : i))) {
        documented.add(id);
        const check = registry.get(id);
        expect(check, `docs/checks.md row ${id}`).toBeDefined();
        expect([id, level(warn!), level(fail!)]).toEqual([id, check!.thresholds?.warn, check!.thresholds?.fail]);
      }
    }
    // And the other way: every check with default levels has its row (business.<name> are the configuration's).
    const withLevels = checks.filter((c) => (c.thresholds?.warn || c.thresholds?.fail) && !c.id.startsWith('business.'));
    expect(withLevels.map((c) => c.id).filter((id) => !documented.has(id))).toEqual([]);
  });

  it('every check id the sources name in quotes is a registered check (a history filter on a misspelt id finds nothing, silently)', () => {
    const src = new URL('../src/', import.meta.url).pathname;
    const domains = [...new Set(checks.map((c) => c.id.split('.')[0]))].join('|');
    const quoted = new RegExp(`'((?:${domains})\\.[a-z0-9]+(?:-[a-z0-9]+)*)'`, 'g');
    const named = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(src + f, 'utf8').matchAll(quoted)].map((m) => `${f}: ${m[1]}`));
    expect(named.length).toBeGreaterThan(50);
    // Config keys and log field paths that look like check ids.
    const notChecks = new Set(['logs.application', 'postgres.url', 'pgbouncer.url', 'redis.url', 'redis.password', 'redis.database', 'redis.username', 'redis.sentinels', 'aws.profile', 'aws.region', 'aws.endpoint', 'http.status']);
    expect(named.filter((n) => !registry.has(n.split(': ')[1]!) && !notChecks.has(n.split(': ')[1]!))).toEqual([]);
  });

  it('has unique ids', () => {
    expect(registry.size).toBe(checks.length);
  });

  it('names each check by its path: <domain>.<name> lives in src/checks/<domain>/<name>.ts', () => {
    for (const c of checks) {
      const [domain, name] = c.id.split('.');
      expect(existsSync(`${root}${domain}/${name}.ts`), c.id).toBe(true);
    }
  });

  it('registers every check module in the tree', () => {
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('index.ts') && f.includes('/'))
      .map((f) => f.replace(/\.ts$/, '').replace('/', '.'));
    expect(files.sort()).toEqual([...registry.keys()].sort());
  });

  it('puts every check under at least one procedure line (its runbook line comes from there), and every procedure names only known checks', () => {
    const lines = new Map<string, string[]>();
    for (const p of Object.values(procedures)) for (const i of p.items) for (const id of i.checks) lines.set(id, [...(lines.get(id) ?? []), i.title]);
    const orphans = checks.filter((c) => !lines.get(c.id)?.every((t) => t.trim().length > 3)).map((c) => c.id);
    expect(orphans, 'checks under no procedure line, or under an empty one').toEqual([]);
    expect([...lines.keys()].filter((id) => !registry.has(id)), 'procedures name unknown checks').toEqual([]);
  });

  it('gives every check a title and a source for its default thresholds', () => {
    for (const c of checks) {
      expect(c.title.length, c.id).toBeGreaterThan(3);
      if (c.thresholds) expect(c.thresholds.source.length, c.id).toBeGreaterThan(3);
    }
  });

  it('has default thresholds that parse against each check unit', () => {
    expect(() => resolveThresholds(checks)).not.toThrow();
  });
});
