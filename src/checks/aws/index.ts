import apiLatencyP95 from './api-latency-p95.js';
import burnRate from './burn-rate.js';
import elasticacheCpu from './elasticache-cpu.js';
import elasticacheEvictions from './elasticache-evictions.js';
import elasticacheHitRate from './elasticache-hit-rate.js';
import elasticacheMemory from './elasticache-memory.js';
import errorBudget from './error-budget.js';
import errorRate from './error-rate.js';
import rdsConnections from './rds-connections.js';
import rdsCpu from './rds-cpu.js';
import rdsFreeStorage from './rds-free-storage.js';
import rdsReplicaLag from './rds-replica-lag.js';
import uptime24h from './uptime-24h.js';
import uptime30d from './uptime-30d.js';

/** CloudWatch SLO and resource checks for `health daily`. */
export const awsChecks = [
  uptime24h, uptime30d, apiLatencyP95, errorRate, burnRate, errorBudget,
  rdsConnections, rdsCpu, rdsFreeStorage, rdsReplicaLag,
  elasticacheCpu, elasticacheMemory, elasticacheEvictions, elasticacheHitRate,
];
