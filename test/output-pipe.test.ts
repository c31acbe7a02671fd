/** A long report into a pipe that is read slowly (a pager, a CI log collector under load) arrives whole. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStore } from '../src/state/local.js';
import { CLI, writeConfig } from './support/cli.js';
import { report } from './support/state-suite.js';

describe('stdout into a pipe', () => {
  it('a history of several hundred KB reaches a reader that starts late, every byte, before nvcops exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-pipe-'));
    const store = LocalStore.open(dir);
    const checks = Array.from({ length: 40 }, (_, i) => ({ id: `postgres.check-${i}`, value: i }));
    for (let i = 0; i < 150; i++) {
      const r = report('health db', new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), checks);
      await store.history.append({ at: r.startedAt, by: 'alice', host: 'h', command: r.command, environment: r.environment, status: r.status, exitCode: r.exitCode, report: r });
    }
    const child = spawn('node', [CLI, 'history', '--format', 'json', '--config', writeConfig({ state: { path: dir } })], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The kernel's pipe holds 64 KB: nothing is read for a second, so the rest has to wait for the reader.
    await new Promise((r) => setTimeout(r, 1000));
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    const out = Buffer.concat(chunks).toString('utf8');
    expect(out.length).toBeGreaterThan(256 * 1024);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toHaveLength(150);
  });
});
