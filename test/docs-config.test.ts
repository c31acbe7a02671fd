/**
 * docs/configuration.md's key table against the zod schema (src/engine/config/schema.ts), both ways:
 * a key in the schema and not in the table, or in the table and not in the schema, fails; so does a
 * type that differs, and a default shown that is not the code's (the schema's `.default()`, or the
 * constant the code falls back to, read from its source file below).
 *
 * `UPDATE_DOCS=1 npx vitest run test/docs-config.test.ts` rewrites the table between its markers from
 * the schema, keeping each key's default and description as written.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fileSchema } from '../src/engine/config/schema.js';
import { configKeys, type ConfigKey } from './support/config-keys.js';

const DOC = new URL('../docs/configuration.md', import.meta.url);
const BEGIN = '<!-- config-keys:begin -->';
const END = '<!-- config-keys:end -->';
const HEADER = '| key | type | default | what it is |\n|---|---|---|---|';
/** An environment under `environments:` takes every top-level key but `environments`; the table says so in one row. */
const ENV = 'environments.<name>';

const source = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
/** The value a constant or fallback in a source file holds, as the docs write it. */
function fromSource(file: string, pattern: RegExp, show: (v: string, m: RegExpExecArray) => string = (v) => v): () => string {
  return () => {
    const m = pattern.exec(source(file));
    if (!m) throw new Error(`${file}: ${pattern} not found: the default moved; point this entry at it`);
    return show(m[1]!, m);
  };
}
const seconds = (ms: string) => `${Number(ms.replace(/_/g, '')) / 1000}s`;

/** Defaults the code applies where the schema has none: key → where the code keeps it. */
const CODE_DEFAULTS: Record<string, () => string> = {
  'schedule.timezone': fromSource('src/runbook/schedule.ts', /DEFAULT_TIMEZONE = '([^']+)'/),
  'postgres.connectTimeout': fromSource('src/probes/index.ts', /connectTimeoutMs: ms\(c\.connectTimeout, (\d+)\)/, seconds),
  'postgres.statementTimeout': fromSource('src/probes/index.ts', /statementTimeoutMs: ms\(c\.statementTimeout, (\d+)\)/, seconds),
  'pgbouncer.connectTimeout': fromSource('src/probes/index.ts', /PgbouncerProbe\(\{ url: c\.url, connectTimeoutMs: ms\(c\.connectTimeout, (\d+)\)/, seconds),
  'redis.connectTimeout': fromSource('src/probes/index.ts', /get redis\(\)[\s\S]*?connectTimeoutMs: ms\(c\.connectTimeout, (\d+)\)/, seconds),
  'services[].timeout': fromSource('src/probes/index.ts', /timeoutMs: ms\(s\.timeout, (\d+)\)/, seconds),
  'services[].samples': fromSource('src/probes/index.ts', /samples: s\.samples \?\? (\d+)/),
  'backups.verify': fromSource('src/checks/backups-verify.ts', /backups\?\.verify === '(all)'/, () => 'newest'),
  'backups.dbTimeout': fromSource('src/backups/take.ts', /DB_TIMEOUT = '([^']+)'/),
  'dr.rto': fromSource('src/dr/drill.ts', /DEFAULT_RTO = '([^']+)'/),
  'dr.rpo': fromSource('src/dr/drill.ts', /DEFAULT_RPO = '([^']+)'/),
  'dr.maxReplicaLag': fromSource('src/dr/drill.ts', /DEFAULT_MAX_REPLICA_LAG = '([^']+)'/),
  'business.metrics[].unit': fromSource('src/checks/business/index.ts', /m\.unit \?\? '([^']+)'/),
  'aws.timeout': fromSource('src/probes/aws.ts', /parseDuration\(this\.config\.timeout \?\? ''\) \?\? (\d+)/, seconds),
  'deploys.tagPattern': fromSource('src/probes/deploys.ts', /DEFAULT_DEPLOY_TAG_PATTERN = '([^']+)'/),
  'incident.notify.pagerduty.url': fromSource('src/probes/post-json.ts', /PAGERDUTY_EVENTS_URL = '([^']+)'/),
  'alerts.pagerduty.url': fromSource('src/probes/post-json.ts', /PAGERDUTY_EVENTS_URL = '([^']+)'/),
  'maintenance.vacuum.deadTupleRatio': fromSource('src/maintain/db.ts', /DEFAULT_DEAD_TUPLE_RATIO = (\d+)/),
  'maintenance.vacuum.minDeadTuples': fromSource('src/maintain/db.ts', /DEFAULT_MIN_DEAD_TUPLES = ([\d_]+)/, (v) => v.replace(/_/g, '')),
  'maintenance.vacuum.staleAfter': fromSource('src/maintain/db.ts', /DEFAULT_STALE_AFTER = '([^']+)'/),
  'maintenance.vacuum.lockTimeout': fromSource('src/maintain/db.ts', /DEFAULT_LOCK_TIMEOUT = '([^']+)'/),
  'maintenance.indexes.unusedMinSize': fromSource('src/probes/postgres-catalog.ts', /DEFAULT_UNUSED_MIN_SIZE = '([^']+)'/),
  'maintenance.indexes.bloatMinSize': fromSource('src/probes/postgres-catalog.ts', /DEFAULT_BLOAT_MIN_SIZE = '([^']+)'/),
  'maintenance.indexes.bloatRatio': fromSource('src/probes/postgres-catalog.ts', /DEFAULT_BLOAT_RATIO = (\d+)/),
  'maintenance.logs[].maxAge': fromSource('src/maintain/logs.ts', /DEFAULT_MAX_AGE = '([^']+)'/),
  'maintenance.logs[].keep': fromSource('src/maintain/logs.ts', /DEFAULT_KEEP = (\d+)/),
  'maintenance.logs[].reopen.signal': fromSource('src/maintain/logs.ts', /entry\.reopen\?\.signal \?\? '([^']+)'/),
  'security.bruteForce': fromSource('src/probes/security-events.ts', /BRUTE_FORCE_DEFAULT = \{ failures: (\d+), withinMs: (\d+) \* 60_000 \}/, (n, m) => `${n} within ${m[2]}m`),
  'alerts.severity.<name>.fail': fromSource('src/app/alerts.ts', /DEFAULT_SEVERITY = [^\n]*fail: '(\w+)'/),
  'alerts.severity.<name>.error': fromSource('src/app/alerts.ts', /DEFAULT_SEVERITY = [^\n]*error: '(\w+)'/),
  'alerts.severity.<name>.warn': fromSource('src/app/alerts.ts', /DEFAULT_SEVERITY = [^\n]*warn: a\.warn \? '(\w+)'/),
  'maintenance.tmp.olderThan': fromSource('src/maintain/tmp.ts', /DEFAULT_OLDER_THAN = '([^']+)'/),
};

interface Row { key: string; type: string; default: string; text: string }

function documented(): { rows: Row[]; before: string; after: string } {
  const doc = readFileSync(DOC, 'utf8');
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  expect(a, `${BEGIN} in docs/configuration.md`).toBeGreaterThan(0);
  expect(b).toBeGreaterThan(a);
  const rows = doc.slice(a + BEGIN.length, b).split('\n').filter((l) => l.startsWith('| `')).map((l) => {
    // A cell may hold an escaped pipe (`a \| b`).
    const cells = l.slice(2, -2).split(/ (?<!\\)\| /);
    const unquote = (c: string) => c.trim().replace(/^`(.*)`$/, '$1');
    return { key: unquote(cells[0]!), type: cells[1]!.trim(), default: cells[2]!.trim(), text: cells.slice(3).join(' | ').trim() };
  });
  return { rows, before: doc.slice(0, a + BEGIN.length), after: doc.slice(b) };
}

/** The keys the table must have: the schema's, an environment's collapsed into one row. */
function schemaKeys(): ConfigKey[] {
  return configKeys(fileSchema).filter((k) => !k.key.startsWith(`${ENV}.`));
}

const shown = (k: ConfigKey) => (k.default !== undefined ? `\`${JSON.parse(k.default)}\`` : CODE_DEFAULTS[k.key] ? `\`${CODE_DEFAULTS[k.key]!()}\`` : '—');

describe('docs/configuration.md: the key table is the schema', () => {
  it('an environment takes exactly the top-level keys but environments', () => {
    const all = configKeys(fileSchema).map((k) => k.key);
    const inEnv = all.filter((k) => k.startsWith(`${ENV}.`)).map((k) => k.slice(ENV.length + 1));
    expect(inEnv).toEqual(all.filter((k) => k !== 'environments' && !k.startsWith('environments.')));
  });

  it('(UPDATE_DOCS=1 rewrites the table from the schema)', () => {
    if (!process.env.UPDATE_DOCS) return;
    const { rows, before, after } = documented();
    const old = new Map(rows.map((r) => [r.key, r]));
    const lines = schemaKeys().map((k) => {
      const text = old.get(k.key)?.text ?? '';
      return `| \`${k.key}\` | ${k.type} | ${shown(k)} | ${text} |`;
    });
    writeFileSync(DOC, `${before}\n${HEADER}\n${lines.join('\n')}\n${END.length ? '' : ''}${after}`);
  });

  it('names every key of the schema and no other, in the schema\'s order, with its type', () => {
    const { rows } = documented();
    expect(rows.map((r) => r.key)).toEqual(schemaKeys().map((k) => k.key));
    expect(rows.map((r) => [r.key, r.type])).toEqual(schemaKeys().map((k) => [k.key, k.type]));
  });

  it('shows a default only where the code has one, and the code\'s value', () => {
    const { rows } = documented();
    const keys = new Map(schemaKeys().map((k) => [k.key, k]));
    for (const r of rows) expect([r.key, r.default]).toEqual([r.key, shown(keys.get(r.key)!)]);
    // Every fallback listed here is a key of the schema (a renamed key leaves no stale entry).
    for (const k of Object.keys(CODE_DEFAULTS)) expect(keys.has(k), k).toBe(true);
  });

  it('describes every key', () => {
    const { rows } = documented();
    expect(rows.filter((r) => r.text === '').map((r) => r.key)).toEqual([]);
  });
});
