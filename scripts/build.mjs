// Bundles the CLI into dist/ with esbuild: one entry file that starts fast, with heavy modules
// (pg, ioredis, the AWS SDK, ora) split into chunks loaded only by the commands that need them.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  define: { NVCOPS_VERSION: JSON.stringify(version) },
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __nvcopsCreateRequire } from 'node:module'; const require = __nvcopsCreateRequire(import.meta.url);" },
});
