// The throwaway-server harness of the tests (test/support/servers.ts), compiled on the fly with
// esbuild (a devDependency, so present after `npm ci`) for the demo and the benchmark.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';

export async function loadHarness() {
  const outdir = new URL('../node_modules/.cache/nvcops/', import.meta.url);
  mkdirSync(outdir, { recursive: true });
  const outfile = new URL('servers.mjs', outdir).pathname;
  await build({
    entryPoints: [new URL('../test/support/servers.ts', import.meta.url).pathname],
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
