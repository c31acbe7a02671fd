/** The parts of pg's own `pgpass` module (libpq's password file rules) that nvcops uses; it ships no types. */
declare module 'pgpass/lib/helper.js' {
  import type { Stats } from 'node:fs';
  import type { Readable } from 'node:stream';
  interface ConnInfo { host?: string; port?: number | string; database?: string; user?: string }
  const helper: {
    getFileName(env?: NodeJS.ProcessEnv): string;
    /** Plain file, mode 0600 or less (warns on stderr otherwise, as libpq does), and PGPASSWORD unset. */
    usePgPass(stats: Stats, file: string): boolean;
    getPassword(connInfo: ConnInfo, stream: Readable, cb: (password: string | undefined) => void): void;
  };
  export default helper;
}
