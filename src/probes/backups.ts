import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { programFailure } from '../backups/dump.js';
import type { BackupKind, Manifest } from '../backups/manifest.js';
import { pgProgram } from '../backups/pgtools.js';
import type { Verification } from '../backups/manifest.js';
import { BackupRepository, type Listing } from '../backups/repository.js';

/** What `pg_restore --list` read from a dump's table of contents. */
interface TocReading {
  entries: number;
  /** `schema.table` of every TABLE DATA entry. */
  tableData: Set<string>;
}

/**
 * The backup repository for one run: the listing read once, each backup checksummed and each
 * dump's table of contents read at most once, however many checks ask.
 */
export class BackupsProbe {
  readonly repository: BackupRepository;
  private listing?: Promise<Listing>;
  private readonly integrity = new Map<string, Promise<Verification>>();
  private readonly tocs = new Map<string, Promise<TocReading>>();

  constructor(directory: string) {
    this.repository = new BackupRepository(directory);
  }

  get directory(): string {
    return this.repository.directory;
  }

  list(): Promise<Listing> {
    this.listing ??= this.repository.list();
    return this.listing;
  }

  async newest(kind: BackupKind): Promise<Manifest | undefined> {
    return (await this.list()).backups.filter((b) => b.kind === kind).at(-1);
  }

  /** The newest backup of each kind present, or every backup. */
  async selection(all: boolean): Promise<Manifest[]> {
    const { backups } = await this.list();
    if (all) return backups;
    const newest = new Map<BackupKind, Manifest>();
    for (const b of backups) newest.set(b.kind, b);
    return [...newest.values()];
  }

  check(m: Manifest): Promise<Verification> {
    let p = this.integrity.get(m.id);
    if (!p) this.integrity.set(m.id, (p = this.repository.check(m)));
    return p;
  }

  /** Reads a dump's table of contents with pg_restore --list: proof that pg_restore can read it. */
  toc(m: Manifest, signal?: AbortSignal): Promise<TocReading> {
    let p = this.tocs.get(m.id);
    if (!p) {
      p = (async () => {
        const bin = pgProgram('pg_restore');
        try {
          // node's own execFile, not execa: the morning check should not load a process library for one listing.
          const { stdout } = await promisify(execFile)(bin, ['--list', this.repository.pathOf(m)], { signal, maxBuffer: 100_000_000 });
          const lines = stdout.split('\n').filter((l) => /^\d+;/.test(l));
          // e.g. `3345; 0 16385 TABLE DATA public accounts postgres`
          const tableData = new Set(lines.flatMap((l) => {
            const x = /\bTABLE DATA (\S+) (\S+) /.exec(l);
            return x ? [`${x[1]}.${x[2]}`] : [];
          }));
          return { entries: lines.length, tableData };
        } catch (e) {
          throw programFailure('pg_restore --list', signal?.aborted ? { isCanceled: true } : e);
        }
      })();
      this.tocs.set(m.id, p);
    }
    return p;
  }
}

/** Kind and time (to the second) that backups/repository.ts newBackupId put in a name, for a manifest that cannot be read; undefined for a name of another form. */
export function backupIdParts(name: string): { kind: string; at: number } | undefined {
  const m = /^([a-z]+)-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-/.exec(name);
  return m ? { kind: m[1]!, at: Date.parse(`${m[2]}-${m[3]}-${m[4]}T${m[5]}:${m[6]}:${m[7]}Z`) } : undefined;
}

/**
 * Unreadable manifests that are, or may be, of a `kind` backup taken at or after `than` (any time when undefined):
 * those named as nvcops names backups tell their kind and time; any other may be the newest of the kind.
 */
export function unreadableSince(broken: string[], kind: string, than: { created: string } | undefined): string[] {
  const since = than ? Math.floor(Date.parse(than.created) / 1000) * 1000 : -Infinity;
  return broken.filter((b) => {
    const parts = backupIdParts(b);
    return !parts || (parts.kind === kind && parts.at >= since);
  });
}
