#!/usr/bin/env node
import { createRequire } from 'node:module';
import { useCodeCache } from './code-cache.js';

useCodeCache(new URL('../dist/', import.meta.url).pathname);
createRequire(import.meta.url)('../dist/cli.cjs');
