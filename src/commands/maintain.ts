import type { Command } from 'commander';
import type { Target } from '../engine/verdict.js';
import { actionCommand, addRunOptions, durationArg, named, tableNameArg, wholeNumberArg } from './options.js';
import type { RunFlags } from '../app/run.js';
import { TOP_COMMANDS } from './listing.js';

type Finish = (code: Promise<number>) => void;

type MaintainActions = typeof import('../maintain/index.js');

/** One recovery/maintenance action of this group, planned by ../maintain/index.js. */
const action = <O>(
  group: Command, finish: Finish, name: string, targets: Target[], description: string,
  options: (cmd: Command) => Command, plan: Parameters<typeof actionCommand<MaintainActions, O>>[2]['plan'],
): void => actionCommand<MaintainActions, O>(group, finish, { name, targets, description, options, load: () => import('../maintain/index.js'), plan });

const dbIndex = wholeNumberArg(0, 15, 'a database index');

/** A read-only review that runs as a check procedure. */
function review(group: Command, finish: Finish, name: 'certs' | 'security-updates' | 'access', description: string): void {
  addRunOptions(group.command(name).description(description)).action((_o, cmd: Command) =>
    finish(import('../app/run.js').then((m) => m.runChecksCommand(`maintain ${name}`, cmd.optsWithGlobals<RunFlags>()))));
}

export function registerMaintain(program: Command, finish: Finish): void {
  const maintain = program.command('maintain').description(TOP_COMMANDS.maintain.description);

  action<{ vacuum?: boolean; analyze?: boolean; full?: boolean; table?: string[] }>(
    maintain, finish, 'db', ['postgres'], 'Database Maintenance — runbook: python scripts/db_maintenance.py --vacuum --analyze',
    (c) => c
      .option('--vacuum', 'VACUUM the tables with many dead tuples or no recent vacuum')
      .option('--analyze', 'ANALYZE them too (with --vacuum: VACUUM (ANALYZE))')
      .option('--table <name>', 'only this table (repeatable); skips the selection rule', (v: string, p: string[] = []) => [...p, tableNameArg(v)])
      .option('--full', 'VACUUM FULL: rewrites the table under an ACCESS EXCLUSIVE lock (blocks reads and writes)'),
    (m, o) => (ctx) => m.planDb(ctx, o),
  );
  action<{ drop?: boolean }>(
    maintain, finish, 'indexes', ['postgres'], 'Database Maintenance › Index optimization — runbook: python scripts/optimize_indexes.py',
    (c) => c.option('--drop', 'also DROP INDEX CONCURRENTLY the unused and duplicate indexes (otherwise only listed)'),
    (m, o) => (ctx) => m.planIndexes(ctx, o),
  );
  action<{ all?: boolean }>(
    maintain, finish, 'stats', ['postgres'], 'Database Maintenance › Statistics update — runbook: python scripts/update_db_stats.py',
    (c) => c.option('--all', 'ANALYZE every table, not only those autovacuum would analyze'),
    (m, o) => (ctx) => m.planStats(ctx, o),
  );
  action<{ rotate?: boolean }>(
    maintain, finish, 'logs', [], 'Application Maintenance › Log rotation — runbook: ./scripts/rotate_logs.sh',
    (c) => c.option('--rotate', 'rotate the configured logs that are due (by size or age); with --dry-run, only show them'),
    (m, o) => (ctx) => m.planLogs(ctx, o),
  );
  action<{ flush?: boolean; db?: number; pattern?: string }>(
    maintain, finish, 'cache', ['redis'], 'Application Maintenance › Cache cleanup — runbook: redis-cli FLUSHDB',
    (c) => c
      .option('--flush', 'FLUSHDB ASYNC the database (needs --yes and --confirm-env <environment> everywhere)')
      .option('--db <n>', 'the database index (default: the one redis.url names, else 0)', dbIndex)
      .option('--pattern <glob>', 'remove only the keys matching this pattern (SCAN + UNLINK in batches) instead of the whole database', named('a glob such as session:*')),
    (m, o) => (ctx) => m.planCache(ctx, o),
  );
  action<{ olderThan?: number }>(
    maintain, finish, 'tmp', [], 'Application Maintenance › Temporary file cleanup — runbook: ./scripts/cleanup_temp_files.sh',
    (c) => c.option('--older-than <duration>', 'remove files not modified for this long (default maintenance.tmp.olderThan, else 10d)', durationArg),
    (m, o) => (ctx) => m.planTmp(ctx, o),
  );
  review(maintain, finish, 'certs', 'Security Maintenance › Certificate renewal check — runbook: ./scripts/check_certificates.sh');
  review(maintain, finish, 'security-updates', 'Security Maintenance › Security patch review — runbook: ./scripts/security_updates.sh');
  review(maintain, finish, 'access', 'Security Maintenance › Access review — runbook: python scripts/access_audit.py');
}
