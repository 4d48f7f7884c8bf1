import { runApp } from '../../source/ui/app.js';
import { sampleRows, snapshot } from './fixtures.js';
import { FakeMonitor } from './harness.js';
import { TtyStdin } from './tty-stdin.js';

/*
 * A child process for run-app.test.ts: runs the real runApp on this process's stdout (a pipe the
 * test reads) and ends it the way argv[2] says: quit key, SIGTERM, SIGHUP, or a crash.
 */

const mode = process.argv[2];
const stdin = new TtyStdin();
const monitor = new FakeMonitor(snapshot(sampleRows(3)));
const out = process.stdout;
Object.assign(out, { columns: 100, rows: 30 });

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

setTimeout(async () => {
  if (mode === 'quit') {
    // Many frames before quitting: new listings, moves, a view and back.
    for (let i = 0; i < 5; i++) {
      monitor.set(snapshot(sampleRows(3 + i), { version: i + 2 }));
      await wait(80);
      stdin.push(i % 2 ? 'k' : 'j');
      await wait(80);
    }
    console.log('a line from the store \x1b[2J while the screen is up');
    stdin.push('3');
    await wait(80);
    stdin.push('1');
    await wait(150);
    stdin.push('q');
  } else if (mode === 'sigterm') process.kill(process.pid, 'SIGTERM');
  else if (mode === 'sighup') process.kill(process.pid, 'SIGHUP');
  else if (mode === 'crash') throw new Error('boom from a timer');
}, 300);

runApp(monitor, { stdout: out, stdin: stdin as unknown as NodeJS.ReadStream }).then(
  (r) => {
    out.write(`\nRESULT ${JSON.stringify(r)}\n`);
    process.exit(0);
  },
  (e: unknown) => {
    out.write(`\nREJECTED ${e instanceof Error ? e.message : String(e)}\n`);
    // Exit is left to runApp's own crash timer, which is what this proves.
  },
);
