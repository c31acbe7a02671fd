import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { records, summarizeLogs } from '../src/probes/log-files.js';
import { LogsProbe, MAX_LINE_BYTES, parseLine } from '../src/probes/logs.js';
import { nvcops, writeConfig } from './support/cli.js';

const dir = () => mkdtempSync(join(tmpdir(), 'nvcops-logs-'));
const NOW = Date.UTC(2025, 6, 2, 8, 0, 0);
const iso = (msAgo: number) => new Date(NOW - msAgo).toISOString();
const DAY = 24 * 3600_000;
const at = new Date(NOW);

describe('reading a day out of an application log', () => {
  it('reads a large log from the end and stops at the window, whatever the chunk boundaries', async () => {
    const d = dir();
    const file = join(d, 'app.log');
    const lines: string[] = [];
    // 48 h of requests, one a minute, with long lines so that chunks split them.
    for (let m = 48 * 60; m > 0; m--) lines.push(JSON.stringify({ time: iso(m * 60_000), status: m % 500 === 0 ? 500 : 200, msg: 'x'.repeat(300) }));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const w = await new LogsProbe().window(file, DAY, at);
    expect(w.lines).toBe(24 * 60);
    expect(w.requests).toBe(24 * 60);
    expect(w.failedRequests).toBe(2);
    expect(w.files).toEqual([file]);
  });

  it('reaches back into the rotated log (.1) when the current one starts inside the window', async () => {
    const d = dir();
    const file = join(d, 'app.log');
    writeFileSync(`${file}.1`, `${[30, 20, 10].map((h) => JSON.stringify({ time: iso(h * 3600_000), status: 503 })).join('\n')}\n`);
    writeFileSync(file, `${[5, 1].map((h) => JSON.stringify({ time: iso(h * 3600_000), status: 200 })).join('\n')}\n`);
    const w = await new LogsProbe().window(file, DAY, at);
    expect(w.files).toEqual([file, `${file}.1`]);
    expect([w.requests, w.failedRequests]).toEqual([4, 2]);
  });

  it('keeps the lines of a multi-line entry with it, and counts lines without a time apart', async () => {
    const d = dir();
    const file = join(d, 'postgresql.log');
    writeFileSync(file, [
      'orphan line before anything dated',
      `${iso(3600_000).replace('T', ' ').replace('Z', ' UTC')} [42] postgres@bank LOG:  statement: `,
      '\tCREATE TABLE t (id int);',
      "\tALTER ROLE app PASSWORD 'x';",
      `${iso(60_000).replace('T', ' ').replace('Z', ' UTC')} [43] app@bank ERROR:  permission denied for table t`,
    ].join('\n'));
    const w = await new LogsProbe().window(file, DAY, at);
    expect(w.undated).toBe(1);
    expect(w.lines).toBe(2);
    const pgTime = (ms: number) => iso(ms).replace('T', ' ').replace('Z', ' UTC');
    expect(w.notable.map((e) => e.message)).toEqual([
      // The kept lines are masked as they are read: the password never reaches a check.
      `${pgTime(3600_000)} [42] postgres@bank LOG:  statement:\n\tCREATE TABLE t (id int);\n\tALTER ROLE app PASSWORD '***';`,
      `${pgTime(60_000)} [43] app@bank ERROR:  permission denied for table t`,
    ]);
    expect(w.errorLines).toBe(1);
  });
});

describe('long lines', () => {
  it('reads a line of 100 kB in linear time, and finds logfmt keys where they start as before', () => {
    // A hex dump or a token with no '=' in it: every start position used to scan to the end of the line.
    for (const blob of ['x'.repeat(100_000), 'ab9'.repeat(40_000), 'a.'.repeat(50_000)]) {
      const t0 = performance.now();
      expect(parseLine(`ts=2026-11-27T08:00:00Z level=error msg=dump data=${blob}`, 'app.log').level).toBe('error');
      expect(parseLine(blob, 'app.log').fields).toEqual({});
      expect(performance.now() - t0).toBeLessThan(1000);
    }
    // A key starts at its first letter, after any digits, dots or dashes: --level=error is the key level.
    expect(parseLine('--level=error 9msg="disk full" 12=3', 'app.log')).toMatchObject({ level: 'error', message: 'disk full' });
  });
});

describe('syslog lines', () => {
  it('reads RFC 5424 and BSD (rsyslog file) lines: time, host, program, level from the priority, and the message read again', () => {
    const r = parseLine('<163>1 2025-07-02T07:59:58.120Z api-1 payments 4242 - - {"level":"error","status":502,"msg":"upstream timed out"}', 'syslog');
    expect(r).toMatchObject({ time: new Date('2025-07-02T07:59:58.120Z'), level: 'error', status: 502, message: 'upstream timed out', fields: { host: 'api-1', app: 'payments', pid: '4242' } });
    const sd = parseLine('<165>1 2025-07-02T07:00:00Z api-1 payments - ID47 [exampleSDID@32473 iut="3" eventSource="App"] user alice logged in', 'syslog');
    expect(sd).toMatchObject({ level: 'notice', message: 'user alice logged in', fields: { host: 'api-1', app: 'payments' } });
    expect(sd.fields.pid).toBeUndefined();
    const bsd = parseLine('Jul  2 07:58:00 db-1 postgres[812]: [5-1] FATAL:  password authentication failed for user "teller"', 'syslog', at);
    expect(bsd).toMatchObject({ time: new Date(2025, 6, 2, 7, 58, 0), level: 'fatal', fields: { host: 'db-1', app: 'postgres', pid: '812' } });
    expect(parseLine('<11>Jul  2 07:58:01 api-1 payments: request failed', 'syslog', at)).toMatchObject({ level: 'error', message: 'request failed' });
    // No year in a BSD line: a December line read on 2 July is from last December.
    expect(parseLine('Dec 31 23:00:00 api-1 cron[1]: done', 'syslog', at).time).toEqual(new Date(2024, 11, 31, 23, 0, 0));
    // Not syslog: read as before.
    expect(parseLine('Julia said hello', 'app.log', at).fields).toEqual({});
  });

  it('counts requests and errors of a day out of a syslog file', async () => {
    const d = dir();
    const file = join(d, 'syslog');
    const stamp = (msAgo: number) => new Date(NOW - msAgo).toISOString();
    writeFileSync(file, [
      `<134>1 ${stamp(30 * 3600_000)} api-1 payments 1 - - {"status":500}`,
      `<134>1 ${stamp(3600_000)} api-1 payments 1 - - {"status":200}`,
      `<134>1 ${stamp(1800_000)} api-1 payments 1 - - {"status":503}`,
      `<131>1 ${stamp(60_000)} api-1 payments 1 - - disk quota exceeded`,
    ].join('\n') + '\n');
    const w = await new LogsProbe().window(file, DAY, at);
    expect([w.lines, w.requests, w.failedRequests, w.errorLines]).toEqual([3, 2, 1, 1]);
  });
});

describe('times', () => {
  const timeOf = (value: string) => parseLine(JSON.stringify({ time: value }), 'app.log').time?.getTime();

  it('reads the usual ISO 8601 forms to the millisecond', () => {
    expect(timeOf('2026-11-27T08:00:00.123Z')).toBe(Date.UTC(2026, 10, 27, 8, 0, 0, 123));
    expect(timeOf('2026-11-27T08:00:00Z')).toBe(Date.UTC(2026, 10, 27, 8, 0, 0));
    expect(timeOf('2026-11-27T08:00:00.123+01:00')).toBe(Date.UTC(2026, 10, 27, 7, 0, 0, 123));
    expect(timeOf('2026-11-27T08:00:00-05:30')).toBe(Date.UTC(2026, 10, 27, 13, 30, 0));
    expect(timeOf('2026-11-27T08:00:00.1Z')).toBe(Date.UTC(2026, 10, 27, 8, 0, 0, 100));
    expect(timeOf('2026-11-27T08:00:00.999999999Z')).toBe(Date.UTC(2026, 10, 27, 8, 0, 0, 999));
    expect(timeOf('2026-11-27 08:00:00,5 UTC')).toBe(Date.UTC(2026, 10, 27, 8, 0, 0, 500));
    expect(timeOf('2026-11-27T08:00:00.123+0100')).toBe(Date.UTC(2026, 10, 27, 7, 0, 0, 123));
  });

  // A leading space keeps a time off the fast path for the usual form: the general reading trims it and must agree.
  it('reads the usual form as the general reading does, whatever the fraction, zone and date', () => {
    const fractions = Array.from({ length: 13 }, (_, n) => (n ? `.${'987654321987'.slice(0, n)}` : ''));
    const cases = fractions.flatMap((f) => ['Z', '+01:00', '-09:30', '+00:00'].map((zone) => `2026-11-27T08:00:00${f}${zone}`));
    cases.push(
      '2024-02-29T23:59:59.999Z', '2026-02-29T00:00:00Z', '2026-02-30T12:00:00Z', '2026-04-31T00:00:00+02:00', '2026-12-31T23:59:59-12:00',
      '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z', '2026-01-00T00:00:00Z', '2026-01-32T00:00:00Z', '2026-11-27T24:00:00Z',
      '2026-11-27T23:60:00Z', '2026-11-27T23:00:60Z', '2026-11-27T08:00:00+24:00', '2026-11-27T08:00:00+23:60', '0050-01-01T00:00:00Z',
    );
    for (const value of cases) expect([value, timeOf(value)]).toEqual([value, timeOf(` ${value}`)]);
    expect(timeOf('2026-13-01T00:00:00Z')).toBeUndefined();
  });
});

describe('odd log files: refused or read within bounds, never a hang', () => {
  it('cuts a 50 MB line without a newline at MAX_LINE_BYTES, reading backwards and forwards', async () => {
    const d = dir();
    const file = join(d, 'app.log');
    writeFileSync(file, `${iso(60_000)} ERROR dump ${'x'.repeat(50 * 1024 * 1024)}`);
    const t0 = performance.now();
    const w = await new LogsProbe().window(file, DAY, at);
    expect([w.lines, w.errorLines]).toEqual([1, 1]);
    expect(w.notable[0]!.raw.length).toBe(MAX_LINE_BYTES);
    const read = [];
    for await (const r of records(file, 0, { bytes: 0 })) read.push({ length: r.line.length, bytes: r.bytes, level: r.rec.level });
    expect(read).toEqual([{ length: MAX_LINE_BYTES, bytes: statSync(file).size, level: 'error' }]);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('reads invalid UTF-8 and escape sequences as replacement characters, counting the lines', async () => {
    const d = dir();
    const file = join(d, 'app.log');
    const line = Buffer.concat([Buffer.from(`${iso(60_000)} ERROR bad \u001b[31m`), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x00]), Buffer.from(' end\r\n')]);
    writeFileSync(file, Buffer.concat([line, line]));
    const w = await new LogsProbe().window(file, DAY, at);
    expect([w.lines, w.errorLines]).toEqual([2, 2]);
    const read = [];
    for await (const r of records(file, 0, { bytes: 0 })) read.push(r);
    expect(read.map((r) => [r.line.endsWith(' end'), r.line.includes('\ufffd'), r.bytes])).toEqual([[true, true, line.length], [true, true, line.length]]);
  });

  it('refuses a FIFO, a socket, a directory and a device by name, and follows a symlink to a regular file', async () => {
    const d = dir();
    const fifo = join(d, 'fifo.log');
    execFileSync('mkfifo', [fifo]);
    const socket = join(d, 'socket.log');
    const server = createServer().listen(socket);
    await once(server, 'listening');
    try {
      for (const [path, kind] of [[fifo, 'a FIFO (named pipe)'], [socket, 'a socket'], [d, 'a directory'], ['/dev/zero', 'a device']] as const) {
        const message = `${path} is ${kind}, not a regular file: nvcops does not read it`;
        await expect(new LogsProbe().window(path, DAY, at)).rejects.toThrow(message);
        await expect(summarizeLogs(path, { since: new Date(NOW - DAY), level: 'warn' })).rejects.toThrow(message);
      }
    } finally {
      server.close();
    }
    const real = join(d, 'real.log');
    writeFileSync(real, `${iso(60_000)} ERROR disk full\n`);
    const link = join(d, 'app.log');
    symlinkSync(real, link);
    expect((await new LogsProbe().window(link, DAY, at)).errorLines).toBe(1);
    // A symlink is followed to what it names: to a FIFO, it is refused as one.
    const toFifo = join(d, 'to-fifo.log');
    symlinkSync(fifo, toFifo);
    await expect(new LogsProbe().window(toFifo, DAY, at)).rejects.toThrow(`${toFifo} is a FIFO (named pipe), not a regular file`);
  });

  it('a FIFO as logs.application: each command names it and exits, none waits on it', async () => {
    const d = dir();
    const fifo = join(d, 'application.log');
    execFileSync('mkfifo', [fifo]);
    const config = writeConfig({ logs: { application: fifo }, state: { path: join(d, 'state') } });
    const refused = `${fifo} is a FIFO (named pipe), not a regular file: nvcops does not read it`;
    // monthly compliance exits 2: controls with nothing configured fail on their own.
    for (const [command, code] of [['health daily', 3], ['incident logs', 3], ['health security', 3], ['monthly compliance', 2]] as const) {
      // Wide enough that the screen keeps the refusal on one line.
      const r = await nvcops([...command.split(' '), '--config', config], { timeoutMs: 20_000, env: { COLUMNS: '1000' } });
      expect([command, r.exitCode, r.stdout.includes(refused), r.stderr]).toEqual([command, code, true, '']);
    }
  });
});
