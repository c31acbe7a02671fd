import { Argument, type Command } from 'commander';
import { SCHEMA_NAMES, type SchemaName } from '../report/schema-names.js';

export function registerSchema(program: Command, finish: (code: Promise<number>) => void): void {
  program
    .command('schema')
    .description('Print the JSON Schema of the config file or of a --format json output (config: for editors completing nvcops.yaml)')
    .addArgument(new Argument('<name>', 'which schema').choices(SCHEMA_NAMES))
    .action((name: SchemaName) =>
      finish(
        (async () => {
          const { jsonSchema } = await import('../report/schemas.js');
          process.stdout.write(`${JSON.stringify(jsonSchema(name), null, 2)}\n`);
          return 0;
        })(),
      ),
    );
}
