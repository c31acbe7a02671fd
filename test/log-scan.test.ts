import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogsProbe, MAX_LINE_BYTES, parseLine, readLine } from '../src/probes/logs.js';

// The window is read without JSON.parse where a line is a flat JSON object, and its times are compared as strings where
// they are written as toISOString writes them. Each case here is a line that reading could get wrong: the counts must be
// those of parseLine, line by line.
const NOW = Date.UTC(2026, 2, 2, 12, 0, 0);
const DAY = 86_400_000;
const at = new Date(NOW);
const iso = (msAgo: number) => new Date(NOW - msAgo).toISOString();
const HOUR = 3600_000;

async function windowOf(lines: string[]) {
  const file = join(mkdtempSync(join(tmpdir(), 'nvcops-log-scan-')), 'app.log');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return new LogsProbe().window(file, DAY, at);
}

/** What parseLine says of each line, for the lines the cases below hold (all dated, none continuing another). */
function byParseLine(lines: string[]) {
  const since = NOW - DAY;
  const entries = lines.map((l) => parseLine(l, 'app.log', at)).filter((e) => e.time && e.time.getTime() >= since);
  const requests = entries.filter((e) => e.status !== undefined);
  return { lines: entries.length, requests: requests.length, failedRequests: requests.filter((e) => e.status! >= 500 || e.level === 'error').length };
}

describe('the flat reading of JSON lines gives what parseLine gives', () => {
  it('a status inside a message string, a nested status and a status under a longer key are not the request status', async () => {
    const lines = [
      JSON.stringify({ time: iso(3 * HOUR), msg: 'upstream answered {"status":500}', status: 200 }),
      JSON.stringify({ time: iso(2 * HOUR), msg: 'proxied', res: { status: 503 } }),
      `{"time":"${iso(HOUR)}","msg":"saw \\"status\\":502 upstream","status":201}`,
      JSON.stringify({ time: iso(HOUR / 2), note: '"status":500', status: '', status_code: 504 }),
      JSON.stringify({ time: iso(HOUR / 4), upstream_status: 502, 'x-status': 500, status: 200, statusCode: 500 }),
    ];
    const w = await windowOf(lines);
    expect([w.lines, w.requests, w.failedRequests]).toEqual([5, 4, 1]);
    expect(w).toMatchObject(byParseLine(lines));
  });

  it('times with an offset are compared as times, not as strings, at the window start', async () => {
    // 30 minutes before the window in +01:00 sorts after its start as a string; 30 minutes inside it in -05:00 sorts before.
    const before = new Date(NOW - DAY - 30 * 60_000 + HOUR).toISOString().replace('Z', '+01:00');
    const inside = new Date(NOW - DAY + 30 * 60_000 - 5 * HOUR).toISOString().replace('Z', '-05:00');
    const lines = [
      JSON.stringify({ time: iso(DAY + 20 * 60_000), status: 500 }),
      JSON.stringify({ time: before, status: 500 }),
      JSON.stringify({ time: inside, status: 500 }),
      JSON.stringify({ time: iso(HOUR), status: 200 }),
      JSON.stringify({ time: new Date(NOW - 2 * HOUR).toISOString().replace('.000Z', '.5Z'), status: 502 }),
    ];
    const w = await windowOf(lines);
    expect([w.lines, w.requests, w.failedRequests]).toEqual([3, 3, 2]);
    expect(w).toMatchObject(byParseLine(lines));
  });

  it('a time written as toISOString does but naming no real day is read as Date.parse reads it, and does not end the reading', async () => {
    // Date.parse rolls 30 February over to 2 March: inside the window, though as a string it sorts before it.
    const lines = [
      JSON.stringify({ time: iso(20 * HOUR), status: 500 }),
      JSON.stringify({ time: '2026-02-30T13:00:00.000Z', status: 200 }),
      JSON.stringify({ time: '2026-03-01T24:00:00.000Z', status: 200 }),
      JSON.stringify({ time: iso(HOUR), status: 200 }),
    ];
    const w = await windowOf(lines);
    expect([w.lines, w.requests, w.failedRequests]).toEqual([4, 4, 1]);
    expect(w).toMatchObject(byParseLine(lines));
  });

  it('a repeated key counts with its last value, as JSON.parse keeps it', async () => {
    const lines = [
      `{"time":"${iso(2 * HOUR)}","status":500,"status":200}`,
      `{"time":"${iso(HOUR)}","status":200,"status":503}`,
      `{"time":"${iso(DAY * 3)}","time":"${iso(HOUR / 2)}","level":"error","level":"info"}`,
    ];
    const w = await windowOf(lines);
    expect([w.lines, w.requests, w.failedRequests, w.errorLines]).toEqual([3, 2, 1, 0]);
    expect(w).toMatchObject(byParseLine(lines));
  });

  it('spaces after separators, numeric levels and times, and string statuses read as parseLine reads them', async () => {
    const lines = [
      `{"time": "${iso(3 * HOUR)}", "status": 503, "msg": "slow"}`,
      JSON.stringify({ level: 50, time: NOW - 2 * HOUR, msg: 'pino error' }),
      JSON.stringify({ level: 30, time: Math.floor((NOW - HOUR) / 1000), status: '502' }),
      JSON.stringify({ severity: 'WARNING', timestamp: iso(HOUR / 2), statusCode: 404 }),
    ];
    const w = await windowOf(lines);
    expect([w.lines, w.requests, w.failedRequests, w.errorLines]).toEqual([4, 3, 2, 1]);
    expect(w.notable.map((e) => `${e.level}/${e.status}`)).toEqual(['undefined/503', 'error/undefined', 'info/502', 'warn/404']);
  });

  it('a JSON line cut short is not JSON: it continues the entry above, as parseLine leaves it without a time', async () => {
    const lines = [
      JSON.stringify({ time: iso(2 * HOUR), level: 'error', msg: 'boom' }),
      `{"time":"${iso(HOUR)}","status":500,"msg":"cut`,
      JSON.stringify({ time: iso(HOUR / 2), status: 200 }),
    ];
    const w = await windowOf(lines);
    expect([w.lines, w.requests, w.failedRequests, w.errorLines]).toEqual([2, 1, 0, 1]);
    expect(w.notable[0]!.raw).toBe(`${lines[0]}\n${lines[1]}`);
  });

  it('two lines running whose messages differ in text but not in length are each judged on their own', async () => {
    const lines = [
      JSON.stringify({ time: iso(2 * HOUR), level: 'info', msg: 'request done', status: 200 }),
      JSON.stringify({ time: iso(HOUR), level: 'info', msg: 'password bad', status: 200 }),
      JSON.stringify({ time: iso(HOUR / 2), level: 'info', msg: 'request done', status: 200 }),
    ];
    const w = await windowOf(lines);
    expect(w.notable.map((e) => e.message)).toEqual(['password bad']);
  });

  it('a line longer than MAX_LINE_BYTES after others is cut at MAX_LINE_BYTES, keeping its time, level and the lines around it', async () => {
    const long = `${iso(HOUR)} ERROR dump ${'y'.repeat(MAX_LINE_BYTES + 300_000)}`;
    const w = await windowOf([JSON.stringify({ time: iso(2 * HOUR), status: 200 }), long, JSON.stringify({ time: iso(HOUR / 2), status: 500 })]);
    expect([w.lines, w.requests, w.failedRequests, w.errorLines]).toEqual([3, 2, 1, 1]);
    const dump = w.notable.find((e) => e.level === 'error')!;
    expect(dump.raw.length).toBe(MAX_LINE_BYTES);
    expect(dump.raw.startsWith(`${iso(HOUR)} ERROR dump yyy`)).toBe(true);
  });

  it('a line that chunks split, and lines that are notable only by their message, are kept whole and masked', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      lines.push(JSON.stringify({ time: iso(20 * HOUR - i * 20_000), level: 'info', msg: i % 1000 === 1 ? `login failed password=hunter${i}` : 'request completed', url: `/a/${'z'.repeat(i % 300)}`, status: 200 }));
    }
    const w = await windowOf(lines);
    expect([w.lines, w.requests, w.failedRequests]).toEqual([3000, 3000, 0]);
    expect(w.notable.map((e) => e.message)).toEqual(['login failed password=***', 'login failed password=***', 'login failed password=***']);
    expect(JSON.stringify(w.notable)).not.toContain('hunter');
  });

  it('readLine (incident logs, the card-number scan) reads time, level, status and message as parseLine does, whatever the line', () => {
    const lines = [
      JSON.stringify({ time: iso(HOUR), level: 'warn', msg: 'login failed', status: 401 }),
      JSON.stringify({ ts: NOW, lvl: 'ERROR', message: 'boom', status_code: '503' }),
      JSON.stringify({ time: '2026-02-30T13:00:00.000Z', event: 'x', status: 200 }),
      JSON.stringify({ time: new Date(NOW).toISOString().replace('Z', '+01:00'), msg: 7 }),
      JSON.stringify({ level: 30, status: 200 }),
      `{"time": "${iso(HOUR)}", "level": "info", "msg": "spaced"}`,
      `{"time":"${iso(HOUR)}","msg":"cut`,
      JSON.stringify({ time: iso(HOUR), msg: 'quoted "x"', res: { status: 500 } }),
      `${iso(HOUR).replace('T', ' ').replace('Z', ' UTC')} [42] app@bank ERROR:  permission denied`,
      '{}',
    ];
    const seen = (e: ReturnType<typeof readLine>) => [e.time?.getTime(), e.level, e.status, e.message, e.raw];
    for (const l of lines) expect([l, ...seen(readLine(l, 'app.log', at))]).toEqual([l, ...seen(parseLine(l, 'app.log', at))]);
  });

  it('readLine reads a line as its UTF-8 bytes only where they give the line back: a lone surrogate, non-ASCII, a control character', () => {
    // In these literals \uD800, \u0000 and \t are the characters themselves, raw in the line, not JSON escapes.
    const lines = [
      `{"time":"${iso(HOUR)}","level":"warn","msg":"a\uD800b","status":401}`,
      `{"time":"${iso(HOUR)}","level":"warn","msg":"a\uDC00","status":401}`,
      `{"time":"${iso(HOUR)}","level":"warn","msg":"naïve 🚀","status":401}`,
      `{"time":"${iso(HOUR)}","level":"warn","msg":"a\u0000b","status":401}`,
      `{"time":"${iso(HOUR)}","level":"warn","msg":"tab\there","status":401}`,
    ];
    const seen = (e: ReturnType<typeof readLine>) => [e.time?.getTime(), e.level, e.status, e.message, e.raw];
    for (const l of lines) expect([l, ...seen(readLine(l, 'app.log', at))]).toEqual([l, ...seen(parseLine(l, 'app.log', at))]);
    expect(readLine(lines[0]!, 'app.log', at).message).toBe('a\uD800b');
  });
});
