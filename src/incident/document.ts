import { Chalk } from 'chalk';
import { markdownCell as cell, printable, printableDeep } from '../engine/printable.js';

/** How a section of an investigation reads: fine, worth a look, could not be read, or not applicable. */
export type SectionState = 'ok' | 'attention' | 'error' | 'skipped';

export interface Table {
  head: string[];
  rows: string[][];
}

/** One part of an investigation (a blocking tree, a log summary…): a line, a table, free lines, and the data behind them for --format json. */
export interface Section {
  title: string;
  state: SectionState;
  summary: string;
  table?: Table;
  lines?: string[];
  data?: unknown;
}

export interface Document {
  title: string;
  /** The runbook line the command automates. */
  runbook: string;
  environment: string | null;
  generatedAt: string;
  sections: Section[];
}

const MARK: Record<SectionState, string> = { ok: '✔', attention: '▲', error: '!', skipped: '–' };

/** Exit code of an investigation: 3 when some part could not be read (it must not look clean), else 0. */
export const sectionsExitCode = (sections: Section[]): number => (sections.some((s) => s.state === 'error') ? 3 : 0);
export const documentExitCode = (doc: Document): number => sectionsExitCode(doc.sections);

async function tableText(t: Table): Promise<string> {
  const { default: Table } = await import('cli-table3');
  const table = new Table({
    head: t.head,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2 },
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '  ', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '',
    },
  });
  table.push(...t.rows);
  return table.toString().split('\n').map((l) => l.trimEnd()).join('\n');
}

/** For a terminal at 3 a.m.: one marked line per section, its table or lines indented below. */
export async function renderHuman(shown: Document, opts: { color: boolean }): Promise<string> {
  // Log lines, query text, titles and notes: shown, never acted on by the terminal.
  const doc = printableDeep(shown);
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const paint: Record<SectionState, (s: string) => string> = { ok: c.green, attention: c.yellow, error: c.magenta, skipped: c.gray };
  const out = [c.bold(doc.title) + c.gray(` · ${doc.environment ?? 'no environment named'} · ${doc.generatedAt}`), c.gray(doc.runbook), ''];
  for (const s of doc.sections) {
    out.push(`${paint[s.state](MARK[s.state])} ${c.bold(s.title)} — ${s.summary}`);
    if (s.table && s.table.rows.length) out.push(await tableText(s.table));
    for (const l of s.lines ?? []) out.push(`  ${l}`);
  }
  return `${out.join('\n')}\n`;
}

export function renderSectionsMarkdown(shown: Section[], level = 2): string {
  const sections = printableDeep(shown);
  const h = '#'.repeat(level);
  const out: string[] = [];
  for (const s of sections) {
    out.push(`${h} ${s.title}`, '', `**${s.state}** — ${s.summary}`, '');
    if (s.table && s.table.rows.length) {
      out.push(`| ${s.table.head.map(cell).join(' | ')} |`, `|${s.table.head.map(() => '---').join('|')}|`);
      for (const r of s.table.rows) out.push(`| ${r.map(cell).join(' | ')} |`);
      out.push('');
    }
    if (s.lines?.length) out.push('```', ...s.lines, '```', '');
  }
  return out.join('\n');
}

/** For the ops log or the incident record. */
export function renderMarkdown(doc: Document): string {
  return `# ${printable(doc.title)}\n\n${doc.runbook} · environment ${printable(doc.environment ?? 'not named')} · ${doc.generatedAt}\n\n${renderSectionsMarkdown(doc.sections)}`;
}

export async function renderDocument(doc: Document, format: 'human' | 'json' | 'markdown', color: boolean): Promise<string> {
  if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  if (format === 'markdown') return renderMarkdown(doc);
  return renderHuman(doc, { color });
}
