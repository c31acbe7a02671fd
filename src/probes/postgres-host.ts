import { readFile, realpath, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { TargetError } from '../engine/errors.js';
import type { PostgresProbe } from './postgres.js';

/**
 * The database host's own resources are seen only where nvcops runs on it: the server names its data
 * directory (data_directory, which pg_monitor may read), and the postmaster.pid found there must be
 * this server's — the start time and port it records equal the server's own. Anything else is
 * another machine (or another cluster) and is never taken for it.
 */
async function localDataDirectory(server: PostgresProbe): Promise<{ dataDir: string; walDir: string }> {
  const [row] = await server.query<{ data_directory: string; port: string; started: string }>(
    `SELECT current_setting('data_directory') AS data_directory, current_setting('port') AS port, floor(extract(epoch FROM pg_postmaster_start_time()))::bigint AS started`,
  );
  const dataDir = row!.data_directory;
  let pid: string;
  try {
    pid = await readFile(join(dataDir, 'postmaster.pid'), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES') throw new TargetError(`cannot read ${dataDir}/postmaster.pid of ${server.name} (${server.address}): run nvcops on the database host as the postgres OS user (or root) to see its disks and memory`);
    throw new TargetError(`${server.name} (${server.address}) keeps its data in ${dataDir}, which is not on this host: run nvcops on the database host to see its disks and memory (on RDS: aws.rds-free-storage)`);
  }
  const [, , started, port] = pid.split('\n');
  if (Number(started) !== Number(row!.started) || Number(port) !== Number(row!.port)) {
    throw new TargetError(`${dataDir}/postmaster.pid on this host belongs to another server than ${server.name} (${server.address}): run nvcops on the database host to see its disks and memory`);
  }
  return { dataDir, walDir: await realpath(join(dataDir, 'pg_wal')) };
}

/** A filesystem's use as df reports it: used of what a non-root user could fill (used + available). */
async function diskUse(path: string): Promise<{ usedPercent: number; used: number; size: number; available: number }> {
  const s = await statfs(path);
  const used = (s.blocks - s.bfree) * s.bsize;
  const available = s.bavail * s.bsize;
  return { usedPercent: used + available > 0 ? (100 * used) / (used + available) : 0, used, size: s.blocks * s.bsize, available };
}

/** /proc/meminfo in bytes: MemTotal, MemAvailable, SwapTotal, SwapFree. */
async function memoryInfo(): Promise<Record<string, number>> {
  const text = await readFile('/proc/meminfo', 'utf8').catch(() => {
    throw new TargetError('/proc/meminfo cannot be read: memory is seen on Linux only');
  });
  return Object.fromEntries([...text.matchAll(/^(\w+):\s+(\d+)(?: kB)?$/gm)].map((m) => [m[1]!, Number(m[2]) * (m[0].endsWith('kB') ? 1024 : 1)]));
}

/** The primary's host as checks see it: its directories and memory read once per run, a filesystem's use once per path. */
export class PostgresHostProbe {
  private directories?: Promise<{ dataDir: string; walDir: string }>;
  private meminfo?: Promise<Record<string, number>>;
  private readonly disks = new Map<string, ReturnType<typeof diskUse>>();

  constructor(private readonly server: () => PostgresProbe) {}

  dataDirectory(): Promise<{ dataDir: string; walDir: string }> {
    this.directories ??= localDataDirectory(this.server());
    return this.directories;
  }

  memory(): Promise<Record<string, number>> {
    this.meminfo ??= memoryInfo();
    return this.meminfo;
  }

  disk(path: string): ReturnType<typeof diskUse> {
    if (!this.disks.has(path)) this.disks.set(path, diskUse(path));
    return this.disks.get(path)!;
  }
}
