// The least a Node process can do for the part of `health daily` that is not SQL, as the bench's second
// floor for it: read the day of log (one JSON.parse and one Date.parse a line), hash the backup, have
// pg_restore list it, and send the service its requests one after another on one keep-alive connection.
// No checks, no thresholds, no report: only the work whose cost no implementation escapes.
// Usage: node daily-floor.mjs LOG DUMP PG_RESTORE URL REQUESTS
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, get } from 'node:http';

const [log, dump, pgRestore, url, requests] = process.argv.slice(2);
const listing = new Promise((resolve, reject) => execFile(pgRestore, ['--list', dump], (e, out) => (e ? reject(e) : resolve(out))));
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const request = () => new Promise((resolve, reject) => get(url, { agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject));
const sampled = (async () => { for (let i = 0; i < Number(requests); i++) await request(); agent.destroy(); })();
let errors = 0;
let oldest = Infinity;
for (const line of readFileSync(log, 'utf8').split('\n')) {
  if (!line) continue;
  const o = JSON.parse(line);
  oldest = Math.min(oldest, Date.parse(o.time));
  if (o.status >= 500) errors++;
}
const sha256 = createHash('sha256').update(readFileSync(dump)).digest('hex');
await Promise.all([listing, sampled]);
process.stdout.write(`${errors} ${oldest} ${sha256}\n`);
