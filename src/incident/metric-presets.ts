import type { GlobalOptions } from '../app/prepare.js';

/** The presets `incident metrics --preset` knows; src/incident/metrics.ts defines each. */
export const METRIC_PRESETS = ['api-latency', 'error-rate', 'requests', 'healthy-hosts', 'db-connections', 'db-cpu', 'db-free-storage', 'replica-lag', 'redis-memory', 'redis-cpu'] as const;
export type MetricPreset = (typeof METRIC_PRESETS)[number];

export interface MetricsFlags extends GlobalOptions {
  preset?: MetricPreset;
  namespace?: string;
  metric?: string;
  dimension?: string[];
  stat?: string;
  period?: number;
  since: number;
  format: 'human' | 'json';
}
