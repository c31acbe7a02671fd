/**
 * pgBackRest, driven through its own command (never its repository's files): `info --output=json`,
 * `check`, `verify`, `repo-ls`, each run at most once per run. Secrets (the repository's cipher
 * passphrase) reach it as PGBACKREST_* variables or in its configuration file, never on argv.
 */
import { userInfo } from 'node:os';
import type * as z from 'zod';
import type { pgbackrest as pgbackrestSchema } from '../engine/config/backups.js';
import { ConfigError, TargetError, UnavailableError } from '../engine/errors.js';

export type PgbackrestSettings = z.infer<typeof pgbackrestSchema>;

/** One backup as `pgbackrest info --output=json` lists it. */
export type PgbackrestBackup = {
  label: string;
  type: 'full' | 'diff' | 'incr';
  prior: string | null;
  error?: boolean;
  archive: { start: string | null; stop: string | null };
  database: { id: number; 'repo-key': number };
  info: { size: number; delta: number; repository: { size: number; delta: number } };
  lsn?: { start: string; stop: string };
  /** Unix seconds. */
  timestamp: { start: number; stop: number };
};

export interface PgbackrestStanza {
  name: string;
  status: { code: number; message: string };
  cipher: string;
  repo: { key: number; cipher: string; status: { code: number; message: string } }[];
  db: { id: number; 'repo-key': number; 'system-id': number; version: string }[];
  archive: { id: string; min: string | null; max: string | null; database: { id: number; 'repo-key': number } }[];
  backup: PgbackrestBackup[];
}

/** A WAL segment file in the repository's archive: its name (timeline + segment) and when it arrived. */
export interface ArchivedSegment {
  name: string;
  /** Unix seconds. */
  time: number;
}

interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Lines of progress on stderr (a long restore) are not wanted in the error: only pgBackRest's ERROR lines. */
  allowFailure?: boolean;
}

/** The last `ERROR: [nnn]: ...` line pgBackRest wrote, else the last line of its output. */
export function pgbackrestError(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const error = lines.filter((l) => /\bERROR: \[\d+\]/.test(l)).at(-1);
  return (error ?? lines.at(-1) ?? 'no output').replace(/^.*?\bERROR: /, 'ERROR: ');
}

/** A program run as `user` (runuser -u, when that is not who nvcops runs as): pgBackRest and pg_ctl refuse root. */
export function asUser(user: string | undefined, file: string, args: string[]): { file: string; args: string[] } {
  if (!user || user === userInfo().username) return { file, args };
  if (process.getuid?.() !== 0) throw new ConfigError(`backups.pgbackrest.user: running ${file} as ${user} needs root (runuser); run nvcops as ${user}, or unset backups.pgbackrest.user`);
  return { file: 'runuser', args: ['-u', user, '--', file, ...args] };
}

/** The program and arguments that run `pgbackrest <args>` as the configured OS user with the configured file and stanza. */
export const pgbackrestCommand = (s: PgbackrestSettings, args: string[]): { file: string; args: string[] } =>
  asUser(s.user, 'pgbackrest', [...(s.config ? [`--config=${s.config}`] : []), `--stanza=${s.stanza}`, ...args]);

/** Runs pgbackrest; its failure becomes a TargetError naming the command and pgBackRest's own error line. */
export async function runPgbackrest(s: PgbackrestSettings, args: string[], o: RunOptions): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const { file, args: argv } = pgbackrestCommand(s, args);
  // Loaded here, not with the module: the checks that import this one are registered in every check run (health db too).
  const { execa } = await import('execa');
  const r = await execa(file, argv, { reject: false, timeout: o.timeoutMs, cancelSignal: o.signal, stdin: 'ignore', cwd: '/' });
  const what = `pgbackrest ${args[0]}`;
  if (r.code === 'ENOENT' || (r.exitCode === 127 && file === 'pgbackrest')) throw new UnavailableError(`${what}: pgbackrest not found on PATH: install it (apt-get install pgbackrest)`);
  if (r.timedOut) throw new TargetError(`${what} did not finish within ${Math.round(o.timeoutMs / 1000)} s`);
  if (r.isCanceled) throw new TargetError(`${what} was stopped`);
  if (r.exitCode !== 0 && !o.allowFailure) throw new TargetError(`${what} failed (exit ${r.exitCode}): ${pgbackrestError(`${r.stdout}\n${r.stderr}`)}`);
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? -1 };
}

/** What `pgbackrest verify --output=text` found: its overall status and each line that counts something invalid. */
export interface Verification {
  ok: boolean;
  invalid: number;
  /** The archive and backup lines whose counts are not all 0, with their `missing: …` line. */
  problems: string[];
  output: string;
}

/** Reads verify's text: "status: ok|error", then per archive/backup a line and a `missing: 0, checksum invalid: 0, size invalid: 0, other: 0` line. */
export function readVerification(output: string, exitCode: number): Verification {
  const lines = output.split('\n');
  const problems: string[] = [];
  let invalid = 0;
  lines.forEach((line, i) => {
    const counts = /missing: (\d+), checksum invalid: (\d+), size invalid: (\d+), other: (\d+)/.exec(line);
    if (!counts) return;
    const n = counts.slice(1).reduce((a, x) => a + Number(x), 0);
    if (n > 0) {
      invalid += n;
      problems.push(`${(lines[i - 1] ?? '').trim()}: ${line.trim()}`);
    }
  });
  const ok = exitCode === 0 && /^status: ok$/m.test(output) && invalid === 0;
  return { ok, invalid: ok ? 0 : Math.max(invalid, 1), problems, output };
}

/** pgBackRest for one run: each command run at most once, however many checks ask. */
export class PgbackrestProbe {
  private infoRun?: Promise<PgbackrestStanza>;
  private checkRun?: Promise<void>;
  private verifyRun?: Promise<Verification>;
  private readonly listings = new Map<string, Promise<ArchivedSegment[]>>();
  private windowRun?: Promise<RecoverableWindow | undefined>;

  constructor(readonly settings: PgbackrestSettings) {}

  /** `pgbackrest info --output=json` for the stanza. */
  info(): Promise<PgbackrestStanza> {
    this.infoRun ??= (async () => {
      const { stdout } = await runPgbackrest(this.settings, ['info', '--output=json'], { timeoutMs: 60_000 });
      let all: PgbackrestStanza[];
      try {
        all = JSON.parse(stdout) as PgbackrestStanza[];
      } catch {
        throw new TargetError(`pgbackrest info --output=json: not JSON: ${stdout.slice(0, 200)}`);
      }
      const stanza = all.find((x) => x.name === this.settings.stanza);
      if (!stanza) throw new TargetError(`pgbackrest info: no stanza "${this.settings.stanza}" (backups.pgbackrest.stanza)`);
      // code 1: "missing stanza path"; the rest (no valid backups, mixed) are judged by the checks.
      if (stanza.status.code === 1 || stanza.status.code === 3) throw new TargetError(`pgbackrest info: stanza "${stanza.name}": ${stanza.status.message}`);
      return stanza;
    })();
    return this.infoRun;
  }

  /** `pgbackrest check`: archiving works end to end (a WAL switch reaches every repository) and the configuration is right. */
  check(timeoutMs: number): Promise<void> {
    this.checkRun ??= runPgbackrest(this.settings, ['check'], { timeoutMs }).then(() => undefined);
    return this.checkRun;
  }

  /** `pgbackrest verify`: checksums of every backup file and WAL segment in the repository. */
  verify(timeoutMs: number, signal?: AbortSignal): Promise<Verification> {
    this.verifyRun ??= runPgbackrest(this.settings, ['verify', '--output=text', '--verbose'], { timeoutMs, signal, allowFailure: true })
      .then((r) => readVerification(r.stdout, r.exitCode));
    return this.verifyRun;
  }

  /** The WAL segments (not .backup or .history files) of one archive (`15-1`) in one repository, by `pgbackrest repo-ls`. */
  archivedSegments(repoKey: number, archiveId: string): Promise<ArchivedSegment[]> {
    const key = `${repoKey}/${archiveId}`;
    let p = this.listings.get(key);
    if (!p) {
      p = runPgbackrest(this.settings, ['repo-ls', `--repo=${repoKey}`, '--recurse', '--output=json', `archive/${this.settings.stanza}/${archiveId}`], { timeoutMs: 120_000 })
        .then(({ stdout }) => {
          const entries = JSON.parse(stdout) as Record<string, { type: string; time?: number }>;
          return Object.entries(entries).flatMap(([path, e]) => {
            const m = /(?:^|\/)([0-9A-F]{24})-[0-9a-f]{40}(?:\.\w+)?$/.exec(path);
            return e.type === 'file' && m ? [{ name: m[1]!, time: e.time ?? 0 }] : [];
          }).sort((a, b) => a.name.localeCompare(b.name));
        });
      this.listings.set(key, p);
    }
    return p;
  }

  /**
   * The recoverable window: a point-in-time recovery can reach any moment from the end of the oldest
   * backup (the first consistent point) to the last transaction in the newest archived WAL segment,
   * which committed no later than that segment reached the repository. Read once per run.
   */
  recoverableWindow(): Promise<RecoverableWindow | undefined> {
    this.windowRun ??= (async () => {
      const stanza = await this.info();
      const backups = backupsOf(stanza).filter((b) => !b.error);
      const oldest = backups[0];
      const newest = backups.at(-1);
      const archive = archiveOf(stanza, newest);
      if (!oldest || !newest || !archive?.max) return undefined;
      const segments = await this.archivedSegments(newest.database['repo-key'], archive.id);
      const last = segments.filter((s) => s.name <= archive.max!).at(-1);
      // repo-ls gives whole seconds, truncated: the segment arrived before the next second.
      const to = Math.max(newest.timestamp.stop, (last?.time ?? 0) + 1);
      return { from: new Date(oldest.timestamp.stop * 1000), to: new Date(to * 1000), lastWal: archive.max };
    })();
    return this.windowRun;
  }
}

/** The backups of the stanza, oldest first, as pgBackRest lists them (every repository). */
export const backupsOf = (stanza: PgbackrestStanza): PgbackrestBackup[] => [...stanza.backup].sort((a, b) => a.timestamp.start - b.timestamp.start);

/** The archive of the database the newest backup belongs to, in that backup's repository. */
export function archiveOf(stanza: PgbackrestStanza, backup: PgbackrestBackup | undefined): PgbackrestStanza['archive'][number] | undefined {
  const current = stanza.archive.filter((a) => a.max);
  if (!backup) return current.at(-1);
  return current.find((a) => a.database.id === backup.database.id && a.database['repo-key'] === backup.database['repo-key']) ?? current.at(-1);
}

/** From the oldest backup's start to when the newest archived WAL segment arrived (unix seconds); undefined without a backup. */
export interface RecoverableWindow {
  from: Date;
  to: Date;
  /** The newest archived WAL segment, whose arrival ends the window. */
  lastWal: string;
}

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

/** One line about a backup: label, type, when, sizes, WAL range. */
export function describeBackup(b: PgbackrestBackup): string {
  const prior = b.prior ? `, on ${b.prior}` : '';
  return `${b.label} (${b.type}${prior}) in repo${b.database['repo-key']}, ${iso(b.timestamp.start)} – ${iso(b.timestamp.stop)}, WAL ${b.archive.start ?? '?'} – ${b.archive.stop ?? '?'}`;
}

export const backupTime = iso;
