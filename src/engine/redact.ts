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
/** `key=value` in a URL query, a conninfo string or an environment listing; a value may be quoted. */
const KEY_VALUE = /(^|[\s?&;,(])([a-z][a-z0-9_.-]*)(\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&#;,'")]+)/gi;
/** scheme://userinfo@ in text: the userinfo runs to the last `@` before the host (it may contain `@` itself). */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/?#\s]*)@/gi;
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
 * (`?password=`, `sslpassword=`, `PGPASSWORD=`), and every secret value learnt from config and
 * environment, raw, percent-encoded and decoded, wherever it appears (inside a longer word too).
 *
 * Secrets shorter than 4 characters are masked only where their place says they are secrets (a URL's
 * userinfo, a password parameter, a secret-looking key in `config check`), not as free text: every
 * "db" or "on" in the output would become *** and the gaps would show the secret anyway.
 */
export class Redactor {
  private readonly secrets = new Set<string>();
  /** The secrets longest first (a shorter one inside a longer one must not split it), sorted when one is added. */
  private longestFirst: string[] = [];

  add(secret: string | undefined): void {
    this.addForms(secret);
    this.longestFirst = [...this.secrets].sort((a, b) => b.length - a.length);
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
    for (const s of this.longestFirst) out = out.split(s).join(MASK);
    out = out.replace(URL_USERINFO, (m, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return colon < 0 ? m : `${scheme}${userinfo.slice(0, colon)}:${MASK}@`;
    });
    return out.replace(KEY_VALUE, (m, pre: string, k: string, eq: string, v: string) =>
      SECRET_PARAM.test(k) && v !== MASK ? `${pre}${k}${eq}${MASK}` : m);
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
