import blockedClients from './blocked-clients.js';
import clients from './clients.js';
import cluster from './cluster.js';
import evictions from './evictions.js';
import fragmentation from './fragmentation.js';
import hitRatio from './hit-ratio.js';
import memory from './memory.js';
import persistence from './persistence.js';
import ping from './ping.js';
import rejectedConnections from './rejected-connections.js';
import replication from './replication.js';
import slowlog from './slowlog.js';

export const redisChecks = [
  ping, clients, rejectedConnections, memory, evictions, fragmentation, hitRatio, blockedClients, replication, persistence, slowlog, cluster,
];
