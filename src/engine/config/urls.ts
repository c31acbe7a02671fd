/** Checked on the loaded configuration, not in the schema: the key named is the one in use (NVCOPS_POSTGRES_URL, not an environment's copy), and other environments may hold unset ${VAR}s. */
import { accessSync, constants, statSync } from 'node:fs';
import { ConfigError } from '../errors.js';

export function checkUrl(url: string, protocols: string[], field: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${field}: not a URL; use ${protocols[0]}//user@host:port/...`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${field}: scheme ${parsed.protocol} is not allowed; use ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  // The drivers and pg_dump's environment decode these (%40 is @); a % that starts no escape makes them throw, naming nothing. The value is never quoted: it may be a secret.
  for (const [part, text] of [['user name', parsed.username], ['password', parsed.password], ['database name', parsed.pathname]] as const) {
    try {
      decodeURIComponent(text);
    } catch {
      throw new ConfigError(`${field}: the ${part} is not valid percent-encoding; write a % in it as %25`);
    }
  }
  if (parsed.protocol.startsWith('postgres')) checkPostgresTls(parsed.searchParams, field);
}

/** libpq's sslmode values (node-postgres also takes no-verify). */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

/** The TLS parameters of a PostgreSQL URL, checked before anything connects: the driver would only fail on them at connect time, naming no key. */
export function checkPostgresTls(params: URLSearchParams, field: string): void {
  const mode = params.get('sslmode');
  if (mode !== null && !SSL_MODES.includes(mode)) throw new ConfigError(`${field}: sslmode ${mode} is not one of ${SSL_MODES.join(', ')}`);
  for (const key of ['sslrootcert', 'sslcert', 'sslkey']) {
    const path = params.get(key);
    if (path !== null) checkReadableFile(path, `${field}: ${key}`);
  }
}

/** A certificate or key file the TLS client reads at connect time, checked now so that the error names its setting. */
export function checkReadableFile(path: string, setting: string): void {
  try {
    if (!statSync(path).isFile()) throw new Error('is not a regular file');
    accessSync(path, constants.R_OK);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (e as NodeJS.ErrnoException).code === 'EACCES' ? 'is not readable by this user' : (e as Error).message;
    throw new ConfigError(`${setting} ${path} ${reason}`);
  }
}
