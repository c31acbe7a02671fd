import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogsProbe } from '../src/probes/logs.js';

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
      `${pgTime(3600_000)} [42] postgres@bank LOG:  statement:\n\tCREATE TABLE t (id int);\n\tALTER ROLE app PASSWORD 'x';`,
      `${pgTime(60_000)} [43] app@bank ERROR:  permission denied for table t`,
    ]);
    expect(w.errorLines).toBe(1);
  });
});
