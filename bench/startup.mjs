// Start-up (issue #23): `nvcops --help` beside bare node starting an empty file. The two run in turn,
// one of each per round, and the ratio is the median of the rounds' ratios (as bench/run.mjs does).
// Target: at most 1.2x.
//
// Where the time goes beyond bare node, from runs of the CLI bundle through an instrumented copy of
// bin/code-cache.js' loading, from the help's own code cache as bin/nvcops.js does for --help: reading
// dist/cli.cjs and its code cache, V8 taking the cache (deserialising the compiled code), and running
// the bundle (its modules' top level, the command tree, the help text).
//
// Run alone with `npm run build && node bench/startup.mjs`; `npm run bench` runs it after bench/run.mjs.
// Env: STARTUP_RUNS (rounds, 30).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepSection, median, printTable } from './results.mjs';

const CLI = new URL('../bin/nvcops.js', import.meta.url).pathname;
const DIST = new URL('../dist/', import.meta.url).pathname;

// bin/nvcops.js' loading of dist/cli.cjs, timed in phases; prints them as JSON on stderr at exit.
const PHASES = `'use strict';
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { Script } = require('node:vm');
const filename = ${JSON.stringify(join(DIST, 'cli.cjs'))};
const t0 = performance.now();
const content = readFileSync(filename, 'latin1');
// The cache bin/nvcops.js starts --help from: the help's own where the build made it.
const cachedData = (() => { try { return readFileSync(${JSON.stringify(join(DIST, 'cli-help.cjs.cache'))}); } catch { return readFileSync(filename + '.cache'); } })();
const t1 = performance.now();
const script = new Script(Module.wrap(content), { filename, cachedData });
const t2 = performance.now();
process.on('exit', () => process.stderr.write(JSON.stringify({ node: t0, read: t1 - t0, cache: t2 - t1, run: performance.now() - t2, rejected: script.cachedDataRejected })));
const m = new Module(filename, module);
m.filename = filename;
m.paths = Module._nodeModulePaths(${JSON.stringify(DIST)});
script.runInThisContext().call(m.exports, m.exports, Module.createRequire(filename), m, filename, ${JSON.stringify(DIST)});
`;

export async function benchStartup({ runs = Number(process.env.STARTUP_RUNS ?? 30) } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'nvcops-bench-startup-'));
  try {
    console.log(`\n# start-up: nvcops --help beside bare node, ${runs} rounds (after 3 to warm up)`);
    writeFileSync(join(work, 'empty.mjs'), '');
    writeFileSync(join(work, 'phases.cjs'), PHASES);
    const commands = {
      'bare node': [join(work, 'empty.mjs')],
      'nvcops --help': [CLI, '--help'],
      'nvcops health db --help': [CLI, 'health', 'db', '--help'],
    };
    const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
    const phases = [];
    for (let round = -3; round < runs; round++) {
      for (const [name, args] of Object.entries(commands)) {
        const t0 = performance.now();
        spawnSync(process.execPath, args, { stdio: 'ignore' });
        if (round >= 0) times[name].push(performance.now() - t0);
      }
      const p = spawnSync(process.execPath, [join(work, 'phases.cjs'), '--help'], { encoding: 'utf8' });
      if (round >= 0) phases.push(JSON.parse(p.stderr));
    }
    const ratio = (name) => median(times[name].map((t, r) => t / times['bare node'][r]));
    printTable(Object.keys(commands).map((name) => ({ command: name, 'wall ms': median(times[name]), 'x bare node': ratio(name) })));
    const med = (k) => median(phases.map((p) => p[k]));
    console.log('\nwhere --help spends its time (medians, ms; node: from the process start to the loader, as bare node has it)');
    printTable([{ node: med('node'), 'read bundle + cache': med('read'), 'V8 takes the code cache': med('cache'), 'run bundle + help': med('run'), 'cache rejected': phases.some((p) => p.rejected) }]);
    return keepSection('start-up', {
      ratios: [{ name: 'nvcops --help', baseline: 'bare node', ratio: ratio('nvcops --help'), target: { max: 1.2 } }],
      data: { wallMs: times, phasesMs: phases, healthDbHelpRatio: ratio('nvcops health db --help') },
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchStartup();
