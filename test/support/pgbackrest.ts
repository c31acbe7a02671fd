/**
 * A test server that archives its WAL to a posix pgBackRest repository in its own temp directory, as
 * production-harness.md's recipe does: pgbackrest.conf beside the data directory, `local all postgres
 * peer` for pgBackRest's own connection over the socket, archive_command with archive-push, then
 * stanza-create. The repository is encrypted (aes-256-cbc) by default: its passphrase reaches the
 * server and pgBackRest through PGBACKREST_REPO1_CIPHER_PASS, never a file or argv.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { giveToRunAsUser, randomPassword, asServerUser, serverUser, startPostgres, type PgServer } from './servers.js';
import { until } from './until.js';

export const STANZA = 'nvcops';

export interface ArchivingServer extends PgServer {
  /** pgbackrest.conf (mode 644: no secret in it). */
  pgbackrestConfig: string;
  /** The repository's directory (repo1-path). */
  repo: string;
  stanza: string;
  /** PGBACKREST_REPO1_CIPHER_PASS (when encrypted): what nvcops' environment must carry too. */
  env: Record<string, string>;
  /** The configuration nvcops needs for it: backups.pgbackrest. */
  nvcopsConfig: { stanza: string; config: string; user: string };
  /** Runs pgbackrest as the server's OS user with this server's configuration and stanza. */
  pgbackrest(args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** Switches to a new WAL segment and waits until pgBackRest has archived the finished one. */
  archiveNow(): Promise<void>;
}

export interface ArchivingOptions {
  /** false: an unencrypted repository (repo1-cipher-type none). */
  encrypted?: boolean;
  /** Extra [global] lines (repo2-path=..., repo1-retention-full=...). */
  global?: Record<string, string>;
  settings?: Record<string, string | number | boolean>;
}

const ini = (sections: Record<string, Record<string, string>>) =>
  Object.entries(sections).map(([name, kv]) => `[${name}]\n${Object.entries(kv).map(([k, v]) => `${k}=${v}\n`).join('')}`).join('\n');

export async function startArchivingPostgres(opts: ArchivingOptions = {}): Promise<ArchivingServer> {
  const encrypted = opts.encrypted !== false;
  const env: Record<string, string> = encrypted ? { PGBACKREST_REPO1_CIPHER_PASS: randomPassword() } : {};
  let config = '';
  let repo = '';
  let write: (port?: number) => void = () => undefined;
  const pg = await startPostgres({
    settings: opts.settings,
    prepare: ({ dir, dataDir }) => {
      config = join(dir, 'pgbackrest.conf');
      repo = join(dir, 'repo');
      for (const d of [repo, join(dir, 'pgbackrest-log'), join(dir, 'pgbackrest-lock')]) {
        mkdirSync(d);
        giveToRunAsUser(d);
      }
      write = (port) => writeFileSync(config, ini({
        global: {
          'repo1-path': repo, 'repo1-retention-full': '2', ...(encrypted ? { 'repo1-cipher-type': 'aes-256-cbc' } : {}),
          'log-path': join(dir, 'pgbackrest-log'), 'lock-path': join(dir, 'pgbackrest-lock'), 'log-level-console': 'warn',
          'start-fast': 'y', 'compress-type': 'gz', 'compress-level': '1', ...opts.global,
        },
        [STANZA]: { 'pg1-path': dataDir, 'pg1-socket-path': dir, ...(port ? { 'pg1-port': String(port) } : {}) },
      }), { mode: 0o644 });
      write();
      // pgBackRest connects over the socket as the OS user, as on Debian.
      const hba = join(dataDir, 'pg_hba.conf');
      writeFileSync(hba, `local all postgres peer\n${readFileSync(hba, 'utf8')}`);
      return {
        settings: { archive_mode: 'on', archive_command: `pgbackrest --config=${config} --stanza=${STANZA} archive-push %p`, archive_timeout: 60 },
        env,
      };
    },
  });
  write(pg.port);
  const pgbackrest = (args: string[]) => asServerUser('pgbackrest', [`--config=${config}`, `--stanza=${STANZA}`, ...args], pg.dir, env);
  await pgbackrest(['stanza-create']);
  const server: ArchivingServer = Object.assign(pg, {
    pgbackrestConfig: config,
    repo,
    stanza: STANZA,
    env,
    nvcopsConfig: { stanza: STANZA, config, user: serverUser() },
    pgbackrest,
    async archiveNow() {
      const wal = (await pg.sql<{ wal: string }>("SELECT pg_walfile_name(pg_switch_wal()) AS wal"))[0]!.wal;
      await until(`${wal} archived`, async () => (await pg.sql<{ done: boolean }>('SELECT last_archived_wal >= $1 AS done FROM pg_stat_archiver', [wal]))[0]?.done === true, 30_000);
    },
  });
  return server;
}
