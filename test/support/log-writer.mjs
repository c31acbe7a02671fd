// A process that keeps writing numbered lines to a log, as an application does; with "reopen" it reopens the file on SIGHUP,
// with "ignore" it ignores SIGHUP and keeps writing to the file it opened (a writer whose reopen signal is misconfigured).
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';

const [, , file, pidFile, mode] = process.argv;
let fd = openSync(file, 'a');
let reopen = false;
let stop = false;
let i = 0;
if (mode === 'reopen') process.on('SIGHUP', () => { reopen = true; });
if (mode === 'ignore') process.on('SIGHUP', () => {});
process.on('SIGTERM', () => { stop = true; });
writeFileSync(pidFile, String(process.pid));
const tick = () => {
  if (stop) {
    closeSync(fd);
    process.stdout.write(String(i));
    process.exit(0);
  }
  if (reopen) {
    closeSync(fd);
    fd = openSync(file, 'a');
    reopen = false;
  }
  for (let k = 0; k < 20; k++) writeSync(fd, `line ${++i} ${'x'.repeat(40)}\n`);
  setTimeout(tick, 2);
};
tick();
