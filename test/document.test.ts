/** The Document every command but a check run shows: one model, one renderer per format. */
import { describe, expect, it } from 'vitest';
import { DOCUMENT_FORMATS, documentFormatOf, documentRenderers, entryRenderers, type Document } from '../src/report/document.js';

const ESC = '\u001b';
const doc: Document = {
  header: { title: 'nvcops incident list', environment: 'prod', at: '2026-01-01T00:00:00.000Z', runbook: 'Incident Response' },
  blocks: [
    { kind: 'paragraph', lines: [`plain${ESC}[2J`, [{ text: 'bad', style: 'red' }, { text: ' | tail' }]] },
    {
      kind: 'section', title: 'Logs', state: 'attention', summary: '2 lines',
      blocks: [{ kind: 'table', columns: ['a', 'b|c'], rows: [['1', 'x|y']], indent: 2 }, { kind: 'code', lines: ['ERROR x'] }],
    },
  ],
  json: { kept: true },
};

describe('a Document', () => {
  it('on a terminal: the header, its lines, each section marked with its table and lines indented; control characters shown, not acted on', async () => {
    expect(await documentRenderers.human(doc, { color: false })).toBe([
      'nvcops incident list · prod · 2026-01-01T00:00:00.000Z',
      'Incident Response',
      '',
      'plain\\x1b[2J',
      'bad | tail',
      '▲ Logs — 2 lines',
      '  a  b|c',
      '  1  x|y',
      '  ERROR x',
      '',
    ].join('\n'));
    const coloured = await documentRenderers.human(doc, { color: true });
    expect(coloured).toContain(`${ESC}[31mbad${ESC}[39m | tail`);
    expect(coloured).toContain(`${ESC}[33m▲${ESC}[39m ${ESC}[1mLogs${ESC}[22m — 2 lines`);
    expect(coloured).not.toContain(`${ESC}[2J`);
  });

  it('in Markdown: sections as headings, tables with their pipes escaped, lines fenced', async () => {
    expect(await documentRenderers.markdown(doc, { color: false })).toBe([
      '# nvcops incident list',
      '',
      'Incident Response · environment prod · 2026-01-01T00:00:00.000Z',
      '',
      'plain\\x1b[2J',
      'bad | tail',
      '',
      '## Logs',
      '',
      '**attention** — 2 lines',
      '',
      '| a | b\\|c |',
      '|---|---|',
      '| 1 | x\\|y |',
      '',
      '```',
      'ERROR x',
      '```',
      '',
    ].join('\n'));
  });

  it('in JSON: the value the command has always printed, and nothing for a part shown on the screen only', async () => {
    expect(await documentRenderers.json(doc, { color: false })).toBe('{\n  "kept": true\n}\n');
    const screenOnly: Document = { blocks: [{ kind: 'paragraph', lines: ['sent'] }], json: undefined };
    expect(await documentRenderers.json(screenOnly, { color: false })).toBe('');
    expect(await documentRenderers.human(screenOnly, { color: false })).toBe('sent\n');
  });

  it('shows nothing at all when it holds nothing, in every format', async () => {
    for (const format of DOCUMENT_FORMATS) expect(await documentRenderers[format]({ blocks: [], json: undefined }, { color: false })).toBe('');
  });

  it('takes a check command\'s --format: its own where a document has it, the screen\'s for junit and nagios', () => {
    expect(['human', 'json', 'markdown', 'junit', 'nagios', undefined].map(documentFormatOf)).toEqual(['human', 'json', 'markdown', 'human', 'human', 'human']);
  });

  it('streams entries one line each: text shown printable, or one line of JSON', () => {
    const entry = { text: `a${ESC}]0;x`, json: { line: 'a' } };
    expect(entryRenderers.human(entry)).toBe('a\\x1b]0;x\n');
    expect(entryRenderers.json(entry)).toBe('{"line":"a"}\n');
  });
});
