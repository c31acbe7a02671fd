import type { Client, QueryResultRow } from 'pg';
import { LoginRefusedError, PrivilegeError, TargetError } from '../engine/errors.js';
import { clientConfigs, connectPostgres, resolvePostgres, type PgConnection } from '../engine/postgres-connection.js';
import { MAX_TIMER_MS } from '../engine/units.js';

export interface PostgresTarget {
  /** `primary`, or the replica's name. */
  name: string;
  /** Undefined: connect from the libpq PG* variables and service file alone. */
  url?: string;
  /** Where the operator sets how this server is logged in to (postgres.url, postgres.replicas[0].url): named when the login is refused. */
  setting: string;
  connectTimeoutMs: number;
  /** 0: no limit (maintenance statements such as VACUUM run as long as they need). */
  statementTimeoutMs: number;
  /** A maintenance session: may write (VACUUM, REINDEX, ANALYZE); checks never get one. */
  readWrite?: boolean;
  /** How long a statement waits for a lock before giving up; default 1 s. */
  lockTimeoutMs?: number;
}

/**
 * One PostgreSQL server for one run: a single connection, opened on first use, with the session
 * made safe (read-only, statement_timeout, lock_timeout, application_name=nvcops), and every
 * query memoised so that checks sharing a view pay for it once.
 */
export class PostgresProbe {
  private client?: Promise<{ client: Client; connectMs: number }>;
  /** The driver's client from the moment it exists, so close() can cut a connect still in progress. */
  private raw?: Client;
  private readonly memo = new Map<string, Promise<unknown[]>>();
  /** Statements waiting for the one connection, in the order they go; one is in flight while `sending`. */
  private readonly waiting: (() => Promise<void>)[] = [];
  private sending = false;
  /** The second session of queryAside(), opened on its first use. */
  private aside?: PostgresProbe;
  private closed = false;
  /** How many statements this probe sent to the server (for the benchmark). */
  queryCount = 0;

  /** Where and as whom this probe connects, resolved by libpq's rules. */
  readonly connection: PgConnection;

  constructor(readonly target: PostgresTarget) {
    this.connection = resolvePostgres(target.url, { setting: target.setting });
  }

  get name(): string {
    return this.target.name;
  }

  /** Where this server is, without credentials: host:port/db. */
  get address(): string {
    return this.connection.address;
  }

  /** The role nvcops logs in as. */
  get role(): string {
    return this.connection.user;
  }

  /** Opens (once) and returns the connection and the time the connect took. */
  connect(): Promise<{ client: Client; connectMs: number }> {
    this.client ??= this.open();
    return this.client;
  }

  private async open(): Promise<{ client: Client; connectMs: number }> {
    const { default: pg } = await import('pg');
    const { connectTimeoutMs, statementTimeoutMs, readWrite, lockTimeoutMs = 1000 } = this.target;
    // jit=off: catalog statements are cheap per row but their cost estimate grows with the catalog; past jit_above_cost
    // (postgres.sequences' at about 14,000 sequences) compiling them would add hundreds of ms to a run, for nothing.
    const session = [`-c statement_timeout=${statementTimeoutMs}`, `-c lock_timeout=${lockTimeoutMs}`, '-c jit=off'];
    // Twice the statement timeout, within PostgreSQL's limit for a timeout (INT_MAX ms, the same as a Node timer's).
    if (!readWrite) session.push('-c default_transaction_read_only=on', `-c idle_in_transaction_session_timeout=${Math.min(statementTimeoutMs * 2, MAX_TIMER_MS)}`);
    const configs = await clientConfigs(this.connection, {
      application_name: readWrite ? 'nvcops maintenance' : 'nvcops',
      connectionTimeoutMillis: connectTimeoutMs,
      // The server stops a slow statement; the client gives up too when the server cannot answer (SIGSTOP, network).
      ...(statementTimeoutMs > 0 && { query_timeout: statementTimeoutMs + 1000 }),
      options: session.join(' '),
    });
    const started = performance.now();
    let client: Client;
    try {
      client = await connectPostgres(configs, (c) => new pg.Client(c), (c) => { this.raw = c; });
    } catch (e) {
      throw explain(e, this);
    }
    return { client, connectMs: performance.now() - started };
  }

  /** Runs a read-only statement; identical statements in one run are sent once. */
  query<T extends QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.once(`${sql}\u0000${JSON.stringify(params)}`, () => this.exec<T>(sql, params));
  }

  /** As query(), but sent before the statements already waiting: a cheap statement whose answer decides where a costly one runs. */
  queryNext<T extends QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.once(`${sql}\u0000${JSON.stringify(params)}`, () => this.exec<T>(sql, params, true));
  }

  /** The rows of `key`'s statement, sent on the first call of the run only. */
  private once<T>(key: string, send: () => Promise<T[]>): Promise<T[]> {
    let rows = this.memo.get(key) as Promise<T[]> | undefined;
    if (!rows) {
      rows = send();
      this.memo.set(key, rows);
    }
    return rows;
  }

  /**
   * Runs a read-only statement on a second session to the same server (the same login and session settings),
   * memoised as query() is: for a statement whose cost grows with the catalog (reading 10,000 sequences opens
   * each one), so that it runs beside the other checks' statements instead of holding them up in the one
   * connection's queue. The second session is opened only once the first one is, so that nvcops' own first
   * session keeps its slot on a server with one slot left; and the statement runs in the first session when
   * the second cannot be opened (no slot left, the role's CONNECTION LIMIT), or when the first one failed
   * (that error, as every other check gets it).
   */
  queryAside<T extends QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.once(`aside\u0000${sql}\u0000${JSON.stringify(params)}`, () => this.execAside<T>(sql, params));
  }

  private async execAside<T extends QueryResultRow>(sql: string, params: unknown[]): Promise<T[]> {
    const connected = await this.connect().then(() => true, () => false);
    // After close() (the run's deadline, SIGTERM) no second session is opened: it would outlive the run.
    if (!connected || this.closed || this.target.readWrite) return this.exec<T>(sql, params);
    this.aside ??= new PostgresProbe(this.target);
    try {
      await this.aside.connect();
    } catch {
      return this.exec<T>(sql, params);
    }
    this.queryCount++;
    return this.aside.exec<T>(sql, params);
  }

  /** Runs a statement every time it is called (no memo): for maintenance and for polling progress. */
  exec<T extends QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = [], ahead = false): Promise<T[]> {
    return this.connect().then(({ client }) =>
      this.serial(ahead, async () => {
        this.queryCount++;
        try {
          return (await client.query<T>(sql, params)).rows;
        } catch (e) {
          throw explain(e, this);
        }
      }),
    );
  }

  /** One statement at a time on the one connection (node-postgres deprecates overlapping queries), in the order asked, or `ahead` of those waiting. */
  private serial<T>(ahead: boolean, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const send = () => fn().then(resolve, reject);
      if (ahead) this.waiting.unshift(send);
      else this.waiting.push(send);
      this.sendNext();
    });
  }

  private sendNext(): void {
    if (this.sending) return;
    const send = this.waiting.shift();
    if (!send) return;
    this.sending = true;
    void send().finally(() => {
      this.sending = false;
      this.sendNext();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const aside = this.aside?.close();
    this.aside = undefined;
    await Promise.all([aside, this.closeOwn()]);
  }

  private async closeOwn(): Promise<void> {
    const client = this.raw;
    this.client = undefined;
    this.raw = undefined;
    if (!client) return;
    // end() waits for the server; a frozen server (or a connect in progress) would hold the process, so cut the socket after 500 ms.
    // The timer keeps the process alive: end() of a client whose connect was refused never settles, and with nothing
    // else pending Node would leave before the run's report was written.
    const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([client.end().catch(() => undefined), new Promise((r) => { timer = setTimeout(r, 500); })]);
    clearTimeout(timer);
    stream?.destroy();
  }
}

/** SQLSTATEs of a refused login (class 28, and 3D000 no such database), with what to fix. */
const LOGIN_REFUSED: Record<string, (setting: string) => string> = {
  '28P01': (setting) => `fix the password in ${setting}`,
  '28000': (setting) => `fix the user in ${setting}, or let the role log in (CREATE ROLE … LOGIN, a pg_hba.conf line for it)`,
  '3D000': (setting) => `fix the database in ${setting}`,
};

/** Turns driver errors into messages an on-call engineer can act on. */
function explain(e: unknown, probe: PostgresProbe): Error {
  const err = e as { code?: string; message?: string };
  const where = `PostgreSQL ${probe.name} (${probe.address})`;
  if (err.code === '42501') {
    const grant = probe.target.readWrite ? 'maintenance needs the table owner or a superuser (or pg_maintain on PostgreSQL 17+)' : 'grant pg_monitor to the nvcops role';
    return new PrivilegeError(`${where}: missing privilege (${err.message}); ${grant}`);
  }
  if (err.code === '55P03') return new TargetError(`${where}: lock not granted within lock_timeout (${err.message}); something holds a conflicting lock — try again later`);
  if (err.code === 'ECONNREFUSED') return new TargetError(`${where}: connection refused`);
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return new TargetError(`${where}: host not found`);
  // 57014 is both statement_timeout and a cancel request (Ctrl-C of a maintenance step): the server's words tell which.
  if (err.code === '57014') {
    return new TargetError(/statement timeout/i.test(err.message ?? '') ? `${where}: query cancelled by statement_timeout` : `${where}: ${err.message}`);
  }
  // The server answered and refused this login: nvcops cannot see, the applications may be fine.
  const refused = LOGIN_REFUSED[err.code ?? ''];
  if (refused) return new LoginRefusedError(`${where} refused nvcops' login as ${probe.role}: ${err.message} — ${refused(probe.target.setting)}`);
  if (err.code === '53300') return new TargetError(`${where}: too many connections (${err.message})`);
  const message = err.message ?? String(e);
  if (/timeout/i.test(message)) return new TargetError(`${where}: no answer in time (${message})`);
  return new TargetError(`${where}: ${message}`);
}
