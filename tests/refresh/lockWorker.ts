/**
 * A child process for the writer lock tests (run with `node --import tsx`):
 *   hold <warehouse> <command>          take the lock, print "ready", keep it until killed
 *   race <warehouse> <log> <go file> <die>  print "ready", wait for the go file, take the lock (waiting),
 *                                       log "enter <pid>" and "exit <pid>" around a short hold, then
 *                                       release it, or with die=1 kill itself with SIGKILL still holding it
 */
import { appendFileSync, existsSync } from 'node:fs';
import { acquireWriterLock } from '../../warehouse/writerLock.js';

const [mode, warehouse, ...rest] = process.argv.slice(2);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

if (mode === 'hold') {
  await acquireWriterLock({ warehousePath: warehouse!, command: rest[0] ?? 'lock test holder', waitMs: 0 });
  process.stdout.write('ready\n');
  setInterval(() => undefined, 60_000);
} else if (mode === 'race') {
  const [log, go, die] = rest as [string, string, string];
  process.stdout.write('ready\n');
  while (!existsSync(go)) await sleep(2);
  // A pause between seeing the dead holder and taking over widens the window in which a naive takeover lets two in.
  const lock = await acquireWriterLock({ warehousePath: warehouse!, command: 'lock race', waitMs: 120_000, pollMs: 3, beforeTakeover: () => sleep(Math.random() * 30) });
  appendFileSync(log, `enter ${process.pid}\n`);
  await sleep(40);
  appendFileSync(log, `exit ${process.pid}\n`);
  if (die === '1') process.kill(process.pid, 'SIGKILL');
  lock.release();
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
