import { Option, type Command } from 'commander';
import { BACKUP_KINDS } from '../backups/kinds.js';
import type { Target } from '../engine/verdict.js';
import type { Config } from '../engine/config/index.js';
import { actionCommand, addRunOptions, jobsArg, listFormat, named, wholeNumberArg } from './options.js';
import type { RunFlags } from '../app/run.js';
import { TOP_COMMANDS } from './listing.js';

type Finish = (code: Promise<number>) => void;

type BackupActions = typeof import('../backups/actions.js');

/** One recovery/maintenance action of this group, planned by ../backups/actions.js. */
const restore = <O>(
  group: Command, finish: Finish, name: string, targets: Target[], description: string,
  options: (cmd: Command) => Command, plan: Parameters<typeof actionCommand<BackupActions, O>>[2]['plan'],
): void => actionCommand<BackupActions, O>(group, finish, { name, targets, description, options, load: () => import('../backups/actions.js'), plan });

const backups = () => import('../backups/take.js');

export function registerBackup(program: Command, finish: Finish): void {
  const backup = program.command('backup').description(TOP_COMMANDS.backup.description);

  backup
    .command('db')
    .description('Database backup (Backup Schedule: every 6 hours): pgbackrest backup with backups.pgbackrest, else pg_dump of postgres.adminUrl into backups.directory, with its manifest')
    .option('--jobs <n>', 'dump N tables at once; above 1 this writes pg_dump\'s directory format (-Fd), as the custom format cannot be written in parallel (pgBackRest: --process-max)', jobsArg, 1)
    .addOption(new Option('--type <type>', 'pgBackRest backup type (backups.pgbackrest; default incr, the first one is full)').choices(['full', 'diff', 'incr']))
    .addOption(listFormat())
    .action((_o, cmd: Command) => finish(backups().then((m) => m.backupDatabase(cmd.optsWithGlobals()))));
  backup
    .command('app')
    .description('Application backup (Backup Schedule: daily): a directory archived with its version')
    .requiredOption('--app-version <version>', 'the application version the directory holds', named('a version such as 1.4.2'))
    .requiredOption('--from <dir>', 'the directory to archive (the deployed artifact)')
    .addOption(listFormat())
    .action((_o, cmd: Command) => finish(backups().then((m) => m.backupArtifact('app', cmd.optsWithGlobals()))));
  backup
    .command('config')
    .description('Configuration backup (Backup Schedule: weekly): a snapshot of a configuration directory')
    .requiredOption('--from <dir>', 'the configuration directory to snapshot')
    .addOption(listFormat())
    .action((_o, cmd: Command) => finish(backups().then((m) => m.backupArtifact('config', cmd.optsWithGlobals()))));
  backup
    .command('logs')
    .description('Log archival (Backup Schedule: continuous): the application log archived into the repository')
    .option('--from <path>', 'the log file or directory (default: logs.application)')
    .addOption(listFormat())
    .action((_o, cmd: Command) => finish(backups().then((m) => m.backupArtifact('logs', cmd.optsWithGlobals()))));
  backup
    .command('list')
    .description('The backups in backups.directory, newest first, and pgBackRest\'s (backups.pgbackrest) with the recoverable window')
    .addOption(new Option('--kind <kind>', 'only this kind').choices(BACKUP_KINDS))
    .addOption(listFormat())
    .action((_o, cmd: Command) => finish(backups().then((m) => m.backupList(cmd.optsWithGlobals()))));

  backup
    .command('setup')
    .description('pgBackRest set-up help: the postgresql.conf lines and a minimal pgbackrest.conf for the configured server')
    .requiredOption('--print', 'print them (nothing is changed)')
    .action((_o, cmd: Command) => finish(import('../backups/setup.js').then((m) => m.printSetup(cmd.optsWithGlobals()))));

  addRunOptions(
    backup
      .command('verify')
      .description('Backup verification: freshness against the Backup Schedule, WAL archiving, checksums, pg_restore --list')
      .option('--all', 'checksum and read every backup, not only the newest of each kind (backups.verify: all)'),
    // Checksumming a large repository takes minutes.
    { timeoutMs: 30 * 60_000 },
  ).action((_o, cmd: Command) => {
    const flags = cmd.optsWithGlobals<RunFlags & { all?: boolean }>();
    const adjust = (config: Config) => {
      if (flags.all) config.backups = { ...config.backups, verify: 'all' };
    };
    finish(import('../app/run.js').then((m) => m.runChecksCommand('backup verify', flags, undefined, { adjust })));
  });

  restore<{ backupId?: string; target?: string; replace?: boolean; jobs: number; to?: string; targetDir?: string; port?: number; start?: boolean; inPlace?: boolean }>(
    backup, finish, 'restore-db', ['postgres'], 'Database recovery — runbook: ./scripts/restore_database.sh --backup-id $BACKUP_ID; with backups.pgbackrest, point-in-time recovery (--to) into a new data directory',
    (c) => c
      .option('--backup-id <id>', 'the database backup to restore (see backup list): a dump id, or a pgBackRest label')
      .option('--to <time>', 'pgBackRest: recover to this time (ISO with offset, or YYYY-MM-DD HH:MM:SS in schedule.timezone) or named restore point', named('a time such as 2026-12-07T14:02:00Z'))
      .option('--target-dir <dir>', 'pgBackRest: the new, empty data directory to restore into (never the live one)', named('a directory such as /var/lib/postgresql/restore'))
      .option('--port <n>', 'pgBackRest: loopback port for the restored server (default: a free one, printed)', wholeNumberArg(1, 65535, 'a port'))
      .option('--no-start', 'pgBackRest: restore only; do not start the restored server')
      .option('--in-place', 'pgBackRest: restore the live cluster (--target-dir = its data directory, server stopped; kept aside; needs --confirm-env)')
      .option('--target <database>', 'database to restore into (default: a new one named after the source and the backup time)', named('a database name such as bank_restored'))
      .option('--replace', 'replace an existing database (renamed aside, not dropped); needs --confirm-env')
      .option('--jobs <n>', 'pg_restore jobs', jobsArg, 1),
    (m, flags) => (ctx) => m.planRestoreDatabase(ctx, flags),
  );
  restore<{ appVersion: string; target: string }>(
    backup, finish, 'restore-app', ['backups'], 'Application recovery — runbook: ./scripts/restore_application.sh --version $VERSION (here --app-version)',
    (c) => c
      .requiredOption('--app-version <version>', 'the application version to restore', named('a version such as 1.4.2'))
      .requiredOption('--target <dir>', 'directory to restore into (an existing one is moved aside, never overwritten)', named('a directory such as /srv/app')),
    (m, flags) => (ctx) => m.planRestoreApplication(ctx, { version: flags.appVersion, target: flags.target }),
  );
  restore<{ date: string; target: string }>(
    backup, finish, 'restore-config', ['backups'], 'Configuration recovery — runbook: ./scripts/restore_config.sh --date $DATE',
    (c) => c
      .requiredOption('--date <date>', 'restore the snapshot nearest before this date (YYYY-MM-DD, end of day UTC) or ISO time')
      .requiredOption('--target <dir>', 'directory to restore into (an existing one is moved aside, never overwritten)', named('a directory such as /srv/app')),
    (m, flags) => (ctx) => m.planRestoreConfiguration(ctx, flags),
  );
}

