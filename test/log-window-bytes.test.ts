import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogsProbe, MAX_LINE_BYTES, parseLine } from '../src/probes/logs.js';

// The window is read from the end in blocks of 1 MiB, handed over in pieces of about 64 KiB of whole lines, and a piece
// of ASCII bytes only is decoded as Latin-1. Each case puts a byte the reading could get wrong where a block, a piece or
// the 1 MiB cut of a line falls; the counts and kept entries must be those of parseLine on each line decoded as UTF-8.
const NOW = Date.UTC(2026, 2, 2, 12, 0, 0);
const DAY = 86_400_000;
const at = new Date(NOW);
const BLOCK = 1024 * 1024;

function fileOf(bytes: Buffer): string {
  const file = join(mkdtempSync(join(tmpdir(), 'nvcops-log-bytes-')), 'app.log');
  writeFileSync(file, bytes);
  return file;
}

/** What parseLine says of each line of the bytes (split at newlines, cut at MAX_LINE_BYTES, decoded as UTF-8). */
function byParseLine(bytes: Buffer) {
  const entries = [];
  for (let a = 0; a < bytes.length;) {
    let nl = bytes.indexOf(10, a);
    if (nl === -1) nl = bytes.length;
    const line = bytes.toString('utf8', a, Math.min(nl, a + MAX_LINE_BYTES));
    a = nl + 1;
    if (!line.trim()) continue;
    const e = parseLine(line, 'app.log', at);
    expect(e.time, line.slice(0, 200)).toBeDefined();
    if (e.time!.getTime() >= NOW - DAY) entries.push(e);
  }
  const requests = entries.filter((e) => e.status !== undefined);
  return {
    lines: entries.length,
    requests: requests.length,
    failedRequests: requests.filter((e) => e.status! >= 500 || e.level === 'error').length,
    kept: entries.filter((e) => e.level === 'warn' || e.level === 'error' || (e.status ?? 0) >= 400).map((e) => e.message),
  };
}

async function expectSameAsParseLine(bytes: Buffer) {
  const w = await new LogsProbe().window(fileOf(bytes), DAY, at);
  const want = byParseLine(bytes);
  expect({ lines: w.lines, requests: w.requests, failedRequests: w.failedRequests, kept: w.notable.map((e) => e.message) }).toEqual(want);
  return w;
}

/** Lines of request log, one every half second back from NOW (all in the window), padded to `bytes` in all; `line(i)` may put anything in them. */
function log(bytes: number, line: (i: number, time: string) => string): Buffer {
  const out: Buffer[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const b = Buffer.from(`${line(i, new Date(NOW - (1e5 - i) * 500).toISOString())}\n`, 'utf8');
    out.push(b);
    n += b.length;
  }
  return Buffer.concat(out);
}

describe('the window read in blocks and pieces, ASCII pieces as Latin-1', () => {
  it('non-ASCII in a message before and after the status key, and in a key, read as UTF-8', async () => {
    const bytes = log(3 * BLOCK, (i, time) => {
      const msg = ['ünïcödé request', 'запрос выполнен', '请求完成 🚀', 'plain'][i % 4];
      const status = [200, 404, 503, 201][i % 5 % 4];
      return i % 3 === 0
        ? `{"time":"${time}","msg":"${msg}","status":${status},"level":"info"}`
        : i % 3 === 1 ? `{"time":"${time}","status":${status},"msg":"${msg}","level":"info"}` : `{"time":"${time}","ключ":"é","status":${status},"msg":"all fine"}`;
    });
    const w = await expectSameAsParseLine(bytes);
    expect(w.notable.some((e) => e.message === '请求完成 🚀' && e.raw.includes('请求完成 🚀'))).toBe(true);
    expect(w.notable.some((e) => e.raw.includes('"ключ":"é"'))).toBe(true);
  });

  it('a multi-byte character split across a block boundary and where a piece is cut', async () => {
    const ascii = log(3 * BLOCK, (i, time) => `{"time":"${time}","level":"${i % 7 ? 'info' : 'warn'}","msg":"request completed","status":200}`);
    for (const at of [BLOCK, 2 * BLOCK, ascii.length - BLOCK, ascii.length - BLOCK - 64 * 1024, ascii.length - 64 * 1024]) {
      // A warn line whose message holds a 4-byte character straddling byte `at` of the file.
      const before = ascii.subarray(0, ascii.lastIndexOf(10, at - 60) + 1);
      const head = Buffer.from(`{"time":"${new Date(NOW - 3600_000).toISOString()}","level":"warn","msg":"`);
      const pad = Buffer.alloc(Math.max(0, at - 2 - before.length - head.length), 'x');
      const line = Buffer.concat([head, pad, Buffer.from('🚀 split","status":200}\n')]);
      const bytes = Buffer.concat([before, line, ascii.subarray(before.length)]);
      expect(bytes.subarray(at - 2, at + 2)).toEqual(Buffer.from('🚀'));
      const w = await expectSameAsParseLine(bytes);
      expect(w.notable.some((e) => e.message.endsWith('x🚀 split'))).toBe(true);
    }
  });

  it('a line cut at MAX_LINE_BYTES in the middle of a multi-byte character is cut where the bytes are', async () => {
    const time = new Date(NOW - 3600_000).toISOString();
    const head = `${time} ERROR `;
    // '€' is 3 bytes: the cut falls after its first byte.
    const long = Buffer.concat([Buffer.from(head), Buffer.alloc(MAX_LINE_BYTES - 1 - head.length, 'ab cd '), Buffer.from('€€€ and more\n')]);
    for (const tail of [0, 10, 3 * BLOCK]) {
      const after = log(tail, (i, t) => `{"time":"${t}","level":"info","msg":"after","status":200}`);
      const bytes = Buffer.concat([log(BLOCK / 2, (i, t) => `{"time":"${t}","level":"info","msg":"ok","status":200}`), long, after]);
      const w = await new LogsProbe().window(fileOf(bytes), DAY, at);
      const cut = w.notable.find((e) => e.raw.startsWith(head));
      expect(cut?.raw).toBe(long.toString('utf8', 0, MAX_LINE_BYTES));
      expect(cut!.raw.endsWith('\uFFFD')).toBe(true);
      expect([w.errorLines, w.failedRequests]).toEqual([1, 0]);
    }
  });

  it('Latin-1 bytes that are not UTF-8 read as UTF-8 reads them (U+FFFD), in a flat line and in a text line', async () => {
    const bytes = Buffer.concat([
      log(BLOCK + 1000, (i, time) => `{"time":"${time}","level":"info","msg":"ok","status":200}`),
      Buffer.from(`{"time":"${new Date(NOW - 60_000).toISOString()}","level":"warn","msg":"caf`), Buffer.from([0xe9, 0x20, 0xff, 0xc3]), Buffer.from('","status":401}\n'),
      Buffer.from(`${new Date(NOW - 30_000).toISOString()} WARNING login for caf`), Buffer.from([0xe9]), Buffer.from(' denied\n'),
      Buffer.from('\u00a0'), Buffer.from(`{"time":"${new Date(NOW - 20_000).toISOString()}","level":"error","msg":"nbsp before","status":500}\n`),
    ]);
    const w = await expectSameAsParseLine(bytes);
    expect(w.notable.map((e) => e.message).slice(-3)).toEqual(['caf\uFFFD \uFFFD\uFFFD', expect.stringContaining('login for caf\uFFFD denied'), expect.any(String)]);
  });
});

describe('lines the flat reading must hand to parseLine, between two flat lines', () => {
  const T = new Date(NOW - 3600_000).toISOString();
  const flatLine = (msAgo: number) => Buffer.from(`{"time":"${new Date(NOW - msAgo).toISOString()}","level":"info","msg":"request completed","status":200}`);
  /** Each line between two flat ones, as parseLine reads it: a dated line counts on its own, an undated one continues the line above. */
  async function expectEachAsParseLine(lines: Buffer[]) {
    for (const line of lines) {
      const bytes = Buffer.concat([flatLine(7200_000), Buffer.from('\n'), line, Buffer.from('\n'), flatLine(60_000), Buffer.from('\n')]);
      const w = await new LogsProbe().window(fileOf(bytes), DAY, at);
      const e = parseLine(line.toString('utf8'), 'app.log', at);
      const failed = e.status !== undefined && (e.status >= 500 || e.level === 'error') ? 1 : 0;
      const want = e.time === undefined
        ? { lines: 2, requests: 2, failedRequests: 0, raws: [] as string[] }
        : { lines: 3, requests: 2 + (e.status === undefined ? 0 : 1), failedRequests: failed, raws: [line.toString('utf8')] };
      const raws = w.notable.map((n) => n.raw);
      expect({ line: line.toString('utf8'), lines: w.lines, requests: w.requests, failedRequests: w.failedRequests, raws }).toEqual({ line: line.toString('utf8'), ...want });
      if (e.time !== undefined) expect(w.notable[0]).toMatchObject({ level: e.level, status: e.status, message: e.message });
    }
  }

  it('escapes, nested values and whitespace JSON allows (JSON.parse reads them: dated)', async () => {
    await expectEachAsParseLine([
      `{"time":"${T}","level":"error","msg":"say \\"hi\\"","status":500}`,
      `{"time":"${T}","level":"error","msg":"\\u0041BC","status":502}`,
      `{"ti\\u006de":"${T}","level":"error","msg":"an escaped key is still time","status":500}`,
      `{"time":"${T}","status":500,"res":{"status":200}}`,
      `{"time":"${T}","status":503,"tags":["a","b"]}`,
      `{"time":"${T}",\t"status":500}`,
      `{"time":"${T}","status":500}\r`,
      ` {"time":"${T}","status":500}`,
      `{"time":"${T}","status":5e2,"level":"warn"}`,
      `{"time":"${T}","status":-0,"level":"warn"}`,
      `{"time":"${T}","status":500.0,"level":"warn"}`,
      `{"time":"${T}","status":1000000000000000500,"level":"warn"}`,
      `{"time":"${T}","status":"502"}`,
    ].map((l) => Buffer.from(l)));
  });

  it('a stray quote, a control byte, a cut line, a bad literal or separator (not JSON: undated, under the line above)', async () => {
    await expectEachAsParseLine([
      `{"time":"${T}","msg":"a"b","status":500}`,
      `{"time":"${T}","msg":"a\tb","status":500}`,
      `{"time":"${T}","msg":"a\u0001b","status":500}`,
      `{"time":"${T}","status":500,"msg":"cu`,
      `{"time":"${T}","status":500,}`,
      `{"time":"${T}" "status":500}`,
      `{"time":"${T}","status":0500}`,
      `{"time":"${T}","status":500,"ok":tru}`,
      `{"time":"${T}","status":500} and more`,
      `{"time":"${T}",\u00a0"status":500}`,
    ].map((l) => Buffer.from(l)));
  });

  it('non-ASCII in values and keys, and bytes that are not UTF-8 inside a string (read by the flat reading as JSON.parse reads them)', async () => {
    await expectEachAsParseLine([
      Buffer.from(`{"time":"${T}","level":"warn","msg":"naïve ✓","status":404}`),
      Buffer.from(`{"tïme":"x","time":"${T}","level":"warn","msg":"ключ","status":500}`),
      Buffer.concat([Buffer.from(`{"time":"${T}","level":"warn","msg":"caf`), Buffer.from([0xc3]), Buffer.from('","status":404}')]),
      Buffer.concat([Buffer.from(`{"time":"${T}","level":"warn","msg":"x`), Buffer.from([0xe2, 0x82]), Buffer.from('y","status":404}')]),
    ]);
  });
});
