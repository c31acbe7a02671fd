/** The verdict of the checks that compare a server with what the previous run kept (restarts, failovers). */
import type { CheckContext } from '../engine/check.js';
import { formatValue } from '../engine/units.js';
import type { CheckOutput } from '../engine/verdict.js';

/** How long ago `at` was, in words: `40 min`. */
export const ago = (ctx: CheckContext, at: string): string => formatValue(Math.max(0, Math.round((ctx.now().getTime() - Date.parse(at)) / 1000)), 's');

/**
 * Failovers fail; a server that could not be read is `error`; the first run passes with nothing to
 * compare; otherwise the count of restarts is judged by the check's threshold. The facts go with every verdict.
 */
export function restartsVerdict(found: {
  failovers: string[];
  restarts: string[];
  unread?: Error;
  /** When the compared run started; undefined on the first run. */
  previousAt?: string;
  /** What nothing to report is called: `no restart or failover`. */
  nothing: string;
  details: string[];
  facts: Record<string, unknown>;
}): CheckOutput {
  const { failovers, restarts, details, facts } = found;
  const changes = failovers.length + restarts.length;
  if (failovers.length) return { status: 'fail', value: changes, message: [...failovers, ...restarts].join('; '), details, facts };
  if (found.unread) return { status: 'error', message: found.unread.message, details, facts };
  if (!found.previousAt) return { value: 0, message: 'no previous run to compare: the facts seen now are kept for the next run', details, facts };
  return { value: changes, message: restarts.length ? restarts.join('; ') : `${found.nothing} since the last run (${found.previousAt})`, details, facts };
}
