import checksum from './checksum.js';
import freshness from './freshness.js';
import walArchiving from './wal-archiving.js';

export const backupsChecks = [freshness, checksum, walArchiving];
