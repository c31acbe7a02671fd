import apiLatencyP95 from './api-latency-p95.js';
import autoscalingActivities from './autoscaling-activities.js';
import autoscalingHeadroom from './autoscaling-headroom.js';
import autoscalingInstances from './autoscaling-instances.js';
import capacityCpu from './capacity-cpu.js';
import capacityDbConnections from './capacity-db-connections.js';
import capacityDbSize from './capacity-db-size.js';
import capacityRedisMemory from './capacity-redis-memory.js';
import capacityRequests from './capacity-requests.js';
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

/** CloudWatch SLO and resource checks for `health daily`; capacity trends and the Auto Scaling review for `weekly capacity`. */
export const awsChecks = [
  uptime24h, uptime30d, apiLatencyP95, errorRate, burnRate, errorBudget,
  rdsConnections, rdsCpu, rdsFreeStorage, rdsReplicaLag,
  elasticacheCpu, elasticacheMemory, elasticacheEvictions, elasticacheHitRate,
  capacityCpu, capacityDbConnections, capacityDbSize, capacityRedisMemory, capacityRequests,
  autoscalingHeadroom, autoscalingInstances, autoscalingActivities,
];
