import { readFileSync } from 'node:fs';

/** Polls `probe` every 100 ms until it holds, or fails naming `what` after `ms`. */
export async function until(what: string, probe: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** True once some process holds an established TCP connection to this loopback port (the kernel completes it even for a frozen server). */
export const connectedTo = (port: number): boolean =>
  ['/proc/net/tcp', '/proc/net/tcp6'].some((f) =>
    readFileSync(f, 'utf8').split('\n').slice(1).some((l) => {
      const [, , remote, state] = l.trim().split(/\s+/);
      return state === '01' && Number.parseInt(remote?.split(':')[1] ?? '', 16) === port;
    }));
