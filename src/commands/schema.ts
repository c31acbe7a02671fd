import { Argument, type Command } from 'commander';
import { SCHEMA_NAMES, type SchemaName } from '../report/schema-names.js';
import { TOP_COMMANDS } from './listing.js';

export function registerSchema(program: Command, finish: (code: Promise<number>) => void): void {
  program
    .command('schema')
    .description(TOP_COMMANDS.schema.description)
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
