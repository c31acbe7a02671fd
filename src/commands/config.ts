import type { Command } from 'commander';
import type { Config } from '../engine/config/index.js';
import type { Redactor } from '../engine/redact.js';
import type { SettingSource } from '../engine/setting-source.js';
import type { GlobalOptions } from '../app/prepare.js';
import { TOP_COMMANDS } from './listing.js';

export function registerConfig(program: Command, finish: (code: Promise<number>) => void): void {
  const config = program.command('config').description(TOP_COMMANDS.config.description);
  config
    .command('check')
    .description('Validate the configuration and print it resolved (environment chosen, ${VAR} filled in, secrets redacted)')
    .action((_opts, cmd: Command) =>
      finish(
        (async () => {
          const [{ prepare }, { write, toYaml }, { checks }, { resolveThresholds }] = await Promise.all([
            import('../app/prepare.js'), import('../report/output.js'), import('../checks/index.js'), import('../engine/thresholds.js'),
          ]);
          const { config: resolved, redactor } = await prepare(cmd.optsWithGlobals<GlobalOptions>());
          resolveThresholds(checks, resolved.thresholds);
          // Business metrics are checks made from the config: their levels are validated the same way.
          (await import('../checks/business/index.js')).businessMetricChecks(resolved);
          const { source, ...rest } = resolved;
          write(`# ${source ? `from ${source}` : 'no config file found: defaults and environment only'} — valid\n`, redactor);
          write(toYaml(redactor.applyDeep(rest)), redactor);
          write(await connectionSources(resolved, redactor), redactor);
          return 0;
        })(),
      ),
    );
}

/** Rows of one system's settings (already redacted, so the columns line up) as YAML comments: setting, value, where it came from. */
function sourceTable(title: string, rows: SettingSource[]): string {
  const width = (k: 'setting' | 'value') => Math.max(...rows.map((r) => r[k].length));
  return `# ${title}: where each setting comes from\n${rows.map((r) => `#   ${r.setting.padEnd(width('setting'))}  ${r.value.padEnd(width('value'))}  ${r.source}\n`).join('')}`;
}

/** Each system's connection settings with their sources (URL, variable, service file, .pgpass, profile, default); the AWS SDK's loaders come in only when AWS is configured. */
async function connectionSources(config: Config, redactor: Redactor): Promise<string> {
  let text = '';
  if (config.postgres) {
    const { configuredConnections, settingSources } = await import('../engine/postgres-connection.js');
    const rows = (await Promise.all(configuredConnections(config.postgres).map((c) => settingSources(c, c.setting)))).flat();
    text += sourceTable('PostgreSQL', redactor.applyDeep(rows));
  }
  if (config.redis) {
    const { redisSources, redisUrlKey } = await import('../engine/redis-connection.js');
    text += sourceTable('Redis', redactor.applyDeep(redisSources(config.redis, redisUrlKey(process.env))));
  }
  if (config.aws) text += sourceTable('AWS', redactor.applyDeep(await (await import('../probes/aws-settings.js')).awsSources(config.aws)));
  return text;
}
