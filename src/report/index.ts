import type { RunReport } from '../engine/report.js';
import { human } from './human.js';
import { json } from './json.js';
import { markdown } from './markdown.js';
import { nagios } from './nagios.js';
import type { Format } from './formats.js';

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

const renderers: Record<Exclude<Format, 'junit'>, Renderer> = { human, json, nagios, markdown };

/** The renderer of a --format value; junit's (and its XML builder) loads only when it is asked for. */
export async function renderer(format: Format): Promise<Renderer> {
  return format === 'junit' ? (await import('./junit.js')).junit : renderers[format];
}
