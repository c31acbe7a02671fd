import connectionLogging from './connection-logging.js';
import passwordEncryption from './password-encryption.js';
import pgaudit from './pgaudit.js';
import ssl from './ssl.js';
import autovacuumBacklog from './autovacuum-backlog.js';
import duplicateIndexes from './duplicate-indexes.js';
import indexBloat from './index-bloat.js';
import missingIndexes from './missing-indexes.js';
import tableBloat from './table-bloat.js';
import unusedIndexes from './unused-indexes.js';
import connectTime from './connect-time.js';
import connectionSaturation from './connection-saturation.js';

export const postgresChecks = [
  connectTime, connectionSaturation,
  unusedIndexes, duplicateIndexes, missingIndexes, indexBloat, tableBloat, autovacuumBacklog,
  ssl, passwordEncryption, connectionLogging, pgaudit,
];
