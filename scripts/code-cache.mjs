// Build step (scripts/build.mjs): runs the CLI once with the arguments given, loads the AWS clients,
// and writes the V8 code cache of each bundle at exit (bin/code-cache.js): V8 keeps the code the run
// compiled. NVCOPS_CODE_CACHE=help: the top-level help's own cache of the CLI (dist/cli-help.cjs.cache), and no other.
import { createRequire } from 'node:module';
import { useCodeCache } from '../bin/code-cache.js';

const dist = new URL('../dist/', import.meta.url).pathname;
const variant = process.env.NVCOPS_CODE_CACHE;
useCodeCache(dist, { write: true, variant });
const load = createRequire(dist);
load('./cli.cjs');
if (!variant) {
  const aws = load('./aws.cjs');
  for (const client of Object.keys(aws)) void aws[client];
}
