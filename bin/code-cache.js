// Runs the CommonJS bundles of one directory through V8's code cache: each `<file>.cjs` starts from
// `<file>.cjs.cache`, the code compiled by a run at build time (scripts/code-cache.mjs), instead of
// compiling its source again. A cache that is missing or that V8 rejects (another Node version, other
// V8 flags) costs only the usual compile; runs never write one, so what they cover stays the build's
// choice. NVCOPS_DEBUG=1 says when a cache is not used.
// The bundles are ASCII (the build checks): their source is read as Latin-1, which costs a fraction of
// the UTF-8 decoding Node's loader does (about 15 ms of the CLI's 1.2 MB on a small machine).
'use strict';
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

// `variant`: the CLI's bundle starts from `<name>-<variant>.cjs.cache` instead, where the build made one
// (the top-level help: bin/nvcops.js), else from its usual cache.
exports.useCodeCache = function useCodeCache(dir, { write = false, variant } = {}) {
  const compile = Module.prototype._compile;
  // What a writing run (the build's) compiled, for its caches at exit.
  const compiled = [];
  const ours = (filename) => dirname(filename) === join(dir, '.') && filename.endsWith('.cjs');
  const loadJs = Module._extensions['.js'];
  Module._extensions['.cjs'] = function (module, filename) {
    if (!ours(filename)) return loadJs(module, filename);
    module._compile(readFileSync(filename, 'latin1'), filename);
  };
  Module.prototype._compile = function (content, filename) {
    if (!ours(filename)) return compile.call(this, content, filename);
    const cacheFile = cacheFor(filename, variant, write);
    let cachedData;
    try {
      cachedData = write ? undefined : readFileSync(cacheFile);
    } catch (e) {
      if (process.env.NVCOPS_DEBUG) process.stderr.write(`nvcops: no code cache for ${filename}: ${e.code}\n`);
    }
    const script = new Script(Module.wrap(content), { filename, cachedData });
    if (cachedData && script.cachedDataRejected && process.env.NVCOPS_DEBUG) process.stderr.write(`nvcops: V8 rejected ${cacheFile} (made by another Node version?); npm run build makes it anew\n`);
    if (write) compiled.push({ script, cacheFile });
    return script.runInThisContext().call(this.exports, this.exports, Module.createRequire(filename), this, filename, dirname(filename));
  };
  if (write) process.once('exit', () => { for (const { script, cacheFile } of compiled) writeFileSync(cacheFile, script.createCachedData()); });
};

/** Where a bundle's cache is: `<file>.cache`, or its variant's where the build made one (and always when writing it). */
function cacheFor(filename, variant, write) {
  if (!variant) return `${filename}.cache`;
  const own = `${filename.slice(0, -'.cjs'.length)}-${variant}.cjs.cache`;
  return write || existsSync(own) ? own : `${filename}.cache`;
}
