/**
 * The Document: what every command other than a check run shows (incident documents, lists, the runbook
 * views, the audit trail, backups…), as data: a header, sections, tables, lists and lines, plus the value
 * --format json prints. One renderer per format, in a map the compiler keeps complete.
 */
import { Chalk } from 'chalk';
import { markdownCell, printable } from '../engine/printable.js';
import type { Redactor } from '../engine/redact.js';
import { write } from './output.js';

export const DOCUMENT_FORMATS = ['human', 'json', 'markdown'] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

/** The document format a check command's --format asks for: the same where documents have it, the screen's for junit and nagios. */
export const documentFormatOf = (format: string | undefined): DocumentFormat =>
  (DOCUMENT_FORMATS as readonly (string | undefined)[]).includes(format) ? (format as DocumentFormat) : 'human';

export type Style = 'bold' | 'gray' | 'green' | 'yellow' | 'red' | 'magenta';
/** A line of text, plain or in styled runs (the human screen colours them; other formats show the text). */
export type Text = string | readonly { text: string; style?: Style }[];

/** How a part of an investigation reads: fine, worth a look, could not be read, or not applicable. */
export type SectionState = 'ok' | 'attention' | 'error' | 'skipped';

export type Block =
  /** Lines shown as they are. */
  | { kind: 'paragraph'; lines: Text[] }
  /** A borderless table (`indent` spaces before each line), or a boxed one. */
  | { kind: 'table'; columns: string[]; rows: string[][]; indent?: number; boxed?: boolean }
  /** Verbatim lines (log lines, query text): indented on the screen, fenced in Markdown. */
  | { kind: 'code'; lines: string[] }
  /** A titled part with its state and a one-line summary. */
  | { kind: 'section'; title: string; state: SectionState; summary: string; blocks: Block[] }
  /** Text already laid out (a Markdown report kept on record), the same in every text format. */
  | { kind: 'text'; text: string };

export interface Document {
  /** The first lines: what this is, where and when, and the runbook line it automates. */
  header?: { title: string; environment: string | null; at: string; runbook: string };
  blocks: Block[];
  /** What --format json prints, as the command has always printed it; undefined prints nothing (a part shown on screen only). */
  json: unknown;
}

/** Lines shown as they are (none: nothing shown). */
export const paragraph = (lines: Text[]): Block => ({ kind: 'paragraph', lines });

export interface DocumentOptions {
  /** Colours (human only); false for NO_COLOR, --no-color and non-TTY output. */
  color: boolean;
}

export type DocumentRenderer = (doc: Document, opts: DocumentOptions) => Promise<string>;

const MARK: Record<SectionState, string> = { ok: '✔', attention: '▲', error: '!', skipped: '–' };

const plain = (t: Text): string => (typeof t === 'string' ? printable(t) : t.map((r) => printable(r.text)).join(''));

async function tableText(b: Extract<Block, { kind: 'table' }>): Promise<string> {
  const { default: Table } = await import('cli-table3');
  const borderless = {
    top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
    left: ' '.repeat(b.indent ?? 0), 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '',
  };
  const t = b.boxed
    ? new Table({ head: b.columns, style: { head: [], border: [], compact: true } })
    : new Table({ head: b.columns, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2 }, chars: borderless });
  t.push(...b.rows.map((r) => r.map(printable)));
  return b.boxed ? t.toString() : t.toString().split('\n').map((l) => l.trimEnd()).join('\n');
}

/** For a terminal: the header in bold and grey, each section a marked line with its parts indented below. */
async function human(doc: Document, opts: DocumentOptions): Promise<string> {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const paint: Record<Style, (s: string) => string> = { bold: c.bold, gray: c.gray, green: c.green, yellow: c.yellow, red: c.red, magenta: c.magenta };
  const stateColour: Record<SectionState, Style> = { ok: 'green', attention: 'yellow', error: 'magenta', skipped: 'gray' };
  const styled = (t: Text): string => (typeof t === 'string' ? printable(t) : t.map((r) => (r.style ? paint[r.style] : String)(printable(r.text))).join(''));
  const out: string[] = [];
  const h = doc.header;
  if (h) out.push(c.bold(printable(h.title)) + c.gray(printable(` · ${h.environment ?? 'no environment named'} · ${h.at}`)), c.gray(printable(h.runbook)), '');
  const blocks = async (list: Block[]): Promise<void> => {
    for (const b of list) {
      if (b.kind === 'paragraph') out.push(...b.lines.map(styled));
      else if (b.kind === 'table') out.push(await tableText(b));
      else if (b.kind === 'code') out.push(...b.lines.map((l) => `  ${printable(l)}`));
      else if (b.kind === 'text') out.push(b.text);
      else {
        out.push(`${paint[stateColour[b.state]](MARK[b.state])} ${c.bold(printable(b.title))} — ${printable(b.summary)}`);
        await blocks(b.blocks);
      }
    }
  };
  await blocks(doc.blocks);
  return out.length ? `${out.join('\n')}\n` : '';
}

function markdownLines(list: Block[], level: number): string[] {
  const out: string[] = [];
  for (const b of list) {
    if (b.kind === 'paragraph') out.push(...b.lines.map(plain), '');
    else if (b.kind === 'table') {
      out.push(`| ${b.columns.map(markdownCell).join(' | ')} |`, `|${b.columns.map(() => '---').join('|')}|`);
      for (const r of b.rows) out.push(`| ${r.map(markdownCell).join(' | ')} |`);
      out.push('');
    } else if (b.kind === 'code') out.push('```', ...b.lines.map(printable), '```', '');
    else if (b.kind === 'text') out.push(b.text, '');
    else out.push(`${'#'.repeat(level)} ${printable(b.title)}`, '', `**${b.state}** — ${printable(b.summary)}`, '', ...markdownLines(b.blocks, level + 1));
  }
  return out;
}

/** The Markdown of blocks, sections as headings of `level` (## at the top). */
export const blocksMarkdown = (list: Block[], level = 2): string => markdownLines(list, level).join('\n');

/** For the ops log or the incident record. */
async function markdown(doc: Document): Promise<string> {
  const h = doc.header;
  const head = h ? `# ${printable(h.title)}\n\n${printable(h.runbook)} · environment ${printable(h.environment ?? 'not named')} · ${h.at}\n\n` : '';
  return `${head}${blocksMarkdown(doc.blocks)}`;
}

async function json(doc: Document): Promise<string> {
  return doc.json === undefined ? '' : `${JSON.stringify(doc.json, null, 2)}\n`;
}

export const documentRenderers: Record<DocumentFormat, DocumentRenderer> = { human, json, markdown };

export const renderDocument = (doc: Document, format: DocumentFormat, opts: DocumentOptions): Promise<string> => documentRenderers[format](doc, opts);

/** Renders a document in `format` and writes it through the redactor. */
export async function writeDocument(doc: Document, format: DocumentFormat, redactor: Redactor, opts: DocumentOptions = { color: false }, stream: NodeJS.WriteStream = process.stdout): Promise<void> {
  write(await renderDocument(doc, format, opts), redactor, stream);
}

/** One entry of a stream (`incident logs --follow`): its line of text, or its value as one line of JSON. */
export interface StreamEntry {
  text: string;
  json: unknown;
}

const entryText = (e: StreamEntry): string => `${printable(e.text)}\n`;
export const entryRenderers: Record<DocumentFormat, (e: StreamEntry) => string> = { human: entryText, markdown: entryText, json: (e) => `${JSON.stringify(e.json)}\n` };
