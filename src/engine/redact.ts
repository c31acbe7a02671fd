/** Keys whose values are secrets wherever they appear in config. */
// A webhook URL carries its credential in the path (Slack: /services/T…/B…/secret).
const SECRET_KEY = /pass(word)?|secret|token|routing.?key|api.?key|credential|webhook/i;
const MASK = '***';

/**
 * Removes secrets from any text before it leaves the process: passwords in URLs
 * (scheme://user:password@host), and every secret value learnt from config and environment.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    // Very short values would mask ordinary words; a 1-3 character secret is a broken secret anyway.
    if (secret && secret.length >= 4) {
      this.secrets.add(secret);
      this.secrets.add(encodeURIComponent(secret));
    }
  }

  /** Learns the password of a URL and every value under a secret-looking key. */
  learn(value: unknown, key = ''): void {
    if (typeof value === 'string') {
      if (SECRET_KEY.test(key)) this.add(value);
      const m = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*?:([^@/\s]+)@/i.exec(value);
      if (m) {
        this.add(m[1]);
        try {
          this.add(decodeURIComponent(m[1]!));
        } catch {
          // a malformed escape is still masked in its raw form
        }
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
    let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/@\s:]*):([^@/\s]+)@/gi, `$1:${MASK}@`);
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(MASK);
    return out;
  }

  /** A deep copy of a value with every secret string masked (for `config check`). */
  applyDeep<T>(value: T, key = ''): T {
    if (typeof value === 'string') return (SECRET_KEY.test(key) ? MASK : this.apply(value)) as T;
    if (Array.isArray(value)) return value.map((v) => this.applyDeep(v, key)) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.applyDeep(v, k)])) as T;
    }
    return value;
  }
}
