import applicationFreshness from './application-freshness.js';
import checksums from './checksums.js';
import configurationFreshness from './configuration-freshness.js';
import databaseFreshness from './database-freshness.js';
import logsFreshness from './logs-freshness.js';
import restorable from './restorable.js';
import walArchiving from './wal-archiving.js';

export const backupsChecks = [
  databaseFreshness, walArchiving, applicationFreshness, configurationFreshness, logsFreshness,
  checksums, restorable,
];
