// Bundles the CLI into dist/ with esbuild: one entry file that starts fast, with heavy modules
// (pg, ioredis, the AWS SDK, ora) split into chunks loaded only by the commands that need them.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

// pg asks at load time whether it runs on Cloudflare Workers by constructing a fetch `Response`: on
// Node 20 that loads the whole fetch implementation (undici), ~30 ms of every command that imports pg.
// nvcops runs on Node only (platform 'node' below), so the bundle takes pg's Node branch directly.
const pgOnNode = {
  name: 'pg-on-node',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const contents = source.replace('if (isCloudflareRuntime()) {', 'if (false) {');
      if (contents === source) throw new Error(`${path}: pg's Cloudflare test changed; update scripts/build.mjs`);
      return { contents, loader: 'js' };
    });
  },
};

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
  plugins: [pgOnNode],
  define: { NVCOPS_VERSION: JSON.stringify(version) },
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __nvcopsCreateRequire } from 'node:module'; const require = __nvcopsCreateRequire(import.meta.url);" },
});
