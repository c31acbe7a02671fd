/** The CloudWatch checks that serve each Morning Health Check line, for `health daily` to include. */
export const awsDailyChecks = {
  'All services running (target: 99.9% uptime)': ['aws.uptime-24h', 'aws.uptime-30d'],
  'Database connections healthy': [
    'aws.rds-connections', 'aws.rds-cpu', 'aws.rds-free-storage', 'aws.rds-replica-lag',
    'aws.elasticache-cpu', 'aws.elasticache-memory', 'aws.elasticache-evictions', 'aws.elasticache-hit-rate',
  ],
  'API response times < 200ms': ['aws.api-latency-p95'],
  'Error rates < 0.1%': ['aws.error-rate', 'aws.burn-rate', 'aws.error-budget'],
} as const;
