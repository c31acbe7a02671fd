/** The published JSON Schemas as `nvcops schema <name>` prints them, compiled by ajv (draft 2020-12, formats checked). */
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type { SchemaName } from '../../src/report/schema-names.js';
import { nvcops } from './cli.js';

/** A validator: the errors of `data` against the schema, one line each (`/path message`); none when it validates. */
export type Validator = (data: unknown) => string[];

const ajv = new Ajv2020({ allErrors: true, strict: false });
// ajv-formats is CommonJS with `exports.default`: its default import is the module under NodeNext.
(formats as unknown as { default: (a: Ajv2020) => Ajv2020 }).default(ajv);

/** The schema of `name` from the built CLI (so what ships is what is tested), with its `$id` checked. */
export async function schemaValidator(name: SchemaName): Promise<Validator> {
  const r = await nvcops(['schema', name]);
  if (r.exitCode !== 0) throw new Error(`nvcops schema ${name} exited ${r.exitCode}: ${r.stderr}`);
  const schema = JSON.parse(r.stdout) as { $id?: string };
  if (schema.$id !== `https://nvcops.dev/schema/${name}.json`) throw new Error(`nvcops schema ${name}: $id ${schema.$id}`);
  const validate = ajv.getSchema(schema.$id) ?? ajv.compile(schema);
  return (data) => (validate(data) ? [] : (validate.errors ?? []).map((e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message}`));
}
