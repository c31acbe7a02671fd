import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { hashOf } from '../src/state/chain.js';
import { LocalStore } from '../src/state/local.js';
import { HistoryProbe } from '../src/probes/history.js';
import { statePath } from '../src/state/index.js';
import type { RunReport } from '../src/engine/report.js';
import { markdown } from '../src/report/markdown.js';
import type { AuditRecord } from '../src/state/store.js';
import { nvcops, writeConfig } from './support/cli.js';
import { entry, report, stateSuite, type Tamper } from './support/state-suite.js';

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

function fileTamper(dir: string): Tamper {
  const file = join(dir, 'audit.jsonl');
  const rewrite = (f: (ls: string[]) => string[]) => writeFileSync(file, f(lines(file)).map((l) => `${l}\n`).join(''));
  const index = (ls: string[], seq: number) => ls.findIndex((l) => (JSON.parse(l) as AuditRecord).seq === seq);
  return {
    async edit(seq, change, rehash) {
      rewrite((ls) => ls.map((l) => {
        const r = JSON.parse(l) as AuditRecord;
        if (r.seq !== seq) return l;
        change(r);
        if (rehash) r.hash = hashOf(r);
        return JSON.stringify(r);
      }));
    },
    async remove(seq) {
      rewrite((ls) => ls.filter((_, i) => i !== index(ls, seq)));
    },
    async swap(a, b) {
      rewrite((ls) => {
        const [i, j] = [index(ls, a), index(ls, b)];
        const out = [...ls];
        [out[i], out[j]] = [ls[j]!, ls[i]!];
        return out;
      });
    },
    async truncate(keep) {
      rewrite((ls) => ls.filter((l) => (JSON.parse(l) as AuditRecord).seq <= keep));
    },
    async dropHead() {
      unlinkSync(join(dir, 'audit.head'));
    },
    async lowerHead(seq) {
      const r = lines(file).map((l) => JSON.parse(l) as AuditRecord).find((x) => x.seq === seq)!;
      writeFileSync(join(dir, 'audit.head'), JSON.stringify({ seq, hash: r.hash, at: r.at }));
    },
  };
}

const fresh = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nvcops-state-local-'));
  return { store: LocalStore.open(dir), config: { state: { path: dir } }, tamper: fileTamper(dir), dir };
};

stateSuite({ name: 'local files', fresh });

describe('local store files', () => {
  it('ignores a last line torn by a crash, then cuts it off on the next write', async () => {
    const { store, dir } = await fresh();
    await store.audit.append(entry('incident ack'));
    const file = join(dir, 'audit.jsonl');
    appendFileSync(file, '{"operation":"op-torn","phase":"eve');
    expect(await store.audit.verify()).toMatchObject({ ok: true, count: 1, tornTail: true });
    expect(await store.audit.list()).toHaveLength(1);
    await store.audit.append(entry('maintain vacuum'));
    expect(await store.audit.verify()).toEqual({ ok: true, count: 2, head: expect.any(String) });
    expect(readFileSync(file, 'utf8')).not.toContain('op-torn');
    expect(lines(file).map((l) => JSON.parse(l).seq)).toEqual([1, 2]);
  });

  it('reads a history month again only as far as it grew, and again whole once rewritten or pruned; callers never share an entry', async () => {
    const { store, dir } = await fresh();
    const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 8, 0, s)).toISOString();
    const run = (s: number, command = 'health db') => {
      const r = report(command, at(s), [{ id: 'postgres.connections', value: s }]);
      return { at: r.startedAt, by: 'alice', host: 'h', command: r.command, environment: r.environment, status: r.status, exitCode: r.exitCode, report: r };
    };
    const file = join(dir, 'history', '2026-12.jsonl');
    const values = async (filter = {}) => (await store.history.list(filter)).map((e) => e.report.items[0]!.results[0]!.observed!.value);
    await store.history.append(run(1));
    await store.history.append(run(2));
    expect(await values()).toEqual([1, 2]);
    expect(await values({ check: 'postgres.connections', limit: 1 })).toEqual([2]);
    // Another process's line, one damaged after the first fields (which a filter reads alone), and one still
    // being written (torn): the first is read, the damaged one left out (the newest is the one before it), the torn one not yet.
    const damaged = JSON.stringify({ id: 'damaged', ...run(4) }).replace(/,"items".*/, ',"ite');
    appendFileSync(file, `${JSON.stringify({ id: 'by-another', ...run(3) })}\n${damaged}\n{"id":"torn`);
    expect([await values(), await values({ limit: 1 }), await values({ check: 'postgres.connections', limit: 1 })]).toEqual([[1, 2, 3], [3], [3]]);
    // Every caller gets entries of its own.
    const [first] = await store.history.list();
    first!.report.items.length = 0;
    expect((await store.history.list())[0]!.report.items).toHaveLength(1);
    // Twenty at once (a fleet): each kept, the torn line cut off by the first of them.
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.history.append(run(10 + i))));
    expect(await values()).toEqual([1, 2, 3, ...Array.from({ length: 20 }, (_, i) => 10 + i)]);
    expect(readFileSync(file, 'utf8')).not.toContain('"torn');
    // Written again in place, shorter, then with another last line: read again whole.
    const kept = lines(file);
    writeFileSync(file, `${kept.slice(0, 2).join('\n')}\n`);
    expect(await values()).toEqual([1, 2]);
    writeFileSync(file, `${[kept[0], kept[1]!.replace('"command":"health db"', '"command":"health daily"')].join('\n')}\n`);
    expect([await values(), await values({ command: 'health daily' })]).toEqual([[1, 2], [2]]);
    // Pruned (the file replaced): read again.
    expect(await store.history.prune(new Date(at(2)), 'staging')).toBe(1);
    expect(await values()).toEqual([2]);
  });

  it('the newest runs with a check by their start, in whatever order they were kept, parsing whole only the runs it judges', async () => {
    const { store } = await fresh();
    const at = (month: number, hour: number, s: number) => new Date(Date.UTC(2026, month, 7, hour, 0, s)).toISOString();
    const run = (month: number, hour: number, s: number, check = 'postgres.connections') => {
      const r = report('health db', at(month, hour, s), [{ id: check, value: s }]);
      return { at: r.startedAt, by: 'alice', host: 'h', command: r.command, environment: r.environment, status: r.status, exitCode: r.exitCode, report: r };
    };
    // Thirty older runs of another check; then a long run kept after a later short one; the month before holds an older run.
    await store.history.append(run(10, 8, 1));
    for (let s = 10; s < 40; s++) await store.history.append(run(11, 7, s, 'redis.ping'));
    for (const s of [2, 5, 3]) await store.history.append(run(11, 8, s));
    const values = async (limit: number) => (await store.history.list({ check: 'postgres.connections', limit })).map((e) => e.report.items[0]!.results[0]!.observed!.value);
    const parse = vi.spyOn(JSON, 'parse');
    try {
      expect(await values(1)).toEqual([5]);
      expect(parse.mock.calls.filter(([text]) => String(text).includes('"report":'))).toHaveLength(1);
    } finally {
      parse.mockRestore();
    }
    expect([await values(2), await values(4), await values(9)]).toEqual([[3, 5], [1, 2, 3, 5], [1, 2, 3, 5]]);
  });

  it("a check's previous facts: the newest run that kept them, past runs where the check erred", async () => {
    const { store } = await fresh();
    const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 9, 0, s)).toISOString();
    const run = (s: number, facts?: Record<string, unknown>) => {
      const r = report('health db', at(s), [{ id: 'postgres.counters', value: s }]);
      if (facts) r.items[0]!.results[0]!.facts = facts;
      else r.items[0]!.results[0]!.status = 'error';
      return { at: r.startedAt, by: 'alice', host: 'h', command: r.command, environment: r.environment, status: r.status, exitCode: r.exitCode, report: r };
    };
    const previous = (clock: number) => new HistoryProbe(async () => store, 'staging').previousFacts('postgres.counters', new Date(Date.parse(at(clock)) - 1));
    expect(await previous(1)).toBeUndefined();
    await store.history.append(run(1, { n: 1 }));
    await store.history.append(run(2, { n: 2 }));
    expect(await previous(3)).toEqual({ at: at(2), facts: { n: 2 } });
    // The two newest erred: the one before them answers.
    await store.history.append(run(3));
    await store.history.append(run(4));
    expect(await previous(5)).toEqual({ at: at(2), facts: { n: 2 } });
    // Up to the run's clock only: a run that started after it is not read.
    expect(await previous(2)).toEqual({ at: at(1), facts: { n: 1 } });
  });

  it('names a garbled line in the middle as an edit', async () => {
    const { store, dir } = await fresh();
    for (let i = 0; i < 3; i++) await store.audit.append(entry('incident ack'));
    const file = join(dir, 'audit.jsonl');
    const ls = lines(file);
    ls[1] = ls[1]!.slice(0, 40);
    writeFileSync(file, ls.map((l) => `${l}\n`).join(''));
    expect((await store.audit.verify()).problem).toEqual({ seq: 2, kind: 'edited', message: 'record 2 (line 2) is not a valid record' });
  });

  it('refuses a damaged record version instead of reading the record as it was before it (exit 74, nothing written)', async () => {
    const state = mkdtempSync(join(tmpdir(), 'nvcops-xdg-'));
    const run = (args: string[]) => nvcops(args, { env: { XDG_STATE_HOME: state } });
    expect((await run(['incident', 'open', '--severity', 'P3', '--title', 'disk filling', '--no-checks'])).exitCode).toBe(0);
    expect((await run(['incident', 'resolve', 'INC-1', '--note', 'log rotated'])).exitCode).toBe(0);
    // The resolution, cut short by a hand edit: left out, the incident would read as open and be resolved again as version 2.
    const file = join(state, 'nvcops', 'records.jsonl');
    const ls = lines(file);
    writeFileSync(file, [...ls.slice(0, -1), ls.at(-1)!.slice(0, 60)].map((l) => `${l}\n`).join(''));
    const before = readFileSync(file, 'utf8');
    for (const args of [['incident', 'list'], ['incident', 'resolve', 'INC-1', '--note', 'again']]) {
      const r = await run(args);
      expect([r.exitCode, r.stdout]).toEqual([74, '']);
      expect(r.stderr).toBe(`nvcops: state: line 2 of ${file} is not a readable record (damaged or edited by hand); restore the file from a copy, or remove that line knowingly`);
    }
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('a head that is there but unreadable does not pass records cut off the end as intact, and is not written over', async () => {
    const { store, dir } = await fresh();
    for (let i = 0; i < 3; i++) await store.audit.append(entry('incident ack'));
    const file = join(dir, 'audit.jsonl');
    writeFileSync(file, lines(file).slice(0, 2).map((l) => `${l}\n`).join(''));
    writeFileSync(join(dir, 'audit.head'), 'garbage\n');
    expect(await store.audit.verify()).toMatchObject({
      ok: false, count: 2, problem: { seq: 3, kind: 'edited', message: `the trail's head ${join(dir, 'audit.head')} is not readable, so records cut off the end cannot be ruled out` },
    });
    await expect(store.audit.append(entry('maintain vacuum'))).rejects.toThrow(`state: ${join(dir, 'audit.head')} is unreadable; run \`nvcops audit verify\``);
    expect(readFileSync(join(dir, 'audit.head'), 'utf8')).toBe('garbage\n');
  });

  it('breaks a lock left by a killed process instead of waiting on it', async () => {
    const { store, dir } = await fresh();
    const dead = spawnSync('node', ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(dir, 'lock'), `${dead} ${hostname()} some-nonce ${Date.now()}`);
    await store.audit.append(entry('incident ack'));
    expect(existsSync(join(dir, 'lock'))).toBe(false);
    // An empty lock (killed between create and write) is broken once it is a second old.
    writeFileSync(join(dir, 'lock'), '');
    await store.audit.append(entry('incident ack'));
    expect((await store.audit.verify()).count).toBe(2);
  });

  it('lives in state.path, else $XDG_STATE_HOME/nvcops, else ~/.local/state/nvcops', () => {
    expect(statePath({ state: { path: '/srv/nvcops' } } as never)).toBe('/srv/nvcops');
    expect(statePath({ state: { path: 'state' }, source: '/etc/nvcops/config.yaml' } as never)).toBe('/etc/nvcops/state');
    expect(statePath({} as never, { XDG_STATE_HOME: '/x' })).toBe('/x/nvcops');
    expect(statePath({} as never, {})).toMatch(/\/\.local\/state\/nvcops$/);
  });
});

describe('check runs go into the run history', () => {
  it('keeps every run of a check command, with who ran it', async () => {
    const state = mkdtempSync(join(tmpdir(), 'nvcops-xdg-'));
    const r = await nvcops(['health', 'daily', '--config', writeConfig({}), '--format', 'json', '--by', 'oncall-anna'], { env: { XDG_STATE_HOME: state } });
    // No system configured: uptime is a line for a person and the verdict is 3; the run is kept all the same.
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe('');
    const kept = await LocalStore.open(join(state, 'nvcops')).history.list();
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ command: 'health daily', by: 'oncall-anna', status: 'manual', exitCode: 3, report: JSON.parse(r.stdout) });
  });

  it('history show renders a kept run again in any format, as its run showed it; an unknown id is exit 64', async () => {
    const env = { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'nvcops-xdg-')) };
    const config = writeConfig({});
    const run = await nvcops(['health', 'daily', '--config', config, '--format', 'json'], { env });
    const [kept] = JSON.parse((await nvcops(['history', '--config', config, '--format', 'json'], { env })).stdout) as { id: string }[];
    const show = (format: string) => nvcops(['history', 'show', kept!.id.slice(0, 8), '--config', config, '--format', format], { env });
    expect((await show('json')).stdout).toBe(run.stdout);
    const md = await show('markdown');
    expect(md.exitCode).toBe(0);
    // The harness strips the last newline of what the CLI wrote.
    expect(`${md.stdout}\n`).toBe(markdown(JSON.parse(run.stdout) as RunReport));
    expect((await show('nagios')).stdout).toMatch(/^NVCOPS UNKNOWN - health daily: 0 of \d+ checks pass, 1 manual\n/);
    const unknown = await nvcops(['history', 'show', 'no-such-run', '--config', config], { env });
    expect(unknown.exitCode).toBe(64);
    expect(unknown.stderr).toMatch(/^nvcops: history show: no kept check run no-such-run in .* \(nvcops history --format json lists the ids\)$/);
    // The list keeps its two formats.
    expect((await nvcops(['history', '--config', config, '--format', 'junit'], { env })).stderr).toMatch(/argument 'junit' is invalid\. Allowed choices are human, json\./);
  });

  it('history prune refuses the list\'s filters, which would look as if they narrowed what it removes (exit 64, nothing removed)', async () => {
    const state = mkdtempSync(join(tmpdir(), 'nvcops-xdg-'));
    await nvcops(['health', 'daily', '--config', writeConfig({})], { env: { XDG_STATE_HOME: state } });
    for (const args of [['history', 'prune', '--older-than', '0s', '--yes', '--command', 'weekly capacity'], ['history', '--since', '1d', 'prune', '--older-than', '0s', '--yes']]) {
      const r = await nvcops(args, { env: { XDG_STATE_HOME: state } });
      expect([r.exitCode, r.stdout]).toEqual([64, '']);
      expect(r.stderr).toMatch(/^nvcops: history prune: --(command|since) filters the list, not the prune; prune removes every run of the environment older than --older-than$/);
    }
    expect(await LocalStore.open(join(state, 'nvcops')).history.list()).toHaveLength(1);
  });

  it('a store that cannot be written costs one line on stderr, not the verdict', async () => {
    const config = writeConfig({ state: { path: '/etc/hostname/not-a-dir' } });
    const r = await nvcops(['health', 'daily', '--config', config, '--format', 'json']);
    expect(r.exitCode).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'health daily', exitCode: 3 });
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^nvcops: run history not saved: state: cannot create the state directory \/etc\/hostname\/not-a-dir: ENOTDIR/)]);
  });
});

describe('state configuration', () => {
  it('refuses both state.path and state.url, and a state.url that is not PostgreSQL (exit 78)', async () => {
    const both = await nvcops(['history', '--config', writeConfig({ state: { path: '/tmp/x', url: 'postgres://h/db' } })]);
    expect([both.exitCode, both.stderr]).toEqual([78, expect.stringMatching(/: state: set state\.path \(local files\) or state\.url \(PostgreSQL\), not both$/)]);
    const scheme = await nvcops(['history', '--config', writeConfig({ state: { url: 'mysql://h/db' } })]);
    expect([scheme.exitCode, scheme.stderr]).toEqual([78, 'nvcops: invalid configuration: state.url: scheme mysql: is not allowed; use postgres:// or postgresql://']);
    const typo = await nvcops(['history', '--config', writeConfig({ state: { dir: '/tmp/x' } })]);
    expect([typo.exitCode, typo.stderr]).toEqual([78, expect.stringContaining('state.dir: unknown key')]);
  });
});

describe('anchors', () => {
  it('audit anchor sends the head to syslog (UDP here, /dev/log alike), which verify --anchor SEQ:HASH then checks', async () => {
    const { store, dir } = await fresh();
    const written: AuditRecord[] = [];
    for (let i = 0; i < 3; i++) written.push(await store.audit.append(entry('incident ack')));
    const listener = createSocket('udp4');
    const received = new Promise<string>((resolve) => listener.once('message', (m) => resolve(m.toString())));
    await new Promise<void>((resolve) => listener.bind(0, '127.0.0.1', resolve));
    try {
      const config = { state: { path: dir, anchors: [{ syslog: `udp://127.0.0.1:${listener.address().port}` }] } };
      const a = await nvcops(['audit', 'anchor', '--config', writeConfig(config)]);
      expect([a.exitCode, a.stdout]).toEqual([0, expect.stringMatching(/\nanchor syslog udp:\/\/127\.0\.0\.1:\d+: 1 new record head$/)]);
      const line = await received;
      expect(line).toMatch(new RegExp(`nvcops .*nvcops audit head 3:${written[2]!.hash} at ${written[2]!.at} trail ${dir}$`));
      // Cut off with the head lowered: the line syslog kept still says 3.
      writeFileSync(join(dir, 'audit.jsonl'), lines(join(dir, 'audit.jsonl')).slice(0, 2).map((l) => `${l}\n`).join(''));
      writeFileSync(join(dir, 'audit.head'), JSON.stringify({ seq: 2, hash: written[1]!.hash }));
      const head = /audit head (\d+:[0-9a-f]{64})/.exec(line)![1]!;
      const v = await nvcops(['audit', 'verify', '--anchor', head, '--config', writeConfig({ state: { path: dir } })]);
      expect([v.exitCode, v.stdout.split('\n')[0]]).toEqual([2, expect.stringMatching(/^audit trail BROKEN at record 3: removed — record 3 is missing from the end \(the head given \(3:/)]);
      const bad = await nvcops(['audit', 'verify', '--anchor', '3:xyz', '--config', writeConfig({ state: { path: dir } })]);
      expect([bad.exitCode, bad.stderr.split('\n')[0]]).toEqual([64, expect.stringContaining("argument '3:xyz' is invalid. use SEQ:HASH")]);
      const wrong = await nvcops(['audit', 'anchor', '--config', writeConfig({ state: { path: dir, anchors: [{ syslog: 'tcp://x:1' }] } })]);
      expect([wrong.exitCode, wrong.stderr]).toEqual([78, expect.stringContaining('state.anchors')]);
    } finally {
      listener.close();
    }
  });

  it('sends the head to a unix syslog socket (journald\'s /dev/log) through logger', async () => {
    const { store, dir } = await fresh();
    const record = await store.audit.append(entry('incident ack'));
    const socket = join(mkdtempSync(join(tmpdir(), 'nvcops-syslog-')), 'log');
    const listener = spawn('socat', ['-u', `UNIX-RECV:${socket}`, 'STDOUT']);
    try {
      const received = new Promise<string>((resolve) => listener.stdout.once('data', (d: Buffer) => resolve(d.toString())));
      for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
      const a = await nvcops(['audit', 'anchor', '--config', writeConfig({ state: { path: dir, anchors: [{ syslog: socket }] } })]);
      expect([a.exitCode, a.stdout]).toEqual([0, expect.stringContaining(`anchor syslog ${socket}: 1 new record head`)]);
      expect(await received).toContain(`nvcops audit head 1:${record.hash}`);
    } finally {
      listener.kill();
    }
    const gone = await nvcops(['audit', 'anchor', '--config', writeConfig({ state: { path: dir, anchors: [{ syslog: socket }] } })]);
    expect([gone.exitCode, gone.stderr]).toEqual([74, expect.stringMatching(new RegExp(`^nvcops: state: cannot write anchor syslog ${socket}: `))]);
  });

  it('two anchor runs at once both succeed, and the anchor still agrees with the trail', async () => {
    const { store, dir } = await fresh();
    for (let i = 0; i < 5; i++) await store.audit.append(entry('incident ack'));
    const file = join(mkdtempSync(join(tmpdir(), 'nvcops-anchor-')), 'trail.anchor');
    const config = writeConfig({ state: { path: dir, anchors: [{ file }] } });
    const runs = await Promise.all([1, 2].map(() => nvcops(['audit', 'anchor', '--config', config])));
    expect(runs.map((r) => r.exitCode)).toEqual([0, 0]);
    const held = lines(file).map((l) => JSON.parse(l) as { seq: number });
    expect(new Set(held.map((h) => h.seq))).toEqual(new Set([1, 2, 3, 4, 5]));
    expect((await nvcops(['audit', 'verify', '--config', config])).stdout).toMatch(/^audit trail intact: 5 records/);
  });

  it('refuses an anchor file that is a FIFO instead of hanging on it (exit 74)', async () => {
    const { dir } = await fresh();
    const fifo = join(mkdtempSync(join(tmpdir(), 'nvcops-fifo-')), 'anchor');
    spawnSync('mkfifo', [fifo]);
    const v = await nvcops(['audit', 'verify', '--anchor', fifo, '--config', writeConfig({ state: { path: dir } })], { timeoutMs: 20_000 });
    expect([v.exitCode, v.stderr]).toEqual([74, `nvcops: state: cannot read anchor ${fifo}: not a regular file`]);
  });

  it('a store nvcops wrote before it kept the head from creation, which never audited anything, is taken as empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-old-store-'));
    const old: RunReport = report('health db', '2025-01-06T08:00:00.000Z', []);
    mkdirSync(join(dir, 'history'));
    writeFileSync(join(dir, 'history', '2025-01.jsonl'), `${JSON.stringify({ id: 'x', at: old.startedAt, by: 'a', host: 'h', command: 'health db', environment: null, status: 'pass', exitCode: 0, report: old })}\n`);
    const store = LocalStore.open(dir);
    expect(await store.audit.verify()).toMatchObject({ ok: true, count: 0 });
    expect((await store.audit.append(entry('incident ack'))).seq).toBe(1);
  });
});
