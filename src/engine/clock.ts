import { ConfigError } from './errors.js';

/**
 * "Now" for everything that compares times (SLA timers, --since windows). NVCOPS_NOW pins it to an
 * ISO 8601 instant so overdue and window logic can be tested and replayed without waiting.
 */
export function clockFromEnv(environ: NodeJS.ProcessEnv = process.env): () => Date {
  const pinned = environ.NVCOPS_NOW;
  if (!pinned) return () => new Date();
  const t = Date.parse(pinned);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(pinned) || Number.isNaN(t)) {
    throw new ConfigError(`NVCOPS_NOW: "${pinned}" is not an ISO 8601 time such as 2025-07-01T03:00:00Z`);
  }
  return () => new Date(t);
}
