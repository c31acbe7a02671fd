import { clockFromEnv } from '../engine/clock.js';
import type { Config } from '../engine/config/index.js';
import type { Redactor } from '../engine/redact.js';
import { prepare } from '../app/prepare.js';
import { useColor, write } from '../report/output.js';
import type { GlobalOptions } from '../app/prepare.js';
import { documentExitCode, renderDocument, type Document, type Section } from './document.js';

export type DocFormat = 'human' | 'json' | 'markdown';

export interface IncidentFlags extends GlobalOptions {
  format: DocFormat;
}

export interface IncidentContext {
  config: Config;
  redactor: Redactor;
  now: () => Date;
  flags: IncidentFlags;
  /** Writes text with secrets redacted. */
  print(text: string, stream?: NodeJS.WriteStream): void;
}

export async function incidentContext(flags: IncidentFlags): Promise<IncidentContext> {
  const now = clockFromEnv();
  const { config, redactor } = await prepare(flags);
  return {
    config, redactor, now, flags,
    print: (text, stream = process.stdout) => write(text, redactor, stream),
  };
}

export const colorFor = (flags: GlobalOptions): boolean => useColor(flags.color);

export function makeDocument(ctx: IncidentContext, title: string, runbook: string, sections: Section[]): Document {
  return { title, runbook, environment: ctx.config.environment ?? null, generatedAt: ctx.now().toISOString(), sections };
}

/** Prints a document in the chosen format and returns its exit code (3 when a part could not be read). */
export async function printDocument(ctx: IncidentContext, doc: Document): Promise<number> {
  ctx.print(await renderDocument(doc, ctx.flags.format, colorFor(ctx.flags)));
  return documentExitCode(doc);
}
