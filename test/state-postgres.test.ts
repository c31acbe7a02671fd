import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashOf } from '../src/state/chain.js';
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
    const r = await nvcops(['health', 'db', '--format', 'json', '--config', writeConfig({ environment: 'staging', state: { url } })]);
    expect([r.exitCode, r.stderr]).toEqual([3, '']); // nothing to check is verdict 3; the run is kept
    const store = await PostgresStore.open(url);
    expect((await store.history.list()).map((e) => [e.command, e.environment])).toEqual([['health db', 'staging']]);
    await store.close();
    const gone = writeConfig({ state: { url: `postgres://nvcops_state:${PASSWORD}@127.0.0.1:1/state` } });
    const run = await nvcops(['health', 'db', '--format', 'json', '--config', gone]);
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toBe('nvcops: run history not saved: state: PostgreSQL 127.0.0.1:1/state: connection refused');
    const verify = await nvcops(['audit', 'verify', '--config', gone]);
    expect([verify.exitCode, verify.stderr]).toEqual([74, 'nvcops: state: PostgreSQL 127.0.0.1:1/state: connection refused']);
    const check = await nvcops(['config', 'check', '--config', gone]);
    for (const out of [run, verify, check]) expect(out.stdout + out.stderr).not.toContain(PASSWORD);
  });
});
