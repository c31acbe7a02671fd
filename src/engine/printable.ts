/**
 * What a terminal acts on instead of showing: C0 controls (ESC starts the sequences that clear the
 * screen or set the window title; a newline forges a line of its own), DEL, C1 controls (U+009B is
 * a one-character CSI), the line and paragraph separators, and the bidirectional overrides and
 * isolates that show text in another order than it is (U+202E).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text from outside nvcops (log lines, query text, server replies, titles and notes people typed)
 * as a person may safely read it: each control character written out as an escape (`\x1b`, `\n`,
 * `\u202e`), so that it shows instead of acting, and the text stays on its line. Backslashes are
 * left as they are (query text and paths are read as written). For the human, text and markdown
 * views; JSON escapes control characters itself.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/** A cell of a Markdown table: shown `printable` (so on one line), its pipes escaped. */
export const markdownCell = (text: string): string => printable(text).replace(/\|/g, '\\|');

/** A copy of a report, document or record with `printable` applied to every string in it, for a renderer to read from; a Date or other instance is kept as it is. */
export function printableDeep<T>(value: T): T {
  if (typeof value === 'string') return printable(value) as T;
  if (Array.isArray(value)) return value.map(printableDeep) as T;
  if (value && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, printableDeep(v)])) as T;
  }
  return value;
}
