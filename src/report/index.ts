import type { RunReport } from '../engine/report.js';
import { human } from './human.js';
import { json } from './json.js';
import { junit } from './junit.js';
import { markdown } from './markdown.js';
import { nagios } from './nagios.js';
import type { Format } from './formats.js';

export interface RenderOptions {
  /** Colours (human only); false for NO_COLOR, --no-color and non-TTY output. */
  color: boolean;
}

/** Pure renderers keyed by their --format value. */
export type Renderer = (report: RunReport, opts: RenderOptions) => string;

export const renderers: Record<Format, Renderer> = { human, json, junit, nagios, markdown };
