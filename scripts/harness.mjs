// The throwaway-server harness of the tests (test/support/servers.ts), compiled on the fly with
// esbuild (a devDependency, so present after `npm ci`) for the demo and the benchmark.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';

export async function loadHarness() {
  const outdir = new URL('../node_modules/.cache/nvcops/', import.meta.url);
  mkdirSync(outdir, { recursive: true });
  const outfile = new URL('servers.mjs', outdir).pathname;
  // One bundle, so that the archiving server (pgbackrest.ts) shares servers.ts's state (stopLeftovers).
  await build({
    stdin: { contents: "export * from './servers.ts'; export * from './pgbackrest.ts';", resolveDir: new URL('../test/support/', import.meta.url).pathname, loader: 'ts' },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return import(outfile);
}
