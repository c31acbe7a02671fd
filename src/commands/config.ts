import type { Command } from 'commander';
import type { GlobalOptions } from './options.js';

export function registerConfig(program: Command, finish: (code: Promise<number>) => void): void {
  const config = program.command('config').description('The configuration nvcops runs with');
  config
    .command('check')
    .description('Validate the configuration and print it resolved (environment chosen, ${VAR} filled in, secrets redacted)')
    .action((_opts, cmd: Command) =>
      finish(
        (async () => {
          const [{ prepare, write, toYaml }, { checks }, { resolveThresholds }] = await Promise.all([
            import('./run.js'), import('../checks/index.js'), import('../engine/thresholds.js'),
          ]);
          const { config: resolved, redactor } = await prepare(cmd.optsWithGlobals<GlobalOptions>());
          resolveThresholds(checks, resolved.thresholds);
          // Business metrics are checks made from the config: their levels are validated the same way.
          (await import('../checks/business/index.js')).businessMetricChecks(resolved);
          const { source, ...rest } = resolved;
          write(`# ${source ? `from ${source}` : 'no config file found: defaults and environment only'} — valid\n`, redactor);
          write(toYaml(redactor.applyDeep(rest)), redactor);
          // Where each connection setting comes from (URL, PG* variable, service file, .pgpass, default), secrets as (secret).
          const { configuredConnections, settingSources } = await import('../engine/postgres-connection.js');
          const sources = (await Promise.all(configuredConnections(resolved.postgres).map((c) => settingSources(c, c.setting)))).flat();
          if (sources.length) write(`${toYaml({ sources: redactor.applyDeep(sources) })}`, redactor);
          return 0;
        })(),
      ),
    );
}
