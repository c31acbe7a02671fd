import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { TargetError } from './errors.js';

/** What a path is when it is not a regular file, in words; undefined for a regular file. */
function notRegular(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** Throws naming the path and what it is unless `st` is a regular file. */
export function refuseNotRegular(path: string, st: Stats): void {
  const kind = notRegular(st);
  if (kind) throw new TargetError(`${path} is ${kind}, not a regular file: nvcops does not read it`);
}

/**
 * Opens a file nvcops reads (a log, a dump) only when it is a regular file, a symlink followed to
 * one included: a FIFO would block the reader forever and a device never ends. Opened O_NONBLOCK so
 * a path swapped for a FIFO after the stat cannot block the open either; fstat confirms what opened.
 */
export async function openRegular(path: string): Promise<FileHandle> {
  refuseNotRegular(path, await stat(path));
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    refuseNotRegular(path, await fh.stat());
  } catch (e) {
    await fh.close();
    throw e;
  }
  return fh;
}
