import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCKS } from '../src/checks/postgres/cache-hit-ratio.js';
import { ASIDE_FROM, SHOWN, sequencesSql, usedPercent } from '../src/checks/postgres/sequences.js';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { startPostgres, type PgServer } from './support/servers.js';
import { until } from './support/until.js';

// What postgres.sequences read before it ranked in SQL: every sequence, one row each, judged in JavaScript.
const EVERY_SEQUENCE = `SELECT format('%I.%I', s.schemaname, s.sequencename) AS name,
  s.last_value::text, s.min_value::text, s.max_value::text, s.increment_by::text, s.cycle, t.typname AS column_type
FROM pg_sequences s
JOIN pg_namespace n ON n.nspname = s.schemaname
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename
LEFT JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
LEFT JOIN pg_type t ON t.oid = a.atttypid`;

// pg_statio_user_tables and pg_statio_user_indexes summed as cache-hit-ratio read them before its one pass.
const VIEWS = `SELECT (SELECT sum(heap_blks_hit) FROM pg_statio_user_tables)::float8 AS table_hit,
  (SELECT sum(heap_blks_read) FROM pg_statio_user_tables)::float8 AS table_read,
  (SELECT sum(idx_blks_hit) FROM pg_statio_user_indexes)::float8 AS index_hit,
  (SELECT sum(idx_blks_read) FROM pg_statio_user_indexes)::float8 AS index_read`;

describe('catalog checks that rank and skip in SQL judge as they did row by row, on a real server', () => {
  let server: PgServer;
  const healthDb = async (thresholds: Record<string, { warn?: string; fail?: string }> = {}) => {
    const r = await nvcops(['health', 'db', '--config', writeConfig({ postgres: { url: server.monitorUrl }, thresholds }), '--format', 'json']);
    expect(r.stderr).toBe('');
    return parseReport(r.stdout).byId;
  };

  beforeAll(async () => {
    server = await startPostgres({ settings: { max_locks_per_transaction: 256 } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('ranks sequences in SQL as usedPercent() does, and counts all those past the warn level when more than the 5 shown are', async () => {
    await server.sql(`CREATE SCHEMA "Ops Data";
      CREATE TABLE orders (id serial PRIMARY KEY); SELECT setval('orders_id_seq', 2000000000);
      CREATE TABLE tiny (id int2); CREATE SEQUENCE tiny_seq AS bigint OWNED BY tiny.id; SELECT setval('tiny_seq', 30000);
      CREATE SEQUENCE countdown AS int4 INCREMENT -1 MINVALUE -1000 MAXVALUE -1 START -1; SELECT setval('countdown', -990);
      CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY); SELECT setval(pg_get_serial_sequence('events', 'id'), 5);
      CREATE SEQUENCE never_used;
      CREATE SEQUENCE wheel MAXVALUE 100 CYCLE; SELECT setval('wheel', 99);
      CREATE TABLE wide (id int4); CREATE SEQUENCE below AS bigint MINVALUE -9999999999 OWNED BY wide.id; SELECT setval('below', -2000000000);
      CREATE TABLE narrow (id int4); CREATE SEQUENCE past AS bigint MINVALUE 3000000000 MAXVALUE 9000000000 OWNED BY narrow.id; SELECT setval('past', 3000000001);
      CREATE SEQUENCE "Ops Data"."Seq.1" AS int4 MAXVALUE 1000; SELECT setval('"Ops Data"."Seq.1"', 860);
      CREATE SEQUENCE twin_a AS int4 MAXVALUE 1000; SELECT setval('twin_a', 870);
      CREATE SEQUENCE twin_b AS int4 MAXVALUE 1000; SELECT setval('twin_b', 870);
      CREATE SEQUENCE at_level AS int4 MINVALUE 0 MAXVALUE 100000; SELECT setval('at_level', 85000);
      GRANT USAGE ON SCHEMA "Ops Data" TO nvcops_monitor;
      GRANT SELECT ON ALL SEQUENCES IN SCHEMA public, "Ops Data" TO nvcops_monitor`);
    const monitor = await server.connect('nvcops_monitor');
    let past85: { name: string; pct: number }[] = [];
    try {
      type Row = { name: string; last_value: string | null; min_value: string; max_value: string; increment_by: string; cycle: boolean; column_type: string | null };
      const every = (await monitor.query<Row>(EVERY_SEQUENCE)).rows.filter((s) => !s.cycle);
      const judged = every.map((s) => ({ name: s.name, pct: usedPercent(s) })).filter((s): s is { name: string; pct: number } => s.pct !== undefined)
        .sort((a, b) => b.pct - a.pct || (a.name < b.name ? -1 : 1));
      // The row-by-row reading sees what the cases are made for: a cap at the column's type, a span the cap empties, a sequence going down.
      expect(judged.find((s) => s.name === 'public.tiny_seq')!.pct).toBe(91.555);
      expect(judged.find((s) => s.name === 'public.past')!.pct).toBe(100);
      expect(judged.find((s) => s.name === 'public.countdown')!.pct).toBe(98.998);
      past85 = judged.filter((s) => s.pct >= 85);
      expect(past85.length).toBeGreaterThan(SHOWN);

      // Every sequence ranked in SQL, and the 5 the check asks for.
      type Ranked = { total: number; used: number; hidden: number; breaching: number; name: string; q: string };
      const all = (await monitor.query<Ranked>(sequencesSql(1000), [85, '>='])).rows;
      expect(all.map((r) => ({ name: r.name, pct: Number(r.q) / 1000 }))).toEqual(judged);
      expect(all[0]).toMatchObject({ total: every.length, used: judged.length, hidden: 0, breaching: past85.length });
      const top = (await monitor.query<Ranked>(sequencesSql(SHOWN), [85, '>='])).rows;
      expect(top.map((r) => r.name)).toEqual(judged.slice(0, SHOWN).map((s) => s.name));
      // The level's operator is the threshold's: at 85.000% exactly, >= counts it and > does not.
      const [strict] = (await monitor.query<Ranked>(sequencesSql(SHOWN), [85, '>'])).rows;
      expect(strict!.breaching).toBe(judged.filter((s) => s.pct > 85).length);
      expect(strict!.breaching).toBe(past85.length - 1);
    } finally {
      await monitor.end();
    }

    const seq = (await healthDb())['postgres.sequences']!;
    expect(seq).toMatchObject({ status: 'fail', observed: { value: 100 }, message: 'public.past (feeds narrow.id, int4) at 100% of its range' });
    expect(seq.details).toHaveLength(SHOWN + 1);
    expect(seq.details).toContainEqual('public.tiny_seq (feeds tiny.id, int2): 91.555% used, last value 30000');
    expect(seq.details).toContainEqual('public.countdown (owned by no column, int4 down to -1000): 98.998% used, last value -990');
    expect(seq.details!.at(-1)).toBe(`${past85.length} of ${(await server.sql('SELECT 1 FROM pg_sequences WHERE NOT cycle')).length} sequences at >= 85%; the ${SHOWN} most used above`);
    // A level set in the config is the one counted at.
    const raised = (await healthDb({ 'postgres.sequences': { warn: '>= 99%', fail: '>= 99.5%' } }))['postgres.sequences']!;
    expect(raised.details!.at(-1)).toMatch(/^1 of \d+ sequences at >= 99%$/);

    // Sequences the role may not read: all counted, three named, every schema in the GRANT.
    await server.sql('REVOKE SELECT ON ALL SEQUENCES IN SCHEMA public, "Ops Data" FROM nvcops_monitor');
    const hidden = (await healthDb())['postgres.sequences']!;
    expect(hidden).toMatchObject({ status: 'error' });
    expect(hidden.message).toMatch(/^missing privilege: 11 sequences are unreadable \("Ops Data"\."Seq\.1", public\.at_level, public\.below\); GRANT SELECT ON ALL SEQUENCES IN SCHEMA "Ops Data", public TO nvcops_monitor$/);
    await server.sql(`DROP SCHEMA "Ops Data" CASCADE; DROP TABLE orders, tiny, events, wide, narrow;
      DROP SEQUENCE countdown, never_used, wheel, twin_a, twin_b, at_level`);
  });

  it('reads many sequences in a second session beside the other checks, a few in the one session, and all in one when the role may open only one', async () => {
    await server.sql(`CREATE TABLE IF NOT EXISTS ledger (id serial PRIMARY KEY); SELECT setval('ledger_id_seq', 2100000000);
      GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO nvcops_monitor`);
    await server.sql('ALTER SYSTEM SET log_connections = on');
    await server.sql('SELECT pg_reload_conf()');
    // The run's logins as the monitoring role, from the server's log (written by each backend, no collector).
    const logged = async () => {
      const from = statSync(server.logFile).size;
      const byId = await healthDb();
      const log = readFileSync(server.logFile, 'utf8').slice(from);
      // A login the role's CONNECTION LIMIT refuses is authorized first, then ends with a FATAL line of the same process.
      const pids = (re: RegExp) => new Set([...log.matchAll(re)].map((m) => m[1]));
      const refused = pids(/\[(\d+)\] .*FATAL: +too many connections for role "nvcops_monitor"/g);
      const sessions = [...pids(/\[(\d+)\] .*connection authorized: user=nvcops_monitor /g)].filter((p) => !refused.has(p)).length;
      return { byId, sessions, refused: refused.size > 0 };
    };
    const seen = (r: { status: string; message?: string; details?: string[] }) => ({ status: r.status, message: r.message, details: r.details });
    try {
      // One sequence short of a second session's worth: read in the one session.
      await server.sql(`DO $$ BEGIN FOR i IN 1..${ASIDE_FROM - 2} LOOP EXECUTE format('CREATE SEQUENCE bulk_%s', i); END LOOP; END $$;
        GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO nvcops_monitor`);
      const few = await logged();
      expect(few.sessions).toBe(1);
      await server.sql(`CREATE SEQUENCE bulk_last; GRANT SELECT ON bulk_last TO nvcops_monitor`);
      const two = await logged();
      expect(two.sessions).toBe(2);
      // The same judgement either way; only the count of sequences grew by the one made.
      expect(seen(few.byId['postgres.sequences']!)).toEqual({ ...seen(two.byId['postgres.sequences']!), details: [two.byId['postgres.sequences']!.details![0], '1 of 999 sequences at >= 85%'] });
      expect(two.byId['postgres.sequences']!.details![1]).toBe('1 of 1,000 sequences at >= 85%');
      expect(seen(two.byId['postgres.sequences']!)).toMatchObject({ status: 'fail', message: expect.stringMatching(/^public\.ledger_id_seq \(feeds ledger\.id, int4\) at 97\.\d+% of its range$/) });
      await server.sql('ALTER ROLE nvcops_monitor CONNECTION LIMIT 1');
      const one = await logged();
      // The first session keeps its slot (every check runs), the second is refused and the sequences are read in the first.
      expect(one).toMatchObject({ sessions: 1, refused: true });
      expect(one.byId['postgres.connect-time']!.status).toBe('pass');
      expect(seen(one.byId['postgres.sequences']!)).toEqual(seen(two.byId['postgres.sequences']!));
      // Every other verdict the same, but those on what happened since the last run (the runs above are seconds apart).
      const sinceLastRun = (id: string) => [one, two].some((r) => r.byId[id]!.message?.startsWith('not enough data yet'));
      for (const id of Object.keys(two.byId).filter((id) => !sinceLastRun(id))) expect(one.byId[id]!.status, id).toBe(two.byId[id]!.status);
    } finally {
      await server.sql(`ALTER ROLE nvcops_monitor CONNECTION LIMIT -1; DROP TABLE ledger;
        DO $$ DECLARE s text; BEGIN FOR s IN SELECT sequencename FROM pg_sequences WHERE sequencename LIKE 'bulk\\_%' LOOP EXECUTE format('DROP SEQUENCE %I', s); END LOOP; END $$`);
      await server.sql('ALTER SYSTEM RESET log_connections');
      await server.sql('SELECT pg_reload_conf()');
    }
  });

  it('finds the one table needing vacuum among 1,000 that have nothing to judge, and leaves alone one changed below its trigger', async () => {
    await server.sql(`DO $$ BEGIN FOR i IN 1..1000 LOOP EXECUTE format('CREATE TABLE quiet_%s (id serial PRIMARY KEY, v int); INSERT INTO quiet_%s (v) VALUES (1)', i, i); END LOOP; END $$`);
    await server.sql('ANALYZE');
    // Ten dead rows: past nothing (autovacuum's trigger is 50 + 20% of the rows).
    // (Each statement its own transaction: the insert's changes are counted when it commits, after an ANALYZE in the same one.)
    await server.sql('CREATE TABLE touched (id int) WITH (autovacuum_enabled = false); INSERT INTO touched SELECT generate_series(1, 1000)');
    await server.sql('ANALYZE touched');
    await server.sql('DELETE FROM touched WHERE id <= 10');
    await server.sql("CREATE TABLE ledger (id int, memo text) WITH (autovacuum_enabled = false); INSERT INTO ledger SELECT g, 'x' FROM generate_series(1, 50000) g; DELETE FROM ledger WHERE id <= 20000");
    await until('dead rows in the statistics', async () => (await server.sql<{ n: string }>(
      "SELECT sum(n_dead_tup) AS n FROM pg_stat_user_tables WHERE relname IN ('ledger', 'touched')"))[0]?.n === '20010');
    try {
      const byId = await healthDb({ 'postgres.vacuum-analyze': { warn: '> 1s', fail: '> 1h' } });
      expect(byId['postgres.vacuum-analyze']).toMatchObject({ status: 'warn', message: expect.stringMatching(/^1 table due; public\.ledger needs vacuum and analyse: last vacuumed never, analysed never$/) });
      expect(byId['postgres.vacuum-analyze']!.details).toEqual([expect.stringMatching(/^public\.ledger: needs vacuum and analyse;/)]);
      expect(byId['postgres.dead-tuples']).toMatchObject({ status: 'warn', message: 'public.ledger: 20,000 dead of 50,000 rows', details: ['public.ledger: 40.0% dead (20,000 rows)'] });
    } finally {
      await server.sql(`DROP TABLE ledger, touched; DO $$ BEGIN FOR i IN 1..1000 LOOP EXECUTE format('DROP TABLE quiet_%s', i); END LOOP; END $$`);
    }
  });

  it("sums the cache's block reads in one pass as pg_statio_user_tables and pg_statio_user_indexes do", async () => {
    await server.sql(`CREATE SCHEMA archive;
      CREATE TABLE archive.notes (id serial PRIMARY KEY, body text); 
      INSERT INTO archive.notes (body) SELECT (SELECT string_agg(md5(random()::text || i || g), '') FROM generate_series(1, 300) i) FROM generate_series(1, 200) g;
      CREATE TABLE payments (id int, at date) PARTITION BY RANGE (at); CREATE INDEX ON payments (id);
      CREATE TABLE payments_2026 PARTITION OF payments FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
      INSERT INTO payments SELECT g, '2026-06-01' FROM generate_series(1, 5000) g;
      CREATE MATERIALIZED VIEW totals AS SELECT count(*) AS n FROM payments; CREATE INDEX ON totals (n)`);
    for (let i = 0; i < 3; i++) {
      await server.sql("SELECT count(*) FROM payments WHERE id < 100; SELECT sum(length(body)) FROM archive.notes; SELECT * FROM totals WHERE n > 0; SELECT * FROM archive.notes WHERE id = 7");
    }
    const c = await server.connect();
    try {
      // Index and TOAST reads counted, so that every kind of relation is in the sums.
      await until('index and TOAST reads in the statistics', async () => {
        const [v] = (await c.query<{ index_hit: number; toast: number }>(`SELECT (SELECT sum(idx_blks_hit) FROM pg_statio_user_indexes)::float8 AS index_hit,
          (SELECT sum(toast_blks_hit) FROM pg_statio_user_tables)::float8 AS toast`)).rows;
        return v!.index_hit > 0 && v!.toast > 0;
      });
      // One transaction: the statistics stay as first read (stats_fetch_consistency = cache) for both statements.
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const [views] = (await c.query(VIEWS)).rows;
      const [pass] = (await c.query(BLOCKS)).rows;
      await c.query('COMMIT');
      expect(pass).toEqual(views);
      expect(Object.values(views!).every((v) => typeof v === 'number')).toBe(true);
    } finally {
      await c.end();
      await server.sql('DROP SCHEMA archive CASCADE; DROP MATERIALIZED VIEW totals; DROP TABLE payments');
    }
  });
});
