#!/usr/bin/env node
// CommonJS (bin/package.json): Node starts a CommonJS entry without its ES module loader.
'use strict';
const { join } = require('node:path');
const { useCodeCache } = require('./code-cache.js');

// The top-level help runs a fraction of the bundle: it starts from a cache of that fraction (the build runs
// `nvcops --help` for it), about a quarter of the main one's size (the top-level list only: src/commands/listing.ts) for V8 to take, where the main one is made by a health check.
const args = process.argv.slice(2);
const help = args.length === 1 && (args[0] === '--help' || args[0] === '-h');
useCodeCache(join(__dirname, '..', 'dist'), help ? { variant: 'help' } : {});
require('../dist/cli.cjs');
