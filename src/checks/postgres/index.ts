import blockedQueries from './blocked-queries.js';
import cacheHitRatio from './cache-hit-ratio.js';
import connectTime from './connect-time.js';
import connectionSaturation from './connection-saturation.js';
import deadTuples from './dead-tuples.js';
import idleInTransaction from './idle-in-transaction.js';
import invalidIndexes from './invalid-indexes.js';
import longRunningQueries from './long-running-queries.js';
import replicationLag from './replication-lag.js';
import replicationSlots from './replication-slots.js';
import sequences from './sequences.js';
import slowStatements from './slow-statements.js';
import transactionWraparound from './transaction-wraparound.js';
import vacuumAnalyze from './vacuum-analyze.js';

export const postgresChecks = [
  connectTime, connectionSaturation, idleInTransaction, blockedQueries, longRunningQueries, replicationLag,
  cacheHitRatio, slowStatements, transactionWraparound, deadTuples, vacuumAnalyze, sequences, invalidIndexes, replicationSlots,
];
