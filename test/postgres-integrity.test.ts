import { mkdtempSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { startPostgres, type PgServer } from './support/servers.js';
import { until } from './support/until.js';

const stateDir = () => mkdtempSync(join(tmpdir(), 'nvcops-integrity-state-'));

async function healthDb(url: string, thresholds: Record<string, { warn?: string; fail?: string }> = {}, env: Record<string, string> = {}) {
  const r = await nvcops(['health', 'db', '--config', writeConfig({ postgres: { url }, thresholds }), '--format', 'json'], { env: { XDG_STATE_HOME: stateDir(), ...env } });
  expect(r.stderr).toBe('');
  return { ...parseReport(r.stdout), exitCode: r.exitCode };
}

describe('data checksum failures (pgMonitor PGDataChecksum)', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('passes a server with data checksums on; warns on one initialised without them', async () => {
    const { byId, line } = await healthDb(server.monitorUrl);
    expect(byId['postgres.data-checksums']).toMatchObject({ status: 'pass', message: 'no checksum failure on primary (data checksums on)' });
    expect(line('Database connections healthy').results.map((r) => r.id)).toContain('postgres.data-checksums');
    const plain = await startPostgres({ checksums: false });
    try {
      const { byId: off } = await healthDb(plain.monitorUrl);
      expect(off['postgres.data-checksums']).toMatchObject({ status: 'warn', message: expect.stringMatching(/^data checksums are off on primary: .*pg_checksums --enable/) });
    } finally {
      await plain.stop();
    }
  });

  it('fails when a page of a table was corrupted on disk, and incident classify proposes P0 data corruption', async () => {
    await server.sql('CREATE TABLE ledger AS SELECT g AS id, md5(g::text) AS memo FROM generate_series(1, 2000) g');
    await server.sql('VACUUM ledger');
    const path = (await server.sql<{ path: string }>("SELECT pg_relation_filepath('ledger') AS path"))[0]!.path;
    // Clean shutdown (no dirty page left to write back), then 16 bytes in the middle of block 0 overwritten: the next read of it sees a checksum mismatch.
    await server.restart(() => {
      const fd = openSync(join(server.dataDir, path), 'r+');
      try {
        writeSync(fd, Buffer.alloc(16, 0xa5), 0, 16, 4000);
      } finally {
        closeSync(fd);
      }
    });
    await expect(server.sql('SELECT count(*) FROM ledger')).rejects.toThrow(/invalid page in block 0/);
    await until('the checksum failure counted', async () => (await server.sql<{ n: number }>("SELECT checksum_failures::int AS n FROM pg_stat_database WHERE datname = 'postgres'"))[0]!.n > 0);
    const { byId, exitCode } = await healthDb(server.monitorUrl);
    expect(byId['postgres.data-checksums']).toMatchObject({
      status: 'fail',
      observed: { value: 1, unit: 'count' },
      message: expect.stringMatching(/^1 page failed its checksum: data corruption on disk/),
      details: [expect.stringMatching(/^primary: 1 checksum failure in database postgres, last at \d{4}-/)],
    });
    expect(exitCode).toBe(2);
    const classify = await nvcops(['incident', 'classify', '--config', writeConfig({ postgres: { url: server.monitorUrl } }), '--format', 'json'], { env: { XDG_STATE_HOME: stateDir() } });
    const out = JSON.parse(classify.stdout);
    expect(out.proposed).toBe('P0');
    expect(out.reasons[0]).toMatchObject({ severity: 'P0', kind: 'Data corruption', evidence: expect.stringMatching(/^Data checksum failures: 1 page failed its checksum/) });
  }, 60_000);
});
