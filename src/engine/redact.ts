import { printable } from './printable.js';

/** Keys whose values are secrets wherever they appear in config. */
// A webhook URL carries its credential in the path (Slack: /services/T…/B…/secret).
const SECRET_KEY = /pass(word)?|secret|token|routing.?key|api.?key|credential|webhook/i;
/**
 * Parameter names whose values are masked in any text: `?password=` and `sslpassword=` (libpq takes
 * both in a URL and in a keyword/value conninfo string), `PGPASSWORD=`, `AWS_SECRET_ACCESS_KEY=`,
 * `access_token=`, … Narrower than SECRET_KEY: report text has `passed=3`-like words.
 */
const SECRET_PARAM = /^[a-z0-9_.-]*(password|passwd|secret|token|api[_-]?key|secret[_-]?access[_-]?key)$/i;
/** `key=value` in a URL query, a conninfo string (inside an SQL literal too: ''quoted'') or an environment listing; a value may be quoted. */
const KEY_VALUE = /(^|[\s?&;,('"])([a-z][a-z0-9_.-]*)(\s*=\s*)(''(?:[^'\\]|\\.)*''|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|(?:''|[^\s&#;,'")])+)/gi;
/** `"key": "value"` in a JSON (or Python) object a log line carries; a number, null or boolean is left as it is (JSON stays JSON). */
const QUOTED_KEY = /(["'])([a-z][a-z0-9_.-]*)\1(\s*:\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/gi;
/** scheme://userinfo@ in text: the userinfo runs to the last `@` before the host (it may contain `@` itself). */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/?#\s]*)@/gi;
/**
 * The literal after PASSWORD in SQL (CREATE/ALTER ROLE|USER … [ENCRYPTED] PASSWORD, USER MAPPING OPTIONS (password …)):
 * 'standard' or U&'…' with '' inside, E'escaped', or $tag$dollar-quoted$tag$; a text cut inside it (pg_stat_activity keeps
 * the first track_activity_query_size bytes) is masked to its end.
 */
const SQL_PASSWORD = /(\bPASSWORD\s+)(?:E'(?:[^'\\]|\\[\s\S]|'')*(?:'|$)|(?:U&)?'(?:[^']|'')*(?:'|$)|\$([a-z_][a-z0-9_]*)?\$[\s\S]*?(?:\$\2\$|$))/gi;
const MASK = '***';

/** Secrets shorter than this are not masked as free text (see Redactor). */
const MIN_FREE_TEXT = 4;

/** A coding of a secret, or undefined: a malformed escape, or a lone surrogate, has none (the raw form is still masked). */
const coded = (code: (s: string) => string, s: string): string | undefined => {
  try {
    return code(s);
  } catch {
    return undefined;
  }
};

const unquote = (v: string): string =>
  /^(['"]).*\1$/s.test(v) ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;

/**
 * Where the password of a whole URL value is, as [start, end), the way the drivers (WHATWG URL)
 * read it: the authority runs to the first `/`, `?` or `#`, its userinfo to the last `@` in it, the
 * password from the first `:` of the userinfo. A password with a raw `/` (base64 passwords have
 * them) leaves an authority with no `@` and a port that is not a number: then the userinfo runs to
 * the last `@` before any `?` or `#`. Spaces are allowed: the value is the whole URL.
 */
function urlPasswordSpan(value: string): [number, number] | undefined {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value);
  if (!scheme) return undefined;
  const from = scheme[0].length;
  const rest = value.slice(from);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  let at = authority.lastIndexOf('@');
  if (at < 0) {
    if (/^(\[[^\]]*\]|[^:]*)(:\d+)?$/.test(authority)) return undefined;
    const queryStart = rest.search(/[?#]/);
    at = (queryStart < 0 ? rest : rest.slice(0, queryStart)).lastIndexOf('@');
    if (at < 0) return undefined;
  }
  const colon = rest.slice(0, at).indexOf(':');
  return colon < 0 ? undefined : [from + colon + 1, from + at];
}

/**
 * Removes secrets from any text before it leaves the process: passwords in URLs
 * (scheme://user:password@host, up to the last `@`), values of password/secret/token parameters
 * (`?password=`, `sslpassword=`, `PGPASSWORD=`, JSON keys), SQL PASSWORD literals, and every secret
 * value learnt from config and environment, raw, percent-encoded and decoded, wherever it appears
 * (inside a longer word too). Card numbers are masked where text enters (maskSecrets), not here:
 * counters in a report (bytes, ids) may be 13-19 digits.
 *
 * Secrets shorter than 4 characters are masked only where their place says they are secrets (a URL's
 * userinfo, a password parameter, a secret-looking key in `config check`), not as free text: every
 * "db" or "on" in the output would become *** and the gaps would show the secret anyway.
 */
export class Redactor {
  private readonly secrets = new Set<string>();
  /** The secrets longest first (a shorter one inside a longer one must not split it), sorted when one is added. */
  private longestFirst: string[] = [];
  /**
   * Whether a text holds any secret at all, as one pattern (the secrets' alternation): most texts hold none, and one
   * search for all of them costs a small part of a search for each (a fleet's report has thousands of strings, its
   * redactor the secrets of every environment). Made when first needed after a secret is added.
   */
  private anySecret: RegExp | undefined;

  add(secret: string | undefined): void {
    this.addForms(secret);
    this.longestFirst = [...this.secrets].sort((a, b) => b.length - a.length);
    this.anySecret = undefined;
  }

  private addForms(secret: string | undefined): void {
    if (!secret || secret.length < MIN_FREE_TEXT) return;
    const decoded = coded(decodeURIComponent, secret);
    for (const form of [secret, decoded]) {
      if (form === undefined || form.length < MIN_FREE_TEXT) continue;
      this.secrets.add(form);
      // How a renderer shows one with control characters in it (a tab, an ESC): written out.
      this.secrets.add(printable(form));
      // How a URL serialises it: percent-encoded, spaces as %20 (or + in a form-encoded query).
      const encoded = coded(encodeURIComponent, form);
      if (encoded) for (const e of [encoded, encoded.replace(/%20/g, '+'), coded(encodeURI, form)]) if (e) this.secrets.add(e);
    }
  }

  /** Learns the password of a URL, secret parameters in a URL or conninfo, and every value under a secret-looking key. */
  learn(value: unknown, key = ''): void {
    if (typeof value === 'string') {
      if (SECRET_KEY.test(key)) this.add(value);
      const span = urlPasswordSpan(value);
      if (span) this.add(value.slice(...span));
      for (const [, , k, , v] of value.matchAll(KEY_VALUE)) {
        if (!SECRET_KEY.test(k!)) continue;
        this.add(v);
        this.add(unquote(v!));
        this.add(v!.replace(/\+/g, ' '));
      }
    } else if (Array.isArray(value)) value.forEach((v) => this.learn(v, key));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) this.learn(v, k);
  }

  learnEnvironment(environ: NodeJS.ProcessEnv): void {
    this.add(environ.PGPASSWORD);
    this.add(environ.REDISCLI_AUTH);
    this.add(environ.AWS_SECRET_ACCESS_KEY);
    this.add(environ.AWS_SESSION_TOKEN);
    this.learn(environ.NVCOPS_POSTGRES_URL);
    this.learn(environ.NVCOPS_REDIS_URL);
  }

  apply(text: string): string {
    // Learnt secrets first: a pattern that masked part of one (up to an `@` inside it) would leave the rest.
    let out = text;
    if (this.longestFirst.length && (this.anySecret ??= alternation(this.longestFirst)).test(text)) {
      for (const s of this.longestFirst) out = out.split(s).join(MASK);
    }
    return maskCredentials(out);
  }

  /** A deep copy of a value with every secret string masked (for `config check`). */
  applyDeep<T>(value: T, key = ''): T {
    if (typeof value === 'string') {
      if (SECRET_KEY.test(key)) return MASK as T;
      // The value is a whole URL: its password is known exactly, spaces and all, however short.
      const span = urlPasswordSpan(value);
      const masked = span ? `${value.slice(0, span[0])}${MASK}${value.slice(span[1])}` : value;
      return this.apply(masked) as T;
    }
    if (Array.isArray(value)) return value.map((v) => this.applyDeep(v, key)) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.applyDeep(v, k)])) as T;
    }
    return value;
  }
}

/** A pattern matching each of `literals` (no flags: exactly as written, code unit by code unit). */
const alternation = (literals: string[]): RegExp => new RegExp(literals.map((l) => l.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')).join('|'));

/** A value nvcops already masked (a text masked twice reads the same). */
const isMasked = (v: string) => /^(['"]?)\*\*\*\1$/.test(v);

/**
 * What each credential pattern below needs in a text before it can mask anything: most texts have none (a log line, a
 * report's string, a whole rendered report), and a plain search costs a fraction of running the pattern (the notable
 * lines of a day's log are masked on every health run, a fleet's report of 20 environments as a whole before printing).
 * SECRET_PARAM's words: a key=value or "key": "value" is masked only when its key ends in one of them.
 */
const SQL_PASSWORD_HINT = /password/i;
const SECRET_PARAM_HINT = /password|passwd|secret|token|api[_-]?key/i;

/** Passwords that text shows by its structure: SQL PASSWORD literals, URL userinfo, secret parameters in a query, conninfo or JSON. */
function maskCredentials(text: string): string {
  let out = text;
  if (SQL_PASSWORD_HINT.test(out)) out = out.replace(SQL_PASSWORD, `$1'${MASK}'`);
  if (out.includes('://')) {
    out = out.replace(URL_USERINFO, (m, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return colon < 0 ? m : `${scheme}${userinfo.slice(0, colon)}:${MASK}@`;
    });
  }
  if (!SECRET_PARAM_HINT.test(out)) return out;
  return out
    .replace(KEY_VALUE, (m, pre: string, k: string, eq: string, v: string) => (SECRET_PARAM.test(k) && !isMasked(v) ? `${pre}${k}${eq}${MASK}` : m))
    // JSON stays JSON: the value is masked inside its quotes.
    .replace(QUOTED_KEY, (m, q: string, k: string, sep: string, v: string) =>
      SECRET_PARAM.test(k) && !isMasked(v) ? `${q}${k}${q}${sep}${v[0]}${MASK}${v[0]}` : m);
}

/**
 * Runs of 13-19 digits, optionally grouped by single spaces or dashes, as card numbers are written, starting as a
 * payment network's numbers do (ISO/IEC 7812: Mir 2200-2204, Mastercard 2221-2720, 3-6, RuPay 81-82): epoch times
 * in ms, µs or ns start with 1 and are left alone.
 */
const CARD_CANDIDATE = /(?<![\w.])(?:2[2-7]|[3-6]\d|8[12])(?:[ -]?\d){11,17}(?!\w|\.\d)/g;
const CARD_PREFIX = /^(?:220[0-4]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720|[3-6]|8[12])/;

/** The Luhn (mod 10) check every payment card number passes. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const isCardNumber = (digits: string) => digits.length >= 13 && digits.length <= 19 && CARD_PREFIX.test(digits) && luhnValid(digits);

/**
 * Masks card numbers (PAN) keeping the last four digits, as PCI DSS 3.4 allows for display: 4111 1111 1111 1111 →
 * ************1111. A run of groups is tried whole, then by its longest card-number span of whole groups, so a card
 * followed by another number (`4111 1111 1111 1111 12 items`) is masked too.
 */
function maskCardNumbers(text: string): string {
  return text.replace(CARD_CANDIDATE, (run) => {
    const groups = run.split(/[ -]/);
    const seps = run.match(/[ -]/g) ?? [];
    const out: string[] = [];
    for (let i = 0; i < groups.length;) {
      let end = -1;
      for (let j = groups.length; j > i && end < 0; j--) if (isCardNumber(groups.slice(i, j).join(''))) end = j;
      if (end < 0) {
        out.push(groups[i]!, seps[i] ?? '');
        i++;
        continue;
      }
      const digits = groups.slice(i, end).join('');
      out.push(`${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`, seps[end - 1] ?? '');
      i = end;
    }
    return out.join('');
  });
}

/** Whether a text holds a card number (the PCI log scan counts such lines). */
export const holdsCardNumber = (text: string): boolean => maskCardNumbers(text) !== text;

/**
 * Every secret a query text or log line can carry, masked where the text enters nvcops (pg_stat_activity,
 * pg_stat_statements, server and application logs, Redis slow log and ACL LOG), so no report, history or file sees it:
 * SQL PASSWORD literals, `password=` (inside quotes too), URL userinfo, secret query parameters and JSON keys, card numbers.
 */
export const maskSecrets = (text: string): string => maskCardNumbers(maskCredentials(text));

/** maskSecrets through the fields of a parsed log line: every string, and the whole value under a secret-looking key. */
export function maskSecretFields(value: unknown, key = ''): unknown {
  if (SECRET_PARAM.test(key) && value !== null && value !== undefined && value !== '') return MASK;
  if (typeof value === 'string') return maskSecrets(value);
  if (Array.isArray(value)) return value.map((v) => maskSecretFields(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecretFields(v, k)]));
  return value;
}
