import { EventEmitter } from 'node:events';
import { App } from '../../source/ui/app.js';
import { renderScreen } from '../../source/ui/host/render.js';
import { ikeRow, sampleRows, snapshot, T0 } from './fixtures.js';
import { FakeMonitor } from './harness.js';
import { TtyStdin } from './tty-stdin.js';
import { replay } from './vt.js';

/*
 * A child process for calm.test.ts: the real App under runApp's screen host on a 200×50
 * "terminal" that counts the bytes written after each change, in a process of its own so no
 * other test's timers share its event loop.
 */

class Tty extends EventEmitter {
  isTTY = true;
  columns = 200;
  rows = 50;
  bytes = 0;
  text = '';
  write = (s: string) => {
    this.bytes += Buffer.byteLength(s);
    this.text += s;
    return true;
  };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rows = sampleRows(100);
const monitor = new FakeMonitor(snapshot(rows));
const out = new Tty();
const stdin = new TtyStdin();
// As runApp does it.
const inst = renderScreen(<App monitor={monitor} clock={() => T0 + 2000} />, {
  stdout: out as unknown as NodeJS.WriteStream,
  stdin: stdin as unknown as NodeJS.ReadStream,
  stderr: process.stderr,
  exitOnCtrlC: false,
});

const result: Record<string, number> = {};
/** Bytes written for one change: wait for output, then for 200 ms of quiet (max 5 s). */
const step = async (name: string, act: () => void) => {
  const before = out.bytes;
  act();
  const deadline = Date.now() + 5000;
  let last = out.bytes;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await wait(20);
    if (out.bytes !== last) {
      last = out.bytes;
      quietSince = Date.now();
    } else if (last > before && Date.now() - quietSince >= 200) break;
  }
  result[name] = out.bytes - before;
};
/** Bytes written while nothing changes, over a span that includes a clock tick. */
const idle = async (name: string, ms: number) => {
  const before = out.bytes;
  await wait(ms);
  result[name] = out.bytes - before;
};

await wait(300);
result.first = out.bytes;
// What a terminal shows after the first frame: which rows have something on them.
const firstScreen = replay(out.text, 200, 50);
const blankRows = firstScreen.flatMap((l, i) => (l.trim() === '' ? [i] : []));
// One CHILD_SA's counters moved: a new row object for that IKE_SA only, as the store does.
await step('oneRow', () => {
  const next = [...rows];
  next[2] = ikeRow(rows[2]!.sa, T0, { in: 123_456, out: 654_321 });
  monitor.set(snapshot(next, { version: 2 }));
});
await idle('idleSecond', 1300);
await step('keyDown', () => stdin.push('j'));
inst.unmount();
process.stdout.write(`${JSON.stringify({ ...result, blankRows })}\n`);
process.exit(0);
