/**
 * Random input at nvcops: configs and flags through the real CLI, log lines, manifests, thresholds,
 * durations and masking in-process. Seeded and bounded: NVCOPS_FUZZ_SEED replays a run, and every
 * failure names the seed and the case. What must hold: no internal error (exit 70), no stack trace or
 * source on stderr, an error is one line, nothing hangs, a parser returns or throws a typed error.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readManifests } from '../src/backups/manifest.js';
import { durationArg, sinceArg } from '../src/commands/options.js';
import { ConfigError, UsageError } from '../src/engine/errors.js';
import { Redactor } from '../src/engine/redact.js';
import { parseThreshold } from '../src/engine/thresholds.js';
import { parseDuration, parseSize, type Unit } from '../src/engine/units.js';
import { fingerprint, parseLogLine, records } from '../src/probes/log-files.js';
import { parseSince } from '../src/incident/time.js';
import { LogsProbe, parseLine } from '../src/probes/logs.js';
import { maskSecrets } from '../src/engine/redact.js';
import { nvcops } from './support/cli.js';

const SEED = Number(process.env.NVCOPS_FUZZ_SEED ?? 20261207) >>> 0;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function rng(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof rng>;

const WORDS = ['postgres', 'url', 'redis', 'logs', 'application', 'backups', 'directory', 'thresholds', 'warn', 'fail', 'services', 'name',
  'environments', 'production', 'staging', 'schedule', 'timezone', 'oncall', 'state', 'path', 'aws', 'region', 'dr', 'rpo', 'rto', 'replicas',
  'connectTimeout', 'statementTimeout', 'environment', 'protected', 'incident', 'compliance', 'retention', 'maintenance', 'certificates'];
const ODD = ['', ' ', '\t', '\u0000', '\u001b[31m', '\u202e', '💳', '\uffff', '%', '${UNSET}', '${HOME}', '~', '..', '/dev/zero', '-1', '1e309', 'NaN',
  '> 5%', '>= 10 MB', '< -1ms', '9999-12-31', '0000-00-00', 'postgres://u:p@', 'redis://:pw@[::1', 'https://', '4111 1111 1111 1111', 'x'.repeat(5000)];

function scalar(r: Rng): unknown {
  switch (r.int(8)) {
    case 0: return r.int(2) === 0;
    case 1: return r.int(1e6) - 5e5;
    case 2: return r.next() * 1e20;
    case 3: return null;
    case 4: return r.pick(ODD);
    case 5: return r.pick(WORDS);
    case 6: return String.fromCharCode(...Array.from({ length: r.int(40) }, () => r.int(0x3000)));
    default: return `${r.pick(WORDS)}${r.int(100)}`;
  }
}

function value(r: Rng, depth: number): unknown {
  if (depth <= 0 || r.chance(0.4)) return scalar(r);
  if (r.chance(0.3)) return Array.from({ length: r.int(4) }, () => value(r, depth - 1));
  return Object.fromEntries(Array.from({ length: 1 + r.int(4) }, () => [r.chance(0.8) ? r.pick(WORDS) : String(scalar(r)), value(r, depth - 1)]));
}

/** A config file's text: random data, YAML syntax mangled, aliases (recursive ones too), or nesting far too deep. */
function configText(r: Rng): string {
  const data = Object.fromEntries(Array.from({ length: 1 + r.int(5) }, () => [r.pick(WORDS), value(r, 4)]));
  const text = stringify(data);
  switch (r.int(5)) {
    case 0: return text;
    case 1: {
      // Insert YAML's own syntax at random places.
      const bits = ['&a ', '*a', '*b', '&b ', '[', ']', '{', '}', ': ', '- ', '\t', '!!binary ', '!!js/function ', '? ', '<<: *a\n', '---\n', '%YAML 1.2\n', '"', "'", '|\n', '\n  '];
      let t = text;
      for (let i = r.int(6); i >= 0; i--) {
        const at = r.int(t.length + 1);
        t = t.slice(0, at) + r.pick(bits) + t.slice(at);
      }
      return t;
    }
    case 2: return `a: &a\n  ${r.pick(WORDS)}: ${r.pick(['*a', '[*a]', '{x: *a}'])}\n${text}`;
    case 3: return `${r.pick(WORDS)}: ${'['.repeat(20 + r.int(3000))}1${']'.repeat(20 + r.int(3000))}\n`;
    default: return `x: &x [${Array(2 + r.int(12)).fill('1').join(',')}]\n${Array.from({ length: 3 + r.int(5) }, (_, i) => `l${i}: &l${i} [${Array(9).fill(i ? `*l${i - 1}` : '*x').join(',')}]`).join('\n')}\n`;
  }
}

/** stderr of a finished command: no internal error, no stack or source, at most one line when it failed. */
function expectClean(what: string, r: { exitCode: number; stderr: string }): void {
  const where = `seed ${SEED}, ${what}`;
  expect(r.exitCode, `${where}: exit 70\n${r.stderr}`).not.toBe(70);
  expect(r.exitCode, `${where}: killed or hung\n${r.stderr}`).toBeGreaterThanOrEqual(0);
  expect(r.stderr, `${where}: stack trace or source`).not.toMatch(/\n\s+at \S|cli\.cjs|\.ts:\d+|\^\n/);
  if ([64, 78].includes(r.exitCode)) expect(r.stderr.trim().split('\n'), `${where}: more than one line`).toHaveLength(1);
}

/** A typed error the CLI turns into one line, or none at all. */
function expectTyped(what: string, run: () => unknown): void {
  try {
    run();
  } catch (e) {
    const typed = e instanceof ConfigError || e instanceof UsageError || e instanceof InvalidArgumentError;
    expect(typed, `seed ${SEED}, ${what}: ${(e as Error)?.name}: ${(e as Error)?.message}`).toBe(true);
  }
}

function logLine(r: Rng): Buffer {
  const time = r.pick([new Date(Date.now() - r.int(86_400_000)).toISOString(), '2026-13-45T99:99:99Z', '0000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z',
    'Jul 32 25:61:61', '<999>1 - - -', '[2026-12-07 08:00:00,5 UTC]', String(r.int(2 ** 31)), '']);
  const body = r.pick([
    () => JSON.stringify({ time, level: r.pick(['error', 'warn', 'FATAL', 7, null]), status: r.pick([200, 503, '5xx', -1, 1e300]), msg: scalar(r) }),
    () => `${time} ${r.pick(['ERROR', 'WARN', 'info', 'LOG:', ''])} ${String(scalar(r))}`,
    () => `ts=${time} level=${r.pick(['error', '"warn', '='])} msg="${String(scalar(r))} ${'k='.repeat(r.int(50))}`,
    () => `127.0.0.1 - - [${time}] "GET / HTTP/1.1" ${r.int(700)} ${r.int(1e6)}`,
    () => `<${r.int(200)}>1 ${time} host app ${r.int(9)} - - ${JSON.stringify({ status: r.int(600) })}`,
  ])();
  const bytes = Buffer.from(body);
  // Bad UTF-8, escape sequences, NULs and carriage returns spliced in.
  for (let i = r.int(4); i > 0; i--) bytes[r.int(bytes.length)] = r.pick([0xff, 0xc3, 0x80, 0x1b, 0x00, 0x0d, 0xe2]);
  return bytes;
}

const deadline = (ms: number) => {
  const end = performance.now() + ms;
  return () => performance.now() < end;
};

describe(`fuzz (seed ${SEED}; NVCOPS_FUZZ_SEED replays)`, () => {
  it('log lines: every parser returns, in bounded time, whatever the bytes', async () => {
    const r = rng(SEED);
    const more = deadline(3000);
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-fuzz-logs-'));
    for (let n = 0; n < 20 && more(); n++) {
      const lines = Array.from({ length: 1 + r.int(200) }, () => logLine(r));
      // One line past MAX_LINE_BYTES now and then: cut, not held whole.
      if (r.chance(0.2)) lines.push(Buffer.alloc(1_000_000 + r.int(600_000), r.pick([0x41, 0xff, 0x7b])));
      const file = join(dir, `app-${n}.log`);
      writeFileSync(file, Buffer.concat(lines.flatMap((l) => [l, Buffer.from(r.chance(0.9) ? '\n' : '\r\n')])));
      for (const line of lines.slice(0, 50)) {
        const text = line.toString('utf8');
        const t0 = performance.now();
        parseLine(text, 'app.log', new Date());
        fingerprint(parseLogLine(text).message);
        expect(performance.now() - t0, `seed ${SEED}: slow line ${JSON.stringify(text.slice(0, 200))}`).toBeLessThan(500);
      }
      const w = await new LogsProbe().window(file, 86_400_000, new Date());
      expect(w.lines + w.undated, `seed ${SEED}, ${file}`).toBeGreaterThanOrEqual(0);
      let count = 0;
      for await (const rec of records(file, 0, { bytes: 0 })) count += rec.bytes > 0 ? 1 : 0;
      expect(count, `seed ${SEED}, ${file}`).toBeGreaterThan(0);
    }
  });

  it('thresholds, durations, sizes, --since: a value or a typed error naming the field, never another exception', () => {
    const r = rng(SEED + 1);
    const units: Unit[] = ['ms', 's', 'days', '%', 'bytes', 'count', 'ratio'];
    const ops = ['>', '>=', '<', '<=', '=', '!', '', '>>'];
    const nums = ['5', '-0', '1e3', '99.9', '0.', '.5', '9'.repeat(400), 'NaN', 'Infinity', '0x10', ''];
    const sfx = ['ms', 's', 'm', 'h', 'd', 'days', '%', 'B', 'kB', 'MB', 'GB', 'TB', 'µs', 'weeks', '', ' ', 'ago', ' hours ago'];
    const text = () => `${r.chance(0.2) ? String(scalar(r)) : ''}${r.pick(ops)}${r.chance(0.5) ? ' ' : ''}${r.pick(nums)}${r.pick(sfx)}`;
    for (let n = 0; n < 2000; n++) {
      const a = text();
      const b = text();
      expectTyped(`threshold ${JSON.stringify([a, b])}`, () => parseThreshold({ warn: a, fail: b }, r.pick(units), 'thresholds.x'));
      expectTyped(`duration ${JSON.stringify(a)}`, () => { parseDuration(a); parseSize(a); durationArg(a); });
      expectTyped(`since ${JSON.stringify(a)}`, () => { parseSince(a, new Date(), 'America/New_York'); sinceArg(a); });
    }
  });

  it('manifests: each one read or listed as unreadable with its field, never a crash', async () => {
    const r = rng(SEED + 2);
    const valid = () => ({
      version: 1, id: `db-20261207T080000Z-${r.int(9999)}`, kind: 'db', created: new Date().toISOString(), size: 10, sha256: 'a'.repeat(64),
      file: 'x.dump', source: 'db', postgres: { version: '16', startLsn: '0/1', stopLsn: '0/2' },
    });
    for (let n = 0; n < 10; n++) {
      const dir = mkdtempSync(join(tmpdir(), 'nvcops-fuzz-repo-'));
      const count = 1 + r.int(12);
      for (let i = 0; i < count; i++) {
        const m: Record<string, unknown> = valid();
        for (let k = r.int(4); k > 0; k--) m[r.pick([...Object.keys(m), ...WORDS])] = value(r, 2);
        const text = r.chance(0.15) ? String(scalar(r)) : r.chance(0.1) ? `${JSON.stringify(m).slice(0, r.int(100))}` : JSON.stringify(m);
        writeFileSync(join(dir, `m${i}.manifest.json`), text);
      }
      if (r.chance(0.3)) mkdirSync(join(dir, 'dir.manifest.json'));
      const { manifests, invalid } = await readManifests(dir).catch((e) => {
        throw new Error(`seed ${SEED}: readManifests threw ${(e as Error).message}`);
      });
      expect(manifests.length + invalid.length, `seed ${SEED}, ${dir}`).toBeGreaterThanOrEqual(count);
      for (const line of invalid) expect(line, `seed ${SEED}`).not.toContain('\n');
    }
  });

  it('masking: card numbers and SQL passwords in random text, in bounded time', () => {
    const r = rng(SEED + 3);
    const more = deadline(2000);
    for (let n = 0; n < 500 && more(); n++) {
      const noise = () => String(scalar(r)).replace(/\d/g, 'x');
      const secret = `S3cret-${r.int(1e9)}`;
      const sql = `${noise()} ${r.pick(['ALTER ROLE', 'alter user', 'CREATE ROLE'])} app ${r.pick(['WITH ', ''])}${r.pick(['PASSWORD', 'password'])} '${secret}' ${noise()}`;
      const card = `${noise()} card 4111 1111 1111 1111 ${noise()}`;
      const t0 = performance.now();
      expect(maskSecrets(sql), `seed ${SEED}: ${JSON.stringify(sql)}`).not.toContain(secret);
      expect(maskSecrets(card), `seed ${SEED}: ${JSON.stringify(card)}`).not.toContain('4111 1111 1111 1111');
      const redactor = new Redactor();
      redactor.learn({ postgres: { url: `postgres://u:${secret}@h/db` }, nested: value(r, 3) });
      expect(redactor.apply(`${noise()} ${secret} ${noise()}`), `seed ${SEED}`).not.toContain(secret);
      expect(performance.now() - t0, `seed ${SEED}: slow ${JSON.stringify(sql.slice(0, 200))}`).toBeLessThan(500);
    }
  });

  it('configs and flags through the real CLI: no exit 70, no stack, one line, no hang', async () => {
    const r = rng(SEED + 4);
    const more = deadline(8000);
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-fuzz-cli-'));
    const log = join(dir, 'application.log');
    writeFileSync(log, Buffer.concat(Array.from({ length: 50 }, () => Buffer.concat([logLine(r), Buffer.from('\n')]))));
    const flags: [string[], () => string[]][] = [
      [['config', 'check'], () => []],
      [['runbook', 'today'], () => ['--date', r.pick(['2026-12-07', '9998-12-31', '0001-01-01', '2026-02-29', String(scalar(r))])]],
      [['runbook', 'oncall'], () => ['--date', r.pick(['2026-12-07', '1970-01-01', String(scalar(r))])]],
      [['incident', 'logs'], () => ['--file', log, '--since', r.pick(['30m', '1 hour ago', '99999d', '-5m', String(scalar(r))]), '--level', r.pick(['warn', 'error', 'loud']), '--top', r.pick(['1', '0', '-3', '1e9', 'x'])]],
      [['health', 'daily'], () => ['--timeout', r.pick(['1s', '0s', '25d', 'forever', String(scalar(r))]), '--format', r.pick(['json', 'nagios', 'xml'])]],
    ];
    let runs = 0;
    for (; runs < 16 && more(); runs++) {
      const config = join(dir, `nvcops-${runs}.${r.chance(0.15) ? 'json' : 'yaml'}`);
      writeFileSync(config, config.endsWith('.json') ? JSON.stringify(value(r, 4)) : configText(r));
      const [command, extra] = r.chance(0.5) ? flags[0]! : r.pick(flags);
      const args = [...command, '--config', config, ...extra()];
      const res = await nvcops(args, { timeoutMs: 10_000, env: { NVCOPS_NOW: '2026-12-07T13:00:00Z' } });
      expectClean(`nvcops ${args.join(' ')} (config ${config})`, res);
    }
    expect(runs).toBeGreaterThan(5);
  }, 30_000);
});
