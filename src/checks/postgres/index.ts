import connectionLogging from './connection-logging.js';
import hbaSsl from './hba-ssl.js';
import passwordEncryption from './password-encryption.js';
import pendingRestart from './pending-restart.js';
import settingsDrift from './settings-drift.js';
import pgaudit from './pgaudit.js';
import ssl from './ssl.js';
import autovacuumBacklog from './autovacuum-backlog.js';
import duplicateIndexes from './duplicate-indexes.js';
import indexBloat from './index-bloat.js';
import missingIndexes from './missing-indexes.js';
import tableBloat from './table-bloat.js';
import unusedIndexes from './unused-indexes.js';
import blockedQueries from './blocked-queries.js';
import cacheHitRatio from './cache-hit-ratio.js';
import clockDrift from './clock-drift.js';
import connectTime from './connect-time.js';
import dataChecksums from './data-checksums.js';
import connectionSaturation from './connection-saturation.js';
import databaseGrowth from './database-growth.js';
import deadTuples from './dead-tuples.js';
import deadlocks from './deadlocks.js';
import diskUsage from './disk-usage.js';
import disabledTriggers from './disabled-triggers.js';
import hostMemory from './host-memory.js';
import hostSwap from './host-swap.js';
import idleInTransaction from './idle-in-transaction.js';
import invalidConstraints from './invalid-constraints.js';
import invalidIndexes from './invalid-indexes.js';
import longRunningQueries from './long-running-queries.js';
import oldestTransaction from './oldest-transaction.js';
import preparedTransactions from './prepared-transactions.js';
import replicationLag from './replication-lag.js';
import replicationSlots from './replication-slots.js';
import rollbackRatio from './rollback-ratio.js';
import replicationBytes from './replication-bytes.js';
import restartsFailovers from './restarts-failovers.js';
import slotWal from './slot-wal.js';
import walSize from './wal-size.js';
import sequences from './sequences.js';
import slowStatements from './slow-statements.js';
import transactionWraparound from './transaction-wraparound.js';
import vacuumAnalyze from './vacuum-analyze.js';

export const postgresChecks = [
  connectTime, connectionSaturation,
  unusedIndexes, duplicateIndexes, missingIndexes, indexBloat, tableBloat, autovacuumBacklog,
  ssl, passwordEncryption, connectionLogging, pgaudit, hbaSsl,
  idleInTransaction, blockedQueries, longRunningQueries, replicationLag,
  cacheHitRatio, slowStatements, transactionWraparound, deadTuples, vacuumAnalyze, sequences, invalidIndexes, replicationSlots,
  dataChecksums, oldestTransaction, preparedTransactions, deadlocks, rollbackRatio,
  disabledTriggers, invalidConstraints, clockDrift, settingsDrift, pendingRestart,
  diskUsage, hostMemory, hostSwap, databaseGrowth,
  restartsFailovers, replicationBytes, slotWal, walSize,
];
