/** What `weekly security` and `maintain access` read from Redis: configuration and ACL users. */
import { TargetError } from '../engine/errors.js';

interface Caller {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}

/** One CONFIG GET value; a server that forbids CONFIG (renamed, or ACL) says so instead of guessing. */
export async function redisConfig(redis: Caller, parameter: string): Promise<string> {
  const reply = (await redis.call('CONFIG', 'GET', parameter)) as string[];
  if (!Array.isArray(reply) || reply.length < 2) throw new TargetError(`CONFIG GET ${parameter}: no such setting on this server`);
  return String(reply[1]);
}

export interface AclUser {
  name: string;
  on: boolean;
  nopass: boolean;
  allCommands: boolean;
  rule: string;
}

/** ACL LIST parsed: `user default on nopass ~* &* +@all`. */
function parseAcl(lines: string[]): AclUser[] {
  return lines.map((rule) => {
    const words = rule.split(' ');
    return {
      name: words[1]!,
      on: words.includes('on'),
      nopass: words.includes('nopass'),
      // +@all with nothing taken away afterwards (`-@dangerous`, `-flushall`) is every command
      allCommands: (words.includes('+@all') || words.includes('allcommands')) && !words.slice(words.indexOf('+@all') + 1).some((w) => w.startsWith('-')),
      rule: rule.replace(/ [#>][0-9a-f]{64}/g, ' #…'),
    };
  });
}

export async function aclUsers(redis: Caller): Promise<AclUser[]> {
  return parseAcl((await redis.call('ACL', 'LIST')) as string[]);
}

/** Commands that wipe data, reconfigure, or stop the server (ACL category @dangerous, the ones that matter most). */
export const DANGEROUS_COMMANDS: string[][] = [
  ['FLUSHALL'], ['FLUSHDB'], ['CONFIG', 'SET', 'dir', '/tmp'], ['SHUTDOWN'], ['DEBUG', 'SLEEP', '0'], ['KEYS', '*'], ['MODULE', 'LIST'],
];
