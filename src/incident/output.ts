import { clockFromEnv } from '../engine/clock.js';
import type { Config } from '../engine/config/index.js';
import type { Redactor } from '../engine/redact.js';
import { prepare } from '../app/prepare.js';
import { useColor, write } from '../report/output.js';
import { writeDocument, type Document, type DocumentFormat } from '../report/document.js';
import type { GlobalOptions } from '../app/prepare.js';
import { documentExitCode, investigationDocument, type Investigation, type Section } from './document.js';
import { OUTPUT_SCHEMA_VERSION } from '../engine/output-version.js';
import type { OutputOf } from '../report/schemas.js';

export interface IncidentFlags extends GlobalOptions {
  format: DocumentFormat;
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

export function makeDocument(ctx: IncidentContext, title: string, runbook: string, sections: Section[]): Investigation {
  return { title, runbook, environment: ctx.config.environment ?? null, generatedAt: ctx.now().toISOString(), sections };
}

/** Writes a document in the chosen format. */
export const show = (ctx: IncidentContext, doc: Document): Promise<void> => writeDocument(doc, ctx.flags.format, ctx.redactor, { color: colorFor(ctx.flags) });

/** Prints an investigation in the chosen format (--format json: `json`, else the investigation itself with its schemaVersion) and returns its exit code (3 when a part could not be read). */
export async function printDocument(ctx: IncidentContext, doc: Investigation, json: unknown = { schemaVersion: OUTPUT_SCHEMA_VERSION, ...doc } satisfies OutputOf<'investigation'>): Promise<number> {
  await show(ctx, { ...investigationDocument(doc), json });
  return documentExitCode(doc);
}
