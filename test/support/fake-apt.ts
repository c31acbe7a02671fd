import { chmodSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fake apt on PATH: `apt-get -s upgrade` prints these lines, `apt-config` names this lists directory (as real apt-config does). */
export function fakeApt(inst: string[], lists: { ageDays: number } | 'none'): Record<string, string> {
  const root = mkdtempSync(join(tmpdir(), 'nvcops-apt-'));
  const bin = join(root, 'bin');
  const dir = join(root, 'lists');
  mkdirSync(bin);
  mkdirSync(dir);
  writeFileSync(join(root, 'sim.txt'), ['Reading package lists...', 'Building dependency tree...', ...inst, ''].join('\n'));
  writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\ncat '${join(root, 'sim.txt')}'\n`);
  writeFileSync(join(bin, 'apt-config'), `#!/bin/sh\necho "L='${dir}/'"\n`);
  chmodSync(join(bin, 'apt-get'), 0o755);
  chmodSync(join(bin, 'apt-config'), 0o755);
  if (lists !== 'none') {
    const file = join(dir, 'deb.debian.org_debian-security_dists_bookworm-security_InRelease');
    writeFileSync(file, '');
    const t = (Date.now() - lists.ageDays * 86_400_000) / 1000;
    utimesSync(file, t, t);
  }
  return { PATH: `${bin}:${process.env.PATH}` };
}
