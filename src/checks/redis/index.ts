import authentication from './authentication.js';
import blockedClients from './blocked-clients.js';
import clients from './clients.js';
import clockDrift from './clock-drift.js';
import cluster from './cluster.js';
import dangerousCommands from './dangerous-commands.js';
import evictions from './evictions.js';
import expiredKeys from './expired-keys.js';
import fragmentation from './fragmentation.js';
import hitRatio from './hit-ratio.js';
import largestKeys from './largest-keys.js';
import memory from './memory.js';
import persistence from './persistence.js';
import ping from './ping.js';
import protectedMode from './protected-mode.js';
import rejectedConnections from './rejected-connections.js';
import errorReplies from './error-replies.js';
import masters from './masters.js';
import replicaLag from './replica-lag.js';
import replication from './replication.js';
import clusterFlapping from './cluster-flapping.js';
import restartsFailovers from './restarts-failovers.js';
import sentinelQuorum from './sentinel-quorum.js';
import slowlog from './slowlog.js';
import tls from './tls.js';

export const redisChecks = [
  ping, clients, rejectedConnections, memory, evictions, fragmentation, hitRatio, blockedClients, replication, persistence, slowlog, cluster,
  protectedMode, authentication, dangerousCommands, tls, expiredKeys, largestKeys, clockDrift,
  restartsFailovers, sentinelQuorum, masters, clusterFlapping, replicaLag, errorReplies,
];
