import type { Block, Document, SectionState } from '../report/document.js';
import { blocksMarkdown, renderDocument } from '../report/document.js';

export type { SectionState };

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

/** An investigation as recorded: --format json prints it as it is. */
export interface Investigation {
  title: string;
  /** The runbook line the command automates. */
  runbook: string;
  environment: string | null;
  generatedAt: string;
  sections: Section[];
}

/** Exit code of an investigation: 3 when some part could not be read (it must not look clean), else 0. */
export const sectionsExitCode = (sections: Section[]): number => (sections.some((s) => s.state === 'error') ? 3 : 0);
export const documentExitCode = (doc: Investigation): number => sectionsExitCode(doc.sections);

/** Each part a section: its table (when it has rows) and its lines below its summary. */
export const sectionBlocks = (sections: Section[]): Block[] => sections.map((s) => ({
  kind: 'section', title: s.title, state: s.state, summary: s.summary,
  blocks: [
    ...(s.table && s.table.rows.length ? [{ kind: 'table' as const, columns: s.table.head, rows: s.table.rows, indent: 2 }] : []),
    ...(s.lines?.length ? [{ kind: 'code' as const, lines: s.lines }] : []),
  ],
}));

export const investigationDocument = (doc: Investigation): Document => ({
  header: { title: doc.title, environment: doc.environment, at: doc.generatedAt, runbook: doc.runbook },
  blocks: sectionBlocks(doc.sections),
  json: doc,
});

/** For a terminal at 3 a.m.: one marked line per section, its table or lines indented below. */
export const renderHuman = (doc: Investigation, opts: { color: boolean }): Promise<string> => renderDocument(investigationDocument(doc), 'human', opts);

export const renderSectionsMarkdown = (sections: Section[], level = 2): string => blocksMarkdown(sectionBlocks(sections), level);
