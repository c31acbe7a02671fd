import type { RunReport } from '../engine/report.js';

/** The --format values; src/report/index.ts maps each to its renderer (the compiler keeps them in step). */
export const FORMATS = ['human', 'json', 'junit', 'nagios', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

export interface RenderOptions {
  /** Colours (human only); false for NO_COLOR, --no-color and non-TTY output. */
  color: boolean;
  /** Columns the human screen wraps within (default 80). */
  width?: number;
  /** --only-problems: the human screen leaves out what passed. */
  onlyProblems?: boolean;
}

/** A pure renderer of one --format value. */
export type Renderer = (report: RunReport, opts: RenderOptions) => string;
