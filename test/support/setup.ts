import { afterAll } from 'vitest';
import { stopLeftovers } from './servers.js';

// Whatever a test file's own hooks did, the servers it started stop with it.
afterAll(stopLeftovers);
