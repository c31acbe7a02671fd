/** The run history the monthly reviews and the compliance controls look back on: kept runs in this environment. */
import type { HistoryEntry, Store } from '../state/store.js';

const DAY_MS = 86_400_000;

/** Which kept runs a check reads; always this run's environment and up to its clock. */
export interface RunsFilter {
  command?: string;
  /** Runs that include this check id. */
  check?: string;
  /** Since this many days before the run's clock, or since a fixed time. */
  days?: number;
  since?: Date;
  /** The newest N. */
  limit?: number;
}

/**
 * Kept check runs in this environment up to the run's clock, oldest first: each filter read once per
 * run (one HistoryProbe per Probes), however many of the review's checks ask. The clock is read at the
 * first asking, so it is not part of what makes two askings the same.
 */
export class HistoryProbe {
  private readonly reads = new Map<string, Promise<HistoryEntry[]>>();

  constructor(
    private readonly store: () => Promise<Store>,
    private readonly environment: string | null,
  ) {}

  runs(filter: RunsFilter, now: Date): Promise<HistoryEntry[]> {
    const key = JSON.stringify([filter.command, filter.check, filter.days, filter.since, filter.limit]);
    let read = this.reads.get(key);
    if (!read) {
      const at = now.getTime();
      const since = filter.days === undefined ? filter.since : new Date(at - filter.days * DAY_MS);
      read = this.store().then((store) =>
        store.history.list({ command: filter.command, check: filter.check, since, limit: filter.limit, environment: this.environment, until: new Date(at + 1) }));
      this.reads.set(key, read);
    }
    return read;
  }

  /** Runs of `command` in the configured environment since `days` before `now`, oldest first. */
  runsOf(command: string, days: number, now: Date): Promise<HistoryEntry[]> {
    return this.runs({ command, days }, now);
  }

  /**
   * The facts `check` kept in the newest run of this environment that has them (any command that ran it),
   * with when that run started; undefined on the first run. A run where the check erred kept none: the one before answers.
   */
  async previousFacts(check: string, now: Date): Promise<{ at: string; facts: Record<string, unknown> } | undefined> {
    const factsOf = (runs: HistoryEntry[]) => {
      for (const run of [...runs].reverse()) {
        const facts = run.report.items.flatMap((i) => i.results).find((r) => r.id === check)?.facts;
        if (facts && typeof facts === 'object') return { at: run.at, facts };
      }
      return undefined;
    };
    // The newest run nearly always has them: the 20 before it are read (and parsed) only when it has none.
    return factsOf(await this.runs({ check, limit: 1 }, now)) ?? factsOf(await this.runs({ check, limit: 20 }, now));
  }

  /** The newest run of `command` in the configured environment, however old. */
  async lastRunOf(command: string, now: Date): Promise<HistoryEntry | undefined> {
    return (await this.runs({ command, limit: 1 }, now)).at(-1);
  }
}
