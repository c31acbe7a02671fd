import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { startPostgres, startReplica, type PgServer } from './support/servers.js';
import { until } from './support/until.js';

/** The password of the roles a test makes besides the harness's own. */
const PLAIN_PW = 'Pl41n-login-pw';

describe('health db: every PostgreSQL check against a real server, healthy and in its fault', () => {
  let server: PgServer;
  const thresholds: Record<string, { warn?: string; fail?: string }> = {};

  async function healthDb(extra: Record<string, unknown> = {}, url = server.monitorUrl) {
    const config = writeConfig({ postgres: { url }, thresholds, ...extra });
    const r = await nvcops(['health', 'db', '--config', config, '--format', 'json']);
    expect(r.stderr).toBe('');
    return { ...parseReport(r.stdout), exitCode: r.exitCode };
  }

  beforeAll(async () => {
    server = await startPostgres({
      settings: { shared_preload_libraries: 'pg_stat_statements', shared_buffers: '1MB', max_connections: 30, autovacuum_freeze_max_age: 100000 },
    });
    await server.sql(`CREATE ROLE plain_login LOGIN PASSWORD '${PLAIN_PW}'`);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('passes a fresh server as the pg_monitor role', async () => {
    const { byId, exitCode } = await healthDb();
    for (const id of ['postgres.idle-in-transaction', 'postgres.blocked-queries', 'postgres.long-running-queries', 'postgres.dead-tuples',
      'postgres.vacuum-analyze', 'postgres.sequences', 'postgres.invalid-indexes', 'postgres.replication-slots', 'postgres.transaction-wraparound']) {
      expect(byId[id]!.status, `${id}: ${byId[id]!.message}`).toBe('pass');
    }
    expect(byId['postgres.slow-statements']).toMatchObject({ status: 'skip', message: expect.stringContaining('CREATE EXTENSION pg_stat_statements') });
    expect(exitCode).toBe(0);
  });

  it('connects with the longest statement timeout the config allows (its idle-in-transaction twin stays within PostgreSQL\'s limit)', async () => {
    const config = writeConfig({ postgres: { url: server.monitorUrl, statementTimeout: '24d' } });
    const { byId } = parseReport((await nvcops(['health', 'db', '--config', config, '--format', 'json'])).stdout);
    expect(byId['postgres.connect-time']!.status).toBe('pass');
    expect(byId['postgres.idle-in-transaction']!.status).toBe('pass');
  });

  it('flags a session idle in transaction, the session it blocks, and a long query, naming who blocks whom', async () => {
    await server.sql('CREATE TABLE accounts (id int PRIMARY KEY, balance int); INSERT INTO accounts VALUES (1, 100)');
    const holder = await server.connect();
    const holderPid = (await holder.query<{ pid: number }>("SET application_name = 'teller'; SELECT pg_backend_pid() AS pid") as unknown as pg.QueryResult[])[1]!.rows[0]!.pid;
    await holder.query('BEGIN; UPDATE accounts SET balance = 90 WHERE id = 1');
    const waiter = await server.connect();
    await waiter.query("SET application_name = 'batch'");
    const blocked = waiter.query('UPDATE accounts SET balance = 80 WHERE id = 1').catch(() => undefined);
    // Past the 2 s fail level below: the teller idle in its transaction, the batch waiting on its lock.
    await until('the teller idle in transaction and the batch blocked, both for 2.5 s', async () => (await server.sql<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE (application_name = 'teller' AND state = 'idle in transaction' AND now() - state_change > interval '2.5 s')
         OR (application_name = 'batch' AND wait_event_type = 'Lock' AND now() - query_start > interval '2.5 s')`))[0]!.n === '2');
    try {
      const defaults = await healthDb();
      // Under the documented defaults (5 min, 1 min, 60 s) a few seconds pass, but the sessions are already shown.
      expect(defaults.byId['postgres.blocked-queries']).toMatchObject({ status: 'pass', message: expect.stringContaining(`blocked by pid ${holderPid}`) });
      Object.assign(thresholds, {
        'postgres.idle-in-transaction': { warn: '> 1s', fail: '> 2s' },
        'postgres.blocked-queries': { warn: '> 1s', fail: '> 2s' },
        'postgres.long-running-queries': { warn: '> 1s', fail: '> 2s' },
      });
      const { byId, exitCode } = await healthDb();
      const idle = byId['postgres.idle-in-transaction']!;
      expect(idle.status).toBe('fail');
      expect(idle.details!.join('\n')).toMatch(new RegExp(`pid ${holderPid} postgres@teller .*UPDATE accounts SET balance = 90`));
      const lock = byId['postgres.blocked-queries']!;
      expect(lock.status).toBe('fail');
      expect(lock.details!.join('\n')).toMatch(/postgres@batch.*UPDATE accounts SET balance = 80[\s\S]*blocked by pid \d+ postgres@teller/);
      expect(byId['postgres.long-running-queries']).toMatchObject({ status: 'fail', message: expect.stringMatching(/longest \d+(\.\d)? s/) });
      expect(exitCode).toBe(2);
    } finally {
      for (const k of Object.keys(thresholds)) delete thresholds[k];
      await holder.query('ROLLBACK');
      await blocked;
    }
  });

  it('reports error naming pg_monitor when the role cannot see other sessions, never a pass', async () => {
    const other = await server.connect();
    await other.query('BEGIN; SELECT 1');
    try {
      const { byId, exitCode } = await healthDb({}, server.urlFor('plain_login', 'postgres', PLAIN_PW));
      for (const id of ['postgres.connection-saturation', 'postgres.idle-in-transaction', 'postgres.blocked-queries', 'postgres.long-running-queries']) {
        expect(byId[id]!.status, id).toBe('error');
        expect(byId[id]!.message, id).toMatch(/missing privilege: \d+ sessions of other roles are hidden .*GRANT pg_monitor \(or pg_read_all_stats\) TO plain_login/);
      }
      // Other checks judge what every role may see (the cache hit ratio of the earlier tests fails on its own merits).
      expect(exitCode).not.toBe(0);
    } finally {
      await other.query('ROLLBACK');
    }
  });

  it('finds sequences and integer keys near their maximum, and says which GRANT it needs to see them', async () => {
    await server.sql("CREATE TABLE transfers (id serial PRIMARY KEY, ref bigint GENERATED ALWAYS AS IDENTITY); SELECT setval('transfers_id_seq', 2061584302)");
    const hidden = await healthDb();
    expect(hidden.byId['postgres.sequences']).toMatchObject({ status: 'error', message: expect.stringContaining('GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO nvcops_monitor') });
    await server.sql('GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO nvcops_monitor');
    const { byId } = await healthDb();
    // 2,061,584,302 of an int4 column's 2,147,483,647 (the sequence itself is bigint): 96%.
    expect(byId['postgres.sequences']).toMatchObject({ status: 'fail', message: expect.stringMatching(/public\.transfers_id_seq \(feeds transfers\.id, int4\) at 96(\.\d+)?%/) });
    await server.sql('DROP TABLE transfers');
  });

  it('judges a sequence owned by no column by its own range, next to one at 99.65% of an int4 key', async () => {
    await server.sql(`CREATE SEQUENCE invoice_numbers AS int4 MAXVALUE 1000000; SELECT setval('invoice_numbers', 100);
      CREATE TABLE ledger_entries (id serial PRIMARY KEY); SELECT setval('ledger_entries_id_seq', 2139999999);
      GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO nvcops_monitor`);
    try {
      const { byId } = await healthDb();
      // 2,139,999,999 of 2,147,483,647: 99.65%, reported although another sequence feeds no column.
      const seq = byId['postgres.sequences']!;
      expect(seq).toMatchObject({ status: 'fail', message: 'public.ledger_entries_id_seq (feeds ledger_entries.id, int4) at 99.651% of its range' });
      expect(seq.details).toContainEqual('public.invoice_numbers (owned by no column, int4 up to 1000000): 0.009% used, last value 100');
      await server.sql("SELECT setval('invoice_numbers', 990000); SELECT setval('ledger_entries_id_seq', 1)");
      const own = (await healthDb()).byId['postgres.sequences']!;
      expect(own).toMatchObject({ status: 'fail', message: 'public.invoice_numbers (owned by no column, int4 up to 1000000) at 98.999% of its range' });
    } finally {
      await server.sql('DROP TABLE ledger_entries; DROP SEQUENCE invoice_numbers');
    }
  });

  it('warns about an index left invalid by a failed CREATE INDEX CONCURRENTLY', async () => {
    await server.sql('CREATE TABLE ledger (ref int); INSERT INTO ledger VALUES (1), (1)');
    await expect(server.sql('CREATE UNIQUE INDEX CONCURRENTLY ledger_ref ON ledger (ref)')).rejects.toThrow(/could not create unique index/);
    const { byId } = await healthDb();
    expect(byId['postgres.invalid-indexes']).toMatchObject({ status: 'warn', observed: { value: 1 }, message: expect.stringContaining('public.ledger_ref on ledger') });
    await server.sql('DROP TABLE ledger');
  });

  it('warns about an inactive replication slot and the WAL it keeps', async () => {
    await server.sql("SELECT pg_create_physical_replication_slot('forgotten_standby', true)");
    await server.sql('CREATE TABLE churn AS SELECT g FROM generate_series(1, 20000) g');
    const { byId } = await healthDb();
    const slots = byId['postgres.replication-slots']!;
    expect(slots.status).toBe('warn');
    expect(slots.observed!.value).toBeGreaterThan(0);
    expect(slots.message).toMatch(/1 inactive slot \(forgotten_standby\) retain [\d.]+ [kM]?B of WAL/);
    await server.sql("SELECT pg_drop_replication_slot('forgotten_standby'); DROP TABLE churn");
  });

  it('warns about dead tuples piling up and tables waiting long for vacuum and analyse', async () => {
    await server.sql('CREATE TABLE sessions (id int, payload text) WITH (autovacuum_enabled = false)');
    await server.sql("INSERT INTO sessions SELECT g, 'x' FROM generate_series(1, 50000) g; DELETE FROM sessions WHERE id <= 20000");
    await until('dead tuples in the statistics', async () => Number((await server.sql<{ n: string }>("SELECT n_dead_tup AS n FROM pg_stat_user_tables WHERE relname = 'sessions'"))[0]?.n) >= 20000);
    thresholds['postgres.vacuum-analyze'] = { warn: '> 1s', fail: '> 1h' };
    try {
      const { byId } = await healthDb();
      expect(byId['postgres.dead-tuples']).toMatchObject({ status: 'warn', message: expect.stringContaining('public.sessions: 20,000 dead of 50,000 rows') });
      expect(byId['postgres.dead-tuples']!.observed!.value).toBe(40);
      expect(byId['postgres.vacuum-analyze']).toMatchObject({ status: 'warn', message: expect.stringMatching(/public\.sessions needs vacuum and analyse: last vacuumed never, analysed never/) });
      await server.sql('VACUUM ANALYZE sessions');
      await until('the vacuum in the statistics', async () => Number((await server.sql<{ n: string }>("SELECT n_dead_tup AS n FROM pg_stat_user_tables WHERE relname = 'sessions'"))[0]?.n) === 0);
      const after = await healthDb();
      expect(after.byId['postgres.dead-tuples']!.status).toBe('pass');
      expect(after.byId['postgres.vacuum-analyze']!.status).toBe('pass');
    } finally {
      delete thresholds['postgres.vacuum-analyze'];
      await server.sql('DROP TABLE sessions');
    }
  });

  it('times a table never vacuumed from when the statistics began, not from its last analyse', async () => {
    await server.sql('CREATE TABLE transfers (id int, payload text) WITH (autovacuum_enabled = false)');
    try {
      await server.sql("INSERT INTO transfers SELECT g, 'x' FROM generate_series(1, 50000) g");
      // The analyse comes well after the server started, so that the two times cannot be taken for each other.
      const up = async () => (await server.sql<{ s: number }>('SELECT extract(epoch FROM now() - pg_postmaster_start_time())::float8 AS s'))[0]!.s;
      await until('the server up for 5 s', async () => (await up()) >= 5);
      await server.sql('ANALYZE transfers');
      await server.sql('DELETE FROM transfers WHERE id <= 20000');
      await until('dead tuples in the statistics', async () => Number((await server.sql<{ n: string }>("SELECT n_dead_tup AS n FROM pg_stat_user_tables WHERE relname = 'transfers'"))[0]?.n) >= 20000);
      const since = Math.floor(await up());
      const check = (await healthDb()).byId['postgres.vacuum-analyze']!;
      expect(check.observed!.value).toBeGreaterThanOrEqual(since);
      expect(check.message).toMatch(/public\.transfers needs vacuum and analyse: last vacuumed never, analysed [\d.]+ s ago/);
    } finally {
      await server.sql('DROP TABLE transfers');
    }
  });

  it('judges the cache hit ratio only over enough block reads: skip on a handful, pass when busy and warm, fail when a table outgrows shared_buffers', async () => {
    const blocks = async (rel: string) => Number((await server.sql<{ n: string }>(
      `SELECT coalesce(heap_blks_hit, 0) + coalesce(heap_blks_read, 0) AS n FROM pg_statio_user_tables WHERE relname = '${rel}'`))[0]?.n);
    await server.sql('CREATE TABLE small (id int PRIMARY KEY); INSERT INTO small SELECT generate_series(1, 3000)');
    await server.sql('SELECT pg_stat_reset()');
    // A handful of reads, as on a server just started: too few to say anything about the cache.
    await server.sql('SELECT count(*) FROM small');
    await server.sql('SELECT count(*) FROM small');
    await until('statio counters', async () => (await blocks('small')) > 0);
    const fresh = await healthDb();
    expect(fresh.byId['postgres.cache-hit-ratio']).toMatchObject({
      status: 'skip', message: expect.stringMatching(/^not enough data yet: \d+ block reads since the statistics reset \(\d+ table, \d+ index; judged from 10000 of either\)$/),
    });
    // Busy and warm: a 14-page table (within shared_buffers) scanned 1000 times.
    await server.sql('DO $$ BEGIN FOR i IN 1..1000 LOOP PERFORM count(*) FROM small; END LOOP; END $$');
    await until('statio counters', async () => (await blocks('small')) >= 10_000);
    const warm = await healthDb();
    expect(warm.byId['postgres.cache-hit-ratio']).toMatchObject({ status: 'pass', message: expect.stringMatching(/^tables (99|100)\.\d\d%, indexes not enough data \(\d+ block reads\)$/) });
    // 1 MB of shared_buffers and a 30 MB table: every scan reads from outside the buffer cache.
    await server.sql("CREATE TABLE big AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 120000) g");
    await server.sql('SELECT pg_stat_reset()');
    for (let i = 0; i < 4; i++) await server.sql('SELECT count(*) FROM big');
    await until('heap reads', async () => (await blocks('big')) >= 10_000);
    const cold = await healthDb();
    expect(cold.byId['postgres.cache-hit-ratio']!.status).toBe('fail');
    expect(cold.byId['postgres.cache-hit-ratio']!.observed!.value).toBeLessThan(95);
    await server.sql('DROP TABLE big; DROP TABLE small');
  });

  it('lists statements slow on average from pg_stat_statements once the extension is installed', async () => {
    await server.sql('CREATE EXTENSION pg_stat_statements');
    await server.sql('SELECT pg_stat_statements_reset()');
    const quiet = await healthDb();
    expect(quiet.byId['postgres.slow-statements']).toMatchObject({ status: 'pass', observed: { value: 0 } });
    const c = await server.connect();
    for (let i = 0; i < 100; i++) await c.query('SELECT pg_sleep(0.021)');
    const { byId } = await healthDb();
    const slow = byId['postgres.slow-statements']!;
    expect(slow.status).toBe('warn');
    expect(slow.details!.join('\n')).toMatch(/2\d\.\d ms mean x 100 calls \(postgres\): SELECT pg_sleep\(\$1\)/);
  });

  it('warns, then fails, as transaction-ID age nears autovacuum_freeze_max_age', async () => {
    const before = await healthDb();
    expect(before.byId['postgres.transaction-wraparound']!.status).toBe('pass');
    // 95,000 real transactions on a server whose autovacuum_freeze_max_age is the minimum, 100,000.
    await server.sql('CREATE PROCEDURE burn(n int) LANGUAGE plpgsql AS $$ BEGIN FOR i IN 1..n LOOP PERFORM txid_current(); COMMIT; END LOOP; END $$');
    await server.sql('CALL burn(95000)');
    const { byId } = await healthDb();
    const wrap = byId['postgres.transaction-wraparound']!;
    expect(wrap.status).toBe('fail');
    expect(wrap.observed!.value).toBeGreaterThanOrEqual(95);
    expect(wrap.message).toMatch(/of autovacuum_freeze_max_age 100,000/);
  });
});

describe('replication lag, measured on a real streaming replica', () => {
  let primary: PgServer;
  let replica: PgServer;
  let paused: pg.Client | undefined;

  beforeAll(async () => {
    primary = await startPostgres();
    replica = await startReplica(primary);
    await primary.sql(`CREATE ROLE plain LOGIN PASSWORD '${PLAIN_PW}'; CREATE TABLE ticks (at timestamptz)`);
    // The roles reach the replica by replay: until then it refuses their logins, which is another test's case.
    await until('the roles on the replica', async () => (await replica.sql<{ n: string }>("SELECT count(*) AS n FROM pg_roles WHERE rolname IN ('nvcops_monitor', 'plain')"))[0]?.n === '2');
  });
  afterAll(async () => {
    await replica?.stop();
    await primary?.stop();
  });

  const run = async (thresholds = {}) => {
    const config = writeConfig({ postgres: { url: primary.monitorUrl, replicas: [{ name: 'standby1', url: replica.monitorUrl }] }, thresholds });
    const r = await nvcops(['health', 'db', '--config', config, '--format', 'json']);
    return parseReport(r.stdout).byId;
  };

  it('passes a replica that keeps up', async () => {
    await until('the WAL receiver', async () => (await replica.sql<{ n: string }>('SELECT count(*) AS n FROM pg_stat_wal_receiver'))[0]?.n === '1');
    const byId = await run();
    expect(byId['postgres.replication-lag']).toMatchObject({ status: 'pass', details: [expect.stringMatching(/standby1: lag 0 s, WAL receiver streaming/)] });
  });

  it('says error, naming the privilege, when the role may not see the WAL receiver of a replica that streams', async () => {
    const config = writeConfig({ postgres: { url: primary.monitorUrl, replicas: [{ name: 'standby1', url: replica.urlFor('plain', 'postgres', PLAIN_PW) }] } });
    const byId = parseReport((await nvcops(['health', 'db', '--config', config, '--format', 'json'])).stdout).byId;
    expect(byId['postgres.replication-lag']).toMatchObject({
      status: 'error',
      message: expect.stringContaining('missing privilege: pg_stat_wal_receiver is hidden; GRANT pg_monitor'),
      details: [expect.stringMatching(/standby1: lag [\d.]+ s, WAL receiver state hidden \(missing privilege\)/)],
    });
  });

  it('cannot judge dead rows or vacuum and analyse on a standby given as postgres.url: their counters are kept on the primary', async () => {
    await primary.sql('CREATE TABLE churned (id int) WITH (autovacuum_enabled = false); INSERT INTO churned SELECT generate_series(1, 50000); DELETE FROM churned WHERE id <= 20000');
    try {
      await until('dead tuples in the statistics', async () => Number((await primary.sql<{ n: string }>("SELECT n_dead_tup AS n FROM pg_stat_user_tables WHERE relname = 'churned'"))[0]?.n) >= 20000);
      const config = writeConfig({ postgres: { url: replica.monitorUrl } });
      const { byId } = parseReport((await nvcops(['health', 'db', '--config', config, '--format', 'json'])).stdout);
      const weekly = parseReport((await nvcops(['weekly', 'performance', '--config', config, '--format', 'json'])).stdout).byId;
      for (const check of [byId['postgres.dead-tuples']!, byId['postgres.vacuum-analyze']!, weekly['postgres.autovacuum-backlog']!]) {
        expect(check, check.id).toMatchObject({ status: 'error', message: expect.stringMatching(/^PostgreSQL primary \(127\.0\.0\.1:\d+\/postgres\) is a standby \(in recovery\): dead rows.* are counted on the primary only; point postgres\.url at the primary$/) });
      }
      // What the standby does keep is still judged there.
      expect(byId['postgres.transaction-wraparound']!.status).toBe('pass');
    } finally {
      await primary.sql('DROP TABLE churned');
    }
  });

  it('fails when replay stops while the primary keeps writing', async () => {
    paused = await replica.connect();
    await paused.query('SELECT pg_wal_replay_pause()');
    await primary.sql('INSERT INTO ticks VALUES (now())');
    // The check's own measure, read on the replica: past the 2 s fail level below.
    await until('the replica 2.5 s behind', async () => Number((await replica.sql<{ s: number }>(
      'SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END AS s'))[0]!.s) > 2.5);
    await primary.sql('INSERT INTO ticks VALUES (now())');
    const byId = await run({ 'postgres.replication-lag': { warn: '> 1s', fail: '> 2s' } });
    const lag = byId['postgres.replication-lag']!;
    expect(lag.status).toBe('fail');
    expect(lag.observed!.value).toBeGreaterThan(2);
    expect(lag.details![0]).toMatch(/standby1: lag [\d.]+ s, WAL receiver streaming, replay PAUSED/);
    await paused.query('SELECT pg_wal_replay_resume()');
  });

  it('fails the connection check and cannot judge lag when the replica is down', async () => {
    await replica.stop();
    const byId = await run();
    expect(byId['postgres.connect-time']).toMatchObject({ status: 'fail', message: expect.stringContaining('standby1 not accepting connections') });
    expect(byId['postgres.replication-lag']).toMatchObject({ status: 'error', message: expect.stringContaining('connection refused') });
  });
});

describe('a server whose connection slots are used up', () => {
  it('fails the connection check with the server\'s own reason', async () => {
    const small = await startPostgres({ settings: { max_connections: 6 } });
    try {
      await small.sql(`CREATE ROLE app LOGIN PASSWORD '${PLAIN_PW}'`);
      // 6 slots, 3 reserved for superusers: three ordinary sessions leave none for nvcops.
      const held: pg.Client[] = [];
      for (let i = 0; i < 3; i++) held.push(await small.connect('app', 'postgres', PLAIN_PW));
      const config = writeConfig({ postgres: { url: small.monitorUrl } });
      const r = await nvcops(['health', 'db', '--config', config, '--format', 'json']);
      const { byId } = parseReport(r.stdout);
      expect(byId['postgres.connect-time']).toMatchObject({ status: 'fail', message: expect.stringMatching(/too many connections|remaining connection slots/) });
      expect(byId['postgres.connection-saturation']!.status).toBe('error');
      expect(r.exitCode).toBe(2);
    } finally {
      await small.stop();
    }
  });
});
