/**
 * `backup setup --print`: what a team without pgBackRest adds to start — the postgresql.conf lines
 * for continuous archiving through pgBackRest and a minimal pgbackrest.conf — filled in from the
 * configured server (its data directory, port and socket directory, read as postgres.adminUrl).
 */
import { prepare, type GlobalOptions } from '../app/prepare.js';
import { EXIT } from '../engine/errors.js';
import { write } from '../report/output.js';
import { adminTarget, connectAdmin } from './pgtools.js';

/** archive_timeout: a quiet server still closes a segment, and so bounds the RPO, at least this often (seconds). */
const ARCHIVE_TIMEOUT_S = 60;

export async function printSetup(flags: GlobalOptions): Promise<number> {
  const { config, redactor } = await prepare(flags);
  const s = config.backups?.pgbackrest;
  const stanza = s?.stanza ?? 'main';
  const configFile = s?.config ?? '/etc/pgbackrest/pgbackrest.conf';
  const c = await connectAdmin(adminTarget(config));
  let server: { data: string; port: string; sockets: string; version: string };
  try {
    const { rows: [r] } = await c.query<{ data: string; port: string; sockets: string; version: string }>(
      `SELECT current_setting('data_directory') AS data, current_setting('port') AS port,
              current_setting('unix_socket_directories') AS sockets, current_setting('server_version_num') AS version`,
    );
    server = r!;
  } finally {
    await c.end().catch(() => undefined);
  }
  const socket = server.sockets.split(',')[0]!.trim() || '/var/run/postgresql';
  const configArg = s?.config ? ` --config=${s.config}` : '';
  const text = [
    `# postgresql.conf of the server (PostgreSQL ${Math.floor(Number(server.version) / 10000)}); archive_mode needs a restart`,
    'archive_mode = on',
    `archive_command = 'pgbackrest${configArg} --stanza=${stanza} archive-push %p'`,
    `archive_timeout = ${ARCHIVE_TIMEOUT_S}`,
    'wal_level = replica',
    '',
    `# ${configFile} (owner ${s?.user ?? 'postgres'}, mode 640)`,
    '[global]',
    'repo1-path=/var/lib/pgbackrest',
    '# how long backups are kept: reach back as far as backups.retention' + (config.backups?.retention ? ` (${config.backups.retention})` : ''),
    'repo1-retention-full-type=time',
    'repo1-retention-full=30',
    '# PCI DSS 3.5: encrypt the repository; the passphrase in PGBACKREST_REPO1_CIPHER_PASS (of the server and of nvcops), not here',
    'repo1-cipher-type=aes-256-cbc',
    '# a second repository off-site (S3, Azure, GCS or another host), e.g. repo2-type=s3 with repo2-s3-bucket=...',
    'start-fast=y',
    'log-level-file=detail',
    '',
    `[${stanza}]`,
    `pg1-path=${server.data}`,
    `pg1-port=${server.port}`,
    `pg1-socket-path=${socket}`,
    '',
    `# then, as ${s?.user ?? 'postgres'}: create the stanza, check archiving end to end, take the first (full) backup`,
    `pgbackrest${configArg} --stanza=${stanza} stanza-create`,
    `pgbackrest${configArg} --stanza=${stanza} check`,
    ...(s ? [] : [`# and in nvcops' configuration: backups: { pgbackrest: { stanza: ${stanza}, user: postgres } }`]),
    'nvcops backup db --type full',
    '',
  ].join('\n');
  write(text, redactor);
  return EXIT.ok;
}
