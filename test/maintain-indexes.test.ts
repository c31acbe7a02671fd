import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PgServer } from './support/servers.js';
import { nvcops, writeConfig } from './support/cli.js';

const titles = (stdout: string) => JSON.parse(stdout).plan.map((s: { title: string }) => s.title);

describe('maintain indexes against a real PostgreSQL', () => {
  let pg: PgServer;
  let config: string;

  beforeAll(async () => {
    pg = await startPostgres({ settings: { autovacuum: 'off' } });
    // Duplicate and unused: (customer) is a prefix of (customer, created); nothing ever scans note_idx.
    await pg.sql(`CREATE TABLE payments (id int PRIMARY KEY, customer int, created int, note text)`);
    await pg.sql(`INSERT INTO payments SELECT g, g % 500, g, md5(g::text) FROM generate_series(1, 20000) g`);
    await pg.sql(`CREATE INDEX payments_customer_idx ON payments (customer)`);
    await pg.sql(`CREATE INDEX payments_customer_created_idx ON payments (customer, created)`);
    await pg.sql(`CREATE INDEX payments_note_idx ON payments (note)`);
    // Bloat: 95% of an indexed table deleted and vacuumed leaves index pages nearly empty.
    await pg.sql(`CREATE TABLE events (id int, kind int)`);
    await pg.sql(`INSERT INTO events SELECT g, g % 7 FROM generate_series(1, 200000) g`);
    await pg.sql(`CREATE INDEX events_id_idx ON events (id)`);
    await pg.sql(`DELETE FROM events WHERE id % 20 <> 0`);
    await pg.sql(`VACUUM ANALYZE events`);
    // Invalid: a unique index built CONCURRENTLY over duplicate values fails and stays behind, invalid.
    await pg.sql(`CREATE TABLE cards (number text)`);
    await pg.sql(`INSERT INTO cards VALUES ('4111'), ('4111'), ('5500')`);
    await expect(pg.sql(`CREATE UNIQUE INDEX CONCURRENTLY cards_number_key ON cards (number)`)).rejects.toThrow(/could not create unique index/);
    await pg.sql(`ANALYZE`);
    // Use the wide index and the bloated one once, so only the narrow duplicate and the note index look unused.
    await pg.sql(`SET enable_seqscan = off; SELECT count(*) FROM payments WHERE customer = 1 AND created = 501; SELECT count(*) FROM events WHERE id = 40`);
    config = writeConfig({ environment: 'staging', postgres: { url: pg.url }, maintenance: { indexes: { unusedMinSize: '100 kB', bloatMinSize: '500 kB' } } });
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('finds invalid, duplicate, unused and bloated indexes; plans drops only with --drop; shows the space to reclaim', async () => {
    const plan = await nvcops(['maintain', 'indexes', '--dry-run', '--config', config, '--format', 'json']);
    expect(plan.exitCode).toBe(0);
    const out = JSON.parse(plan.stdout);
    expect(titles(plan.stdout)).toEqual(['REINDEX INDEX CONCURRENTLY public.cards_number_key', 'REINDEX INDEX CONCURRENTLY public.events_id_idx']);
    expect(out.summary[0]).toMatch(/^1 invalid, 1 duplicate, 1 unused .* 1 bloated/);
    expect(out.summary.join('\n')).toMatch(/not planned without --drop: public\.payments_customer_idx — duplicate: its columns are a prefix of public\.payments_customer_created_idx/);
    expect(out.summary.join('\n')).toMatch(/not planned without --drop: public\.payments_note_idx — unused: no scans since/);
    expect(out.summary[1]).toMatch(/space to reclaim: about [\d.]+ [kM]B \([\d.]+ [kM]B more with --drop\)/);
    const withDrop = await nvcops(['maintain', 'indexes', '--drop', '--dry-run', '--config', config, '--format', 'json']);
    expect(titles(withDrop.stdout)).toEqual([
      'REINDEX INDEX CONCURRENTLY public.cards_number_key',
      'REINDEX INDEX CONCURRENTLY public.events_id_idx',
      'DROP INDEX CONCURRENTLY public.payments_customer_idx',
      'DROP INDEX CONCURRENTLY public.payments_note_idx',
    ]);
  });

  it('refuses, before doing anything, a role that does not own the indexes (the monitoring role of postgres.url without postgres.adminUrl)', async () => {
    const r = await nvcops(['maintain', 'indexes', '--drop', '--yes', '--config', writeConfig({ environment: 'staging', postgres: { url: pg.monitorUrl }, maintenance: { indexes: { unusedMinSize: '100 kB', bloatMinSize: '500 kB' } } })]);
    expect(r.exitCode).toBe(3);
    // (events_id_idx is not among them: its bloat is estimated from pg_stats rows this role may not read.)
    expect(r.stderr).toMatch(/^nvcops: nothing was done: maintain indexes: role nvcops_monitor may not act on public\.cards_number_key, public\.payments_customer_idx, public\.payments_note_idx: .*set postgres\.adminUrl/);
    expect((await pg.sql(`SELECT count(*)::int AS n FROM pg_indexes WHERE indexname IN ('payments_customer_idx', 'payments_note_idx')`))[0]).toEqual({ n: 2 });
  });

  it('reports a REINDEX that fails on duplicate values, leaves no unfinished copy, and succeeds once the data is fixed', async () => {
    const r = await nvcops(['maintain', 'indexes', '--yes', '--config', config, '--format', 'json']);
    expect(r.exitCode).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.outcomes[0]).toMatchObject({ status: 'failed', message: expect.stringMatching(/could not create unique index.*removed the unfinished copy public\.cards_number_key_ccnew/) });
    expect(out.outcomes[1]).toMatchObject({ status: 'done', message: expect.stringMatching(/^rebuilt: [\d.]+ [kM]B → [\d.]+ kB$/) });
    const ccnew = await pg.sql(`SELECT 1 FROM pg_class WHERE relname LIKE 'cards_number_key_ccnew%'`);
    expect(ccnew).toHaveLength(0);
    await pg.sql(`DELETE FROM cards WHERE ctid = (SELECT max(ctid) FROM cards WHERE number = '4111')`);
    const again = await nvcops(['maintain', 'indexes', '--yes', '--config', config, '--format', 'json']);
    expect(again.exitCode).toBe(0);
    expect(titles(again.stdout)).toEqual(['REINDEX INDEX CONCURRENTLY public.cards_number_key']);
    const [valid] = await pg.sql<{ v: boolean }>(`SELECT indisvalid AS v FROM pg_index WHERE indexrelid = 'cards_number_key'::regclass`);
    expect(valid!.v).toBe(true);
  });

  it('drops a leftover _ccnew index of an interrupted REINDEX, and drops unused and duplicate indexes with --drop', async () => {
    // A REINDEX CONCURRENTLY cut short while it waits for an open transaction leaves its new copy behind, invalid.
    const reader = await pg.connect();
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM cards');
    const rebuilder = await pg.connect();
    await rebuilder.query(`SET statement_timeout = '1s'`);
    await expect(rebuilder.query(`REINDEX INDEX CONCURRENTLY cards_number_key`)).rejects.toThrow(/statement timeout/);
    await reader.query('ROLLBACK');
    const r = await nvcops(['maintain', 'indexes', '--drop', '--yes', '--config', config, '--format', 'json']);
    const out = JSON.parse(r.stdout);
    // Cut short while waiting, it leaves either the new copy (_ccnew) or, past the swap, the old one (_ccold).
    expect(out.plan.map((s: { title: string }) => s.title)).toEqual([
      expect.stringMatching(/^DROP INDEX CONCURRENTLY public\.cards_number_key_cc(new|old)$/),
      'DROP INDEX CONCURRENTLY public.payments_customer_idx',
      'DROP INDEX CONCURRENTLY public.payments_note_idx',
    ]);
    expect(r.exitCode).toBe(0);
    const left = await pg.sql<{ relname: string }>(`SELECT relname FROM pg_class WHERE relkind = 'i' AND relname LIKE ANY (ARRAY['payments%', 'cards%']) ORDER BY 1`);
    expect(left.map((x) => x.relname)).toEqual(['cards_number_key', 'payments_customer_created_idx', 'payments_pkey']);
  });
});
