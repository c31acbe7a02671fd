/** What `maintain security-updates` (security_updates.sh) and weekly security read from apt: pending upgrades as apt simulates them, and its lists' age. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One `apt-get -s …` run, or the Error when apt-get could not be started (not Debian or Ubuntu). */
export type AptSimulation = { exitCode?: number; code?: string; stdout: string; stderr: string } | Error;

/** apt as this host has it, each command run once per run. */
export class AptProbe {
  private readonly simulations = new Map<string, Promise<AptSimulation>>();
  private listsDir?: Promise<string>;

  /** `apt-get -s <args>`: a simulation, which changes nothing and takes no lock. */
  simulate(args: string[]): Promise<AptSimulation> {
    const key = args.join(' ');
    let run = this.simulations.get(key);
    if (!run) {
      run = import('execa').then(({ execa }) =>
        execa('apt-get', ['-s', '-o', 'Debug::NoLocking=1', ...args], { reject: false, env: { LC_ALL: 'C' } }).catch((e: Error) => e));
      this.simulations.set(key, run);
    }
    return run;
  }

  /** Where apt keeps its package lists, and how long ago (ms before `now`) it last refreshed them: undefined when it has none. */
  async lists(now: Date): Promise<{ dir: string; age?: number }> {
    this.listsDir ??= aptListsDir();
    const dir = await this.listsDir;
    return { dir, age: aptListsAge(now, dir) };
  }
}

export interface AptUpgrade {
  name: string;
  from: string;
  to: string;
  origin: string;
  security: boolean;
  /** Left out by `apt-get upgrade` (kept back): it needs new packages or removals, or is held with apt-mark hold. */
  heldBack?: true;
}

/** `apt-get -s upgrade` lines: `Inst libssl3 [3.0.17-1~deb12u2] (3.0.17-1~deb12u3 Debian-Security:12/stable-security [amd64])`. */
export function parseAptSimulation(text: string): AptUpgrade[] {
  return text.split('\n').flatMap((line) => {
    const m = /^Inst (\S+) \[([^\]]+)\] \((\S+) (.+?) \[[^\]]+\]\)/.exec(line);
    if (!m) return [];
    return [{ name: m[1]!, from: m[2]!, to: m[3]!, origin: m[4]!, security: /security/i.test(m[4]!) }];
  });
}

/** The packages `apt-get -s upgrade` keeps back: `The following packages have been kept back:` then indented names. */
export function parseKeptBack(text: string): string[] {
  const m = /^The following packages have been kept back:\n((?: .*(?:\n|$))+)/m.exec(text);
  return m ? m[1]!.trim().split(/\s+/) : [];
}

/** Where apt keeps its package lists, as apt itself is configured (`apt-config`, honouring APT_CONFIG); the Debian default otherwise. */
async function aptListsDir(): Promise<string> {
  const { execa } = await import('execa');
  const r = await execa('apt-config', ['shell', 'L', 'Dir::State::lists/d'], { reject: false, env: { LC_ALL: 'C' } }).catch(() => undefined);
  const m = r && r.exitCode === 0 ? /^L='(.+)'$/m.exec(r.stdout) : null;
  return m ? m[1]! : '/var/lib/apt/lists';
}

/** How long ago apt last refreshed its package lists (the newest list or Release file in the lists directory), or undefined when it has none. */
function aptListsAge(now: Date, dir: string): number | undefined {
  if (!existsSync(dir)) return undefined;
  const times = readdirSync(dir).filter((f) => /_(Packages(\.\w+)?|Release|InRelease)$/.test(f)).map((f) => statSync(join(dir, f)).mtimeMs);
  return times.length ? now.getTime() - Math.max(...times) : undefined;
}

