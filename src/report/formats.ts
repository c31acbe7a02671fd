import type { FailOn, RunReport } from '../engine/report.js';

/** The --format values; src/report/index.ts maps each to its renderer (the compiler keeps them in step). */
export const FORMATS = ['human', 'json', 'junit', 'nagios', 'markdown', 'prometheus', 'github', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export interface RenderOptions {
  /** Colours (human only): output.ts `useColor` (--no-color, NO_COLOR, FORCE_COLOR, a terminal). */
  color: boolean;
  /** Columns the human screen wraps within (default 80). */
  width?: number;
  /** --only-problems: the human screen leaves out what passed. */
  onlyProblems?: boolean;
  /** The run's --fail-on (default warn): JUnit shows a warn as a failure when it counts toward the exit code. */
  failOn?: FailOn;
  /** html: the kept runs its charts draw (this command in this environment) and the window they span. */
  trend?: Trend;
  /** html of a fleet: each environment's kept runs, in the order of its reports. */
  trends?: (Trend | undefined)[];
}

/** Kept runs of a command for the HTML report's charts: oldest first, within `from`..`to` (ISO times). */
export interface Trend {
  from: string;
  to: string;
  runs: { at: string; report: RunReport }[];
}

/** A pure renderer of one --format value. */
export type Renderer = (report: RunReport, opts: RenderOptions) => string;
