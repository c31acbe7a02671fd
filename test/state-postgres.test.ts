import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashOf, seal } from '../src/state/chain.js';
import { MIGRATIONS, PostgresStore } from '../src/state/postgres.js';
import type { AuditRecord } from '../src/state/store.js';
import { nvcops, writeConfig } from './support/cli.js';
import { startPostgres, type PgServer } from './support/servers.js';
import { entry, stateSuite, type Tamper } from './support/state-suite.js';

const PASSWORD = 'state-Pw-9f3k2';
let pg: PgServer;
let databases = 0;

beforeAll(async () => {
  pg = await startPostgres({ settings: { max_connections: 100 } });
  // Not a superuser: the state role owns its database, nothing more.
  await pg.sql(`CREATE ROLE nvcops_state LOGIN PASSWORD '${PASSWORD}'`);
});
afterAll(async () => {
  await pg?.stop();
});

async function freshDatabase(): Promise<{ url: string; db: string }> {
  const db = `state_${++databases}`;
  await pg.sql(`CREATE DATABASE ${db} OWNER nvcops_state`);
  return { db, url: pg.urlFor('nvcops_state', db, PASSWORD) };
}

/** An insider with superuser rights changing rows behind nvcops's back. */
function sqlTamper(db: string): Tamper {
  const sql = async (text: string, params: unknown[] = []) => {
    const c = await pg.connect('postgres', db);
    try {
      return (await c.query(text, params)).rows;
    } finally {
      await c.end();
    }
  };
  const get = async (seq: number) => JSON.parse((await sql('SELECT record FROM nvcops.audit WHERE seq = $1', [seq]))[0]!.record) as AuditRecord;
  return {
    async edit(seq, change, rehash) {
      const r = await get(seq);
      change(r);
      if (rehash) r.hash = hashOf(r);
      await sql('UPDATE nvcops.audit SET record = $2 WHERE seq = $1', [seq, JSON.stringify(r)]);
    },
    async remove(seq) {
      await sql('DELETE FROM nvcops.audit WHERE seq = $1', [seq]);
    },
    async swap(a, b) {
      await sql('UPDATE nvcops.audit x SET record = y.record FROM nvcops.audit y WHERE (x.seq, y.seq) IN (($1, $2), ($2, $1))', [a, b]);
    },
    async truncate(keep) {
      await sql('DELETE FROM nvcops.audit WHERE seq > $1', [keep]);
    },
    async dropHead() {
      await sql('DELETE FROM nvcops.audit_head');
    },
    async lowerHead(seq) {
      await sql('DELETE FROM nvcops.audit_head WHERE seq > $1', [seq]);
    },
  };
}

stateSuite({
  name: 'PostgreSQL',
  async fresh() {
    const { url, db } = await freshDatabase();
    return { store: await PostgresStore.open(url), config: { state: { url } }, tamper: sqlTamper(db) };
  },
});

describe('PostgreSQL store schema', () => {
  it('creates its schema once, records each migration, and two first runs at once do not collide', async () => {
    const { url, db } = await freshDatabase();
    const stores = await Promise.all([PostgresStore.open(url), PostgresStore.open(url), PostgresStore.open(url)]);
    const c = await pg.connect('postgres', db);
    try {
      const rows = (await c.query('SELECT version, name FROM nvcops.schema_migrations ORDER BY version')).rows;
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
      await stores[0]!.audit.append(entry('incident ack'));
      expect((await stores[2]!.audit.verify()).count).toBe(1);
      // A schema newer than this nvcops knows is refused rather than written to.
      await c.query("INSERT INTO nvcops.schema_migrations (version, name) VALUES (999, 'from the future')");
      await expect(PostgresStore.open(url)).rejects.toThrow(/schema nvcops is at version 999, newer than this nvcops knows/);
    } finally {
      await c.end();
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('uses a schema a DBA created for a role that may not create schemas', async () => {
    const db = `state_${++databases}`;
    await pg.sql(`CREATE DATABASE ${db}`);
    const c = await pg.connect('postgres', db);
    try {
      await c.query('REVOKE CREATE ON DATABASE ' + db + ' FROM PUBLIC');
      await c.query('CREATE SCHEMA nvcops AUTHORIZATION nvcops_state');
      const store = await PostgresStore.open(pg.urlFor('nvcops_state', db, PASSWORD));
      await store.audit.append(entry('incident ack'));
      expect((await store.audit.verify()).ok).toBe(true);
      await store.close();
    } finally {
      await c.end();
    }
  });

  it('says where and why when the server cannot be reached, without the password', async () => {
    const err = await PostgresStore.open(`postgres://nvcops_state:${PASSWORD}@127.0.0.1:1/state`).catch((e: Error) => e);
    expect((err as Error).message).toBe('state: PostgreSQL 127.0.0.1:1/state: connection refused');
  });

  it('keeps check runs in the shared store; an unreachable one costs one line, never the password', async () => {
    const { url } = await freshDatabase();
    const r = await nvcops(['health', 'daily', '--format', 'json', '--config', writeConfig({ environment: 'staging', state: { url } })]);
    expect([r.exitCode, r.stderr]).toEqual([3, '']); // no system configured: uptime is a line for a person, verdict 3; the run is kept
    const store = await PostgresStore.open(url);
    expect((await store.history.list()).map((e) => [e.command, e.environment])).toEqual([['health daily', 'staging']]);
    await store.close();
    const gone = writeConfig({ state: { url: `postgres://nvcops_state:${PASSWORD}@127.0.0.1:1/state` } });
    const run = await nvcops(['health', 'daily', '--format', 'json', '--config', gone]);
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toBe('nvcops: run history not saved: state: PostgreSQL 127.0.0.1:1/state: connection refused');
    expect(JSON.parse(run.stdout).audit).toEqual({ head: null, error: 'state: PostgreSQL 127.0.0.1:1/state: connection refused' });
    const verify = await nvcops(['audit', 'verify', '--config', gone]);
    expect([verify.exitCode, verify.stderr]).toEqual([74, 'nvcops: state: PostgreSQL 127.0.0.1:1/state: connection refused']);
    const check = await nvcops(['config', 'check', '--config', gone]);
    for (const out of [run, verify, check]) expect(out.stdout + out.stderr).not.toContain(PASSWORD);
  });
});

describe('PostgreSQL audit trail', () => {
  const admin = async (db: string, text: string, params: unknown[] = []) => {
    const c = await pg.connect('postgres', db);
    try {
      return (await c.query(text, params)).rows;
    } finally {
      await c.end();
    }
  };

  it('finds a record whose at column was moved (what --since and the incident timeline filter on)', async () => {
    const { url, db } = await freshDatabase();
    const store = await PostgresStore.open(url);
    for (let i = 0; i < 5; i++) await store.audit.append(entry('maintain vacuum'));
    await admin(db, "UPDATE nvcops.audit SET at = at - interval '30 days' WHERE seq = 3");
    expect((await store.audit.list({ since: new Date(Date.now() - 86_400_000) })).map((r) => r.seq)).toEqual([1, 2, 4, 5]);
    expect(await store.audit.verify()).toMatchObject({
      ok: false, count: 2, problem: { seq: 3, kind: 'edited', message: 'record 3 was changed after it was written (its at column no longer matches the chained record)' },
    });
    await store.close();
  });

  it('a writer role with INSERT and SELECT only runs every action; a role that could rewrite the trail is warned about', async () => {
    const { url, db } = await freshDatabase();
    await (await PostgresStore.open(url)).close(); // the owner creates the schema
    await pg.sql(`CREATE ROLE nvcops_writer LOGIN PASSWORD '${PASSWORD}'`);
    await admin(db, `GRANT USAGE ON SCHEMA nvcops TO nvcops_writer;
      GRANT SELECT ON nvcops.schema_migrations TO nvcops_writer;
      GRANT SELECT, INSERT ON nvcops.audit, nvcops.audit_head, nvcops.records TO nvcops_writer;
      GRANT SELECT, INSERT, DELETE ON nvcops.history TO nvcops_writer`);
    const file = join(mkdtempSync(join(tmpdir(), 'nvcops-anchor-')), 'trail.anchor');
    const config = writeConfig({ state: { url: pg.urlFor('nvcops_writer', db, PASSWORD), anchors: [{ file }] } });
    const cli = (args: string[]) => nvcops([...args, '--config', config]);
    for (const [args, code] of [
      [['incident', 'open', '--severity', 'P3', '--title', 'disk filling', '--no-checks'], 0],
      [['incident', 'resolve', 'INC-1', '--note', 'log rotated'], 0],
      [['health', 'daily', '--format', 'json'], 3],
      [['history', 'prune', '--older-than', '1d', '--yes'], 0],
      [['audit', 'anchor'], 0],
      [['audit', 'show'], 0],
    ] as const) {
      const r = await cli([...args]);
      expect([args.join(' '), r.exitCode, r.stderr]).toEqual([args.join(' '), code, '']);
    }
    const ok = await cli(['audit', 'verify']);
    expect([ok.exitCode, ok.stdout]).toEqual([0, expect.stringMatching(/^audit trail intact: \d+ records/)]);
    expect(ok.stdout).not.toContain('warning');
    await admin(db, 'GRANT UPDATE ON nvcops.audit TO nvcops_writer');
    const granted = await cli(['audit', 'verify']);
    expect(granted.exitCode).toBe(0);
    expect(granted.stdout).toContain('warning: this role could rewrite the trail (it has UPDATE on nvcops.audit): the chain proves only what its anchors witness');
    const owner = await nvcops(['audit', 'verify', '--format', 'json', '--config', writeConfig({ state: { url } })]);
    expect(JSON.parse(owner.stdout).warnings).toEqual([expect.stringContaining('(it owns nvcops.audit and nvcops.audit_head)')]);
  });

  it('anchors in a second PostgreSQL: verify names the records cut off, without the anchor\'s password', async () => {
    const { url, db } = await freshDatabase();
    const anchorPassword = 'anchor-Pw-77x1q';
    await pg.sql(`CREATE ROLE nvcops_anchorer LOGIN PASSWORD '${anchorPassword}'`);
    await pg.sql('CREATE DATABASE anchors OWNER nvcops_anchorer');
    const store = await PostgresStore.open(url);
    for (let i = 0; i < 5; i++) await store.audit.append(entry('incident ack'));
    const config = writeConfig({ state: { url, anchors: [{ url: pg.urlFor('nvcops_anchorer', 'anchors', anchorPassword) }] } });
    const anchored = await nvcops(['audit', 'anchor', '--config', config]);
    expect([anchored.exitCode, anchored.stdout]).toEqual([0, expect.stringMatching(/anchor PostgreSQL 127\.0\.0\.1:\d+\/anchors: 5 new record heads$/)]);
    await admin(db, 'DELETE FROM nvcops.audit WHERE seq > 3; DELETE FROM nvcops.audit_head WHERE seq > 3');
    const v = await nvcops(['audit', 'verify', '--config', config]);
    expect(v.exitCode).toBe(2);
    expect(v.stdout.split('\n')[0]).toMatch(/^audit trail BROKEN at record 4: removed — records 4–5 are missing from the end \(anchor PostgreSQL 127\.0\.0\.1:\d+\/anchors says 5 records were written\)/);
    for (const r of [anchored, v]) expect(r.stdout + r.stderr).not.toContain(anchorPassword);
    await store.close();
  });

  it('carries a trail written before migration 2 over: its head is kept, a head already gone stays missing', async () => {
    for (const headGone of [false, true]) {
      const { url, db } = await freshDatabase();
      await admin(db, `CREATE SCHEMA nvcops AUTHORIZATION nvcops_state; SET ROLE nvcops_state;
        CREATE TABLE nvcops.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
        ${MIGRATIONS[0]!.sql}
        INSERT INTO nvcops.schema_migrations (version, name) VALUES (1, 'v1')`);
      let head = { seq: 0, hash: '0'.repeat(64) };
      for (let i = 0; i < 2; i++) {
        const r = seal(entry('incident ack'), head);
        await admin(db, 'INSERT INTO nvcops.audit (seq, at, action, environment, record) VALUES ($1, $2, $3, $4, $5)', [r.seq, r.at, r.action, r.environment, JSON.stringify(r)]);
        head = { seq: r.seq, hash: r.hash };
      }
      await admin(db, headGone ? 'DELETE FROM nvcops.audit_head' : 'UPDATE nvcops.audit_head SET seq = $1, hash = $2', headGone ? [] : [head.seq, head.hash]);
      const store = await PostgresStore.open(url);
      if (headGone) {
        expect((await store.audit.verify()).problem).toMatchObject({ seq: 3, kind: 'removed' });
        await expect(store.audit.append(entry('incident ack'))).rejects.toThrow(/head \(nvcops\.audit_head\) is missing/);
      } else {
        expect(await store.audit.verify()).toMatchObject({ ok: true, count: 2, head: head.hash });
        expect((await store.audit.append(entry('incident ack'))).seq).toBe(3);
        expect(await store.audit.verify()).toMatchObject({ ok: true, count: 3 });
      }
      await store.close();
    }
  });
});
