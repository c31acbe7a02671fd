import { human } from './human.js';
import { json } from './json.js';
import { markdown } from './markdown.js';
import { nagios } from './nagios.js';
import { prometheus } from './prometheus.js';
import { github } from './github.js';
import { html } from './html.js';
import type { Format, Renderer } from './formats.js';

const renderers: Record<Exclude<Format, 'junit'>, Renderer> = { human, json, nagios, markdown, prometheus, github, html };

/** The renderer of a --format value; junit's (and its XML builder) loads only when it is asked for. */
export async function renderer(format: Format): Promise<Renderer> {
  return format === 'junit' ? (await import('./junit.js')).junit : renderers[format];
}
