/**
 * Anchors: the trail's heads written down where someone with nvcops' own file or database access
 * cannot rewrite them (RFC 6962's signed tree heads kept by others; journald's sealing). A file on
 * another mount or host, a second PostgreSQL, or syslog/journald. File and PostgreSQL anchors keep
 * every record's {seq, hash, at} (appended, never rewritten), so `audit verify` names the first
 * record that is missing or differs; syslog keeps the head line for people and log archives.
 */
import { execFile } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { StateError } from '../engine/errors.js';
import type { ChainHead, Store, VerifyResult, Witness } from './store.js';

export type AnchorConfig = { file: string } | { url: string } | { syslog: string };

export interface Anchor {
  /** Where, without credentials. */
  readonly name: string;
  /** The heads it holds; undefined for a write-only anchor (syslog). */
  read(): Promise<Witness[] | undefined>;
  /** Writes down the heads it does not hold yet (`heads` are the trail's records, oldest first); returns how many. */
  write(heads: ChainHead[], location: string): Promise<number>;
  close(): Promise<void>;
}

/** The records after the last one an anchor holds. */
const after = (heads: ChainHead[], held: Witness[]): ChainHead[] => {
  const last = held.reduce((n, w) => Math.max(n, w.seq), 0);
  return heads.filter((h) => h.seq > last);
};

/** A JSON Lines file, one record's head a line, only ever appended to. */
export function fileAnchor(path: string): Anchor {
  const name = `anchor ${path}`;
  const read = async (): Promise<Witness[]> => {
    if (!existsSync(path)) return [];
    let text: string;
    try {
      // A FIFO or device would hang the read or never end it.
      if (!statSync(path).isFile()) throw new Error('not a regular file');
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new StateError(`state: cannot read ${name}: ${(e as Error).message}`);
    }
    return text.split('\n').flatMap((line, i) => {
      if (line === '') return [];
      try {
        const h = JSON.parse(line) as ChainHead;
        if (Number.isInteger(h.seq) && typeof h.hash === 'string') return [{ seq: h.seq, hash: h.hash, at: h.at, source: name }];
      } catch {
        // said below
      }
      throw new StateError(`state: ${name}: line ${i + 1} is not a {seq, hash} head`);
    });
  };
  return {
    name,
    read,
    async write(heads) {
      const fresh = after(heads, await read());
      const anchoredAt = new Date().toISOString();
      try {
        const fd = openSync(path, 'a', 0o600);
        try {
          writeSync(fd, fresh.map((h) => `${JSON.stringify({ seq: h.seq, hash: h.hash, at: h.at, anchoredAt })}\n`).join(''));
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      } catch (e) {
        throw new StateError(`state: cannot write ${name}: ${(e as Error).message}`);
      }
      return fresh.length;
    },
    close: async () => undefined,
  };
}

/** A table in a second PostgreSQL (its role needs INSERT and SELECT only, once the table exists). */
export function postgresAnchor(url: string): Anchor {
  const u = new URL(url);
  const name = `anchor PostgreSQL ${u.hostname}:${u.port || 5432}${u.pathname}`;
  let client: Promise<import('pg').Client> | undefined;
  const connect = () => (client ??= import('pg').then(async ({ default: pg }) => {
    const c = new pg.Client({ connectionString: url, application_name: 'nvcops-anchor', connectionTimeoutMillis: 10_000, query_timeout: 30_000 });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  }));
  const fail = (e: unknown): StateError => {
    const err = e as { code?: string; message?: string };
    return new StateError(`state: ${name}: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message ?? String(e)}`);
  };
  const read = async (): Promise<Witness[]> => {
    try {
      const rows = (await (await connect()).query<{ seq: string; hash: string; at: Date | null }>(
        'SELECT seq, hash, at FROM nvcops_anchor.audit_head ORDER BY seq',
      )).rows;
      return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, at: r.at?.toISOString(), source: name }));
    } catch (e) {
      if ((e as { code?: string }).code === '3F000' || (e as { code?: string }).code === '42P01') return []; // never anchored
      throw fail(e);
    }
  };
  return {
    name,
    read,
    async write(heads) {
      const fresh = after(heads, await read());
      try {
        const c = await connect();
        await c.query(`CREATE SCHEMA IF NOT EXISTS nvcops_anchor;
          CREATE TABLE IF NOT EXISTS nvcops_anchor.audit_head (
            seq bigint PRIMARY KEY, hash text NOT NULL, at timestamptz, anchored_at timestamptz NOT NULL DEFAULT now())`).catch((e: { code?: string }) => {
          // A DBA may have created them for a role that may only insert and read; if not, the insert says so.
          if (e.code !== '42501') throw e;
        });
        await c.query(
          // Two anchor runs at once write the same heads: the first one's stay; a different hash for a seq held shows at verify.
          'INSERT INTO nvcops_anchor.audit_head (seq, hash, at) SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) ON CONFLICT (seq) DO NOTHING',
          [fresh.map((h) => h.seq), fresh.map((h) => h.hash), fresh.map((h) => h.at ?? null)],
        );
      } catch (e) {
        throw fail(e);
      }
      return fresh.length;
    },
    async close() {
      if (client) await client.then((c) => c.end(), () => undefined).catch(() => undefined);
    },
  };
}

/**
 * syslog through util-linux `logger` (the field's tool; Node has no unix datagram sockets): a
 * socket path (`/dev/log`, journald's) or `udp://host:port`. Write-only: the line is for people
 * and log archives, and `audit verify --anchor SEQ:HASH` checks the trail against it.
 */
export function syslogAnchor(target: string): Anchor {
  const udp = /^udp:\/\/([^/:]+|\[[^\]]+\]):(\d+)$/.exec(target);
  const where = udp ? ['--server', udp[1]!.replace(/^\[|\]$/g, ''), '--port', udp[2]!, '--udp'] : ['--socket', target, '--socket-errors=on'];
  const name = `anchor syslog ${target}`;
  return {
    name,
    read: async () => undefined,
    async write(heads, location) {
      const head = heads.at(-1);
      if (!head) return 0;
      const line = `nvcops audit head ${head.seq}:${head.hash} at ${head.at ?? '-'} trail ${location}`;
      try {
        await promisify(execFile)('logger', [...where, '--tag', 'nvcops', '--priority', 'auth.notice', '--', line], { timeout: 10_000 });
      } catch (e) {
        const err = e as { stderr?: string; message: string };
        throw new StateError(`state: cannot write ${name}: ${(err.stderr || err.message).trim().split('\n')[0]}`);
      }
      return 1;
    },
    close: async () => undefined,
  };
}

export function openAnchor(a: AnchorConfig): Anchor {
  if ('file' in a) return fileAnchor(a.file);
  if ('url' in a) return postgresAnchor(a.url);
  return syslogAnchor(a.syslog);
}

/** `SEQ:HASH` — a head copied from a report (`audit.head`), a syslog line or `audit verify`'s output. */
export function parseWitness(text: string): Witness | undefined {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text);
  return m ? { seq: Number(m[1]), hash: m[2]!, source: `the head given (${m[1]}:${m[2]!.slice(0, 12)}…)` } : undefined;
}

/** Every witness the readable anchors hold; one that cannot be read stops the verdict (exit 74), never passes it. */
export async function readAnchors(anchors: Anchor[]): Promise<Witness[]> {
  return (await Promise.all(anchors.map((a) => a.read()))).flatMap((w) => w ?? []);
}

/**
 * Verifies the trail against the anchors, then writes down at each one the records it does not
 * hold yet. A trail that does not verify is not anchored: that would make its damage the witnessed truth.
 */
export async function anchorTrail(store: Store, anchors: Anchor[]): Promise<{ verify: VerifyResult; written: { name: string; count: number }[] }> {
  const verify = await store.audit.verify(await readAnchors(anchors));
  if (!verify.ok) return { verify, written: [] };
  // Only what was verified: a record appended since is anchored next time.
  const heads = (await store.audit.list()).filter((r) => r.seq <= verify.count).map((r) => ({ seq: r.seq, hash: r.hash, at: r.at }));
  const written = [];
  for (const a of anchors) written.push({ name: a.name, count: await a.write(heads, store.location) });
  return { verify, written };
}
