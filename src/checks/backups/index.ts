import applicationFreshness from './application-freshness.js';
import checksums from './checksums.js';
import configurationFreshness from './configuration-freshness.js';
import databaseFreshness from './database-freshness.js';
import logsFreshness from './logs-freshness.js';
import restorable from './restorable.js';
import pgbackrestCheck from './pgbackrest-check.js';
import pgbackrestEncryption from './pgbackrest-encryption.js';
import pgbackrestFreshness from './pgbackrest-freshness.js';
import pgbackrestOffsite from './pgbackrest-offsite.js';
import pgbackrestRetention from './pgbackrest-retention.js';
import pgbackrestVerify from './pgbackrest-verify.js';
import pgbackrestWal from './pgbackrest-wal.js';
import walArchiving from './wal-archiving.js';

export const backupsChecks = [
  databaseFreshness, walArchiving, applicationFreshness, configurationFreshness, logsFreshness,
  checksums, restorable,
  pgbackrestFreshness, pgbackrestWal, pgbackrestCheck, pgbackrestVerify, pgbackrestRetention, pgbackrestEncryption, pgbackrestOffsite,
];
