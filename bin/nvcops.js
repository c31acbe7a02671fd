#!/usr/bin/env node
// CommonJS (bin/package.json): Node starts a CommonJS entry without its ES module loader.
'use strict';
const { join } = require('node:path');
const { useCodeCache } = require('./code-cache.js');

useCodeCache(join(__dirname, '..', 'dist'));
require('../dist/cli.cjs');
