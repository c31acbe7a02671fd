// Runs the CommonJS bundles of one directory through V8's code cache: each `<file>.cjs` starts from
// `<file>.cjs.cache`, the compiled code of an earlier run, instead of compiling its source again.
// A cache that is missing, or that V8 rejects (another Node version or V8 flags), costs only the usual
// compile, and is written anew when the process exits, if the directory is writable. scripts/build.mjs
// makes the caches; nothing else writes there.
import { accessSync, constants, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

export function useCodeCache(dir) {
  const compile = Module.prototype._compile;
  const stale = [];
  Module.prototype._compile = function (content, filename) {
    if (dirname(filename) !== join(dir, '.') || !filename.endsWith('.cjs')) return compile.call(this, content, filename);
    const cacheFile = `${filename}.cache`;
    let cachedData;
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      // no cache yet: compile, and write one at exit
    }
    const script = new Script(Module.wrap(content), { filename, cachedData });
    if (!cachedData || script.cachedDataRejected) stale.push({ script, cacheFile });
    return script.runInThisContext().call(this.exports, this.exports, createRequire(filename), this, filename, dirname(filename));
  };
  process.once('exit', () => {
    for (const { script, cacheFile } of stale) {
      try {
        accessSync(dirname(cacheFile), constants.W_OK);
        // Whole or not at all: another run may be reading it.
        const partial = `${cacheFile}.${process.pid}`;
        writeFileSync(partial, script.createCachedData());
        renameSync(partial, cacheFile);
      } catch {
        // A read-only install runs without a cache.
      }
    }
  });
}
