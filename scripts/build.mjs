// Bundles the CLI into dist/ with esbuild, as CommonJS so that V8 can reuse its compiled code:
//   dist/cli.cjs  nvcops with commander, zod, yaml, pg, ioredis (their modules start only when used)
//   dist/aws.cjs  the AWS SDK clients, loaded only by commands that talk to AWS
//   dist/http-worker.cjs  the thread that samples services (src/probes/http-thread.ts)
// and beside the first two a V8 code cache (`<file>.cache`, see bin/code-cache.js) made by running
// them once (the worker is small, and compiles in its own thread).
// Node 20 has no compile cache for ES modules: compiling the bundle on every run was about a third of
// a health check's start-up.
import { build } from 'esbuild';
import { isAscii } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { stringify as stringifyYaml } from 'yaml';

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

// The two AWS clients share most of their code (@smithy): one bundle holds both, and the CLI
// reaches it through `require('./aws.cjs')` only when a command imports a client.
// The SDK's config loaders (region, profiles) travel with them: src/probes/aws-settings.ts.
const AWS_CLIENTS = { '@aws-sdk/client-cloudwatch': 'cloudWatch', '@aws-sdk/client-auto-scaling': 'autoScaling', '@smithy/core/config': 'config' };
const awsApart = {
  name: 'aws-apart',
  setup(b) {
    b.onResolve({ filter: /^(@aws-sdk\/client-|@smithy\/core\/config$)/ }, ({ path }) => {
      if (!AWS_CLIENTS[path]) throw new Error(`${path}: not in scripts/build.mjs AWS_CLIENTS`);
      return { path, namespace: 'aws-apart' };
    });
    b.onLoad({ filter: /.*/, namespace: 'aws-apart' }, ({ path }) => ({ contents: `module.exports = require('./aws.cjs').${AWS_CLIENTS[path]};`, loader: 'js' }));
    b.onResolve({ filter: /^\.\/aws\.cjs$/ }, () => ({ path: './aws.cjs', external: true }));
  },
};

// A script started from a code cache has no import() on Node 20 ("A dynamic import callback was not
// specified"), and esbuild keeps import() of Node's built-ins in CommonJS output: turn each into a
// bundled module that require()s the built-in, which esbuild then loads with require() too.
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const builtinImports = {
  name: 'builtin-imports',
  setup(b) {
    b.onResolve({ filter: /^[\w:/]+$/ }, ({ path, kind }) => (kind === 'dynamic-import' && builtins.has(path) ? { path, namespace: 'builtin-import' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'builtin-import' }, ({ path }) => ({ contents: `module.exports = require(${JSON.stringify(path)});`, loader: 'js' }));
  },
};

// Node's built-ins that a command line may not need load when first used, not when the bundle starts:
// a static `import { spawn } from 'node:child_process'` (or commander's `require('node:child_process')`)
// becomes a module of getters that require the built-in on first access. child_process alone brings net,
// dgram and their stream plumbing, about 6 ms of CPU of every `nvcops --help` (issue #23). Only built-ins
// whose exports are a plain object (not a function or class such as events or stream) can be deferred so.
// The export names come from this Node at build time; a name Node lacks reads as undefined, as it would.
const LAZY_BUILTINS = ['child_process', 'net', 'tls', 'dgram', 'http', 'https', 'zlib', 'readline', 'readline/promises', 'crypto', 'stream/promises', 'dns', 'diagnostics_channel', 'string_decoder', 'worker_threads', 'timers/promises'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const lazy = new Set(LAZY_BUILTINS.flatMap((m) => [m, `node:${m}`]));
    b.onResolve({ filter: /^[\w:/]+$/ }, ({ path, namespace }) => (namespace !== 'lazy-builtin' && lazy.has(path) ? { path: path.replace(/^node:/, ''), namespace: 'lazy-builtin' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async ({ path }) => {
      const names = Object.getOwnPropertyNames(await import(`node:${path}`).then((m) => m.default));
      return {
        contents: `let m;\nconst load = () => m ??= require(${JSON.stringify(`node:${path}`)});\nfor (const k of ${JSON.stringify(names)}) Object.defineProperty(exports, k, { enumerable: true, get: () => load()[k] });`,
        loader: 'js',
      };
    });
  },
};

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const dist = new URL('../dist/', import.meta.url).pathname;
rmSync(dist, { recursive: true, force: true });
const common = {
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'none',
  // Half the source to read at start-up; names kept for stack traces (NVCOPS_DEBUG=1).
  minify: true,
  keepNames: true,
  logLevel: 'warning',
};
await build({ ...common, entryPoints: { cli: 'src/cli.ts' }, plugins: [pgOnNode, awsApart, builtinImports, lazyBuiltins], define: { NVCOPS_VERSION: JSON.stringify(version), NVCOPS_HTTP_WORKER: JSON.stringify('http-worker.cjs') } });
await build({ ...common, entryPoints: { 'http-worker': 'src/probes/http-worker.ts' }, plugins: [builtinImports] });
await build({
  ...common,
  entryPoints: { aws: 'aws-entry' },
  plugins: [builtinImports, {
    name: 'aws-entry',
    setup(b) {
      b.onResolve({ filter: /^aws-entry$/ }, () => ({ path: 'aws-entry', namespace: 'aws-entry' }));
      // Getters, so that a command using one client does not start the other.
      b.onLoad({ filter: /.*/, namespace: 'aws-entry' }, () => ({
        contents: Object.entries(AWS_CLIENTS).map(([pkg, name]) => `Object.defineProperty(exports, '${name}', { enumerable: true, get: () => require('${pkg}') });`).join('\n'),
        resolveDir: process.cwd(),
        loader: 'js',
      }));
    },
  }],
});

// Nothing may be left that would only fail at run time: no import(), and only ASCII, which bin/code-cache.js
// reads as Latin-1 (esbuild's default charset escapes the rest).
for (const file of ['cli.cjs', 'aws.cjs', 'http-worker.cjs']) {
  const source = readFileSync(join(dist, file));
  if (!isAscii(source)) throw new Error(`dist/${file}: not ASCII; bin/code-cache.js reads it as Latin-1 (keep esbuild's charset: 'ascii')`);
  const imports = source.toString('latin1').match(/\bimport\(["'][^"']+["']\)/g);
  if (imports) throw new Error(`dist/${file}: ${imports.join(', ')}: see builtinImports`);
}

// The code caches come from one run of the main job, `health daily`, against servers that refuse the
// connection: its start-up, config, checks and report are compiled, nothing is reached.
const training = mkdtempSync(join(tmpdir(), 'nvcops-build-'));
try {
  writeFileSync(join(training, 'application.log'), `${JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: 'request', status: 200 })}\n`);
  const refused = '127.0.0.1:1';
  // Written as people write it (block YAML, not JSON's flow style): yaml's parser takes another path through each.
  writeFileSync(join(training, 'nvcops.yaml'), stringifyYaml({
    postgres: { url: `postgres://nvcops@${refused}/postgres` },
    redis: { url: `redis://${refused}` },
    services: [{ name: 'api', url: `http://${refused}/` }],
    logs: { application: join(training, 'application.log') },
    backups: { directory: training },
    state: { path: join(training, 'state') },
  }));
  // Where a firewall drops the connections instead of refusing them, the run's deadline bounds the wait.
  const args = [new URL('code-cache.mjs', import.meta.url).pathname, 'health', 'daily', '--config', join(training, 'nvcops.yaml'), '--timeout', '5s'];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: training, env: { PATH: process.env.PATH, HOME: training } });
  if (![0, 1, 2, 3].includes(r.status) || !existsSync(join(dist, 'cli.cjs.cache'))) throw new Error(`code cache: node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  // The top-level help's own, from `nvcops --help` (bin/nvcops.js picks it for that command line only).
  const help = spawnSync(process.execPath, [args[0], '--help'], { encoding: 'utf8', cwd: training, env: { PATH: process.env.PATH, HOME: training, NVCOPS_CODE_CACHE: 'help' } });
  if (help.status !== 0 || !existsSync(join(dist, 'cli-help.cjs.cache'))) throw new Error(`code cache: node ${args[0]} --help exited ${help.status}: ${help.stderr}`);
} finally {
  rmSync(training, { recursive: true, force: true });
}

// The published JSON Schemas (`nvcops schema <name>`), shipped as files too: an editor's
// `# yaml-language-server: $schema=` can name dist/schemas/config.json of the installed package.
// Every name of SCHEMA_NAMES (src/report/schema-names.ts); test/schemas.test.ts checks that dist/schemas holds each and no other.
mkdirSync(join(dist, 'schemas'));
const namesSource = readFileSync(new URL('../src/report/schema-names.ts', import.meta.url), 'utf8').match(/SCHEMA_NAMES = \[([^\]]*)\] as const/);
if (!namesSource) throw new Error('src/report/schema-names.ts: SCHEMA_NAMES = [...] as const not found; update scripts/build.mjs');
for (const name of namesSource[1].match(/'[a-z-]+'/g).map((q) => q.slice(1, -1))) {
  const r = spawnSync(process.execPath, [new URL('../bin/nvcops.js', import.meta.url).pathname, 'schema', name], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  if (r.status !== 0) throw new Error(`nvcops schema ${name} exited ${r.status}: ${r.stderr}`);
  writeFileSync(join(dist, 'schemas', `${name}.json`), r.stdout);
}
