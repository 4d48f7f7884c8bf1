import { EventEmitter } from 'node:events';
import { Box, Text } from 'ink';
import { renderScreen } from '../../source/ui/host/render.js';
import { TtyStdin } from './tty-stdin.js';

/*
 * A child process for host.test.ts (run with --expose-gc): draws 20,000 frames, each with a
 * line never seen before, and prints how much heap stayed after a full collection.
 */

class Tty extends EventEmitter {
  isTTY = true;
  columns = 200;
  rows = 10;
  write = () => true;
}

const gc = (globalThis as { gc?: () => void }).gc!;
const frame = (k: number) => (
  <Box flexDirection="column" width={200}>
    <Text wrap="truncate-end">{`\x1b[1mheader\x1b[0m updated ${k}s ago ${'·'.repeat(150)}`}</Text>
    <Text wrap="truncate-end">a line that stays</Text>
  </Box>
);
const screen = renderScreen(frame(0), {
  stdout: new Tty() as unknown as NodeJS.WriteStream,
  stdin: new TtyStdin() as unknown as NodeJS.ReadStream,
  stderr: new Tty() as unknown as NodeJS.WriteStream,
  exitOnCtrlC: false,
});
const tick = () => new Promise((r) => setImmediate(r));
for (let k = 1; k <= 1000; k++) screen.rerender(frame(k));
await tick();
gc();
const before = process.memoryUsage().heapUsed;
for (let k = 1001; k <= 21_000; k++) {
  screen.rerender(frame(k));
  if (k % 100 === 0) await tick();
}
await tick();
gc();
const grown = process.memoryUsage().heapUsed - before;
screen.unmount();
process.stdout.write(`${JSON.stringify({ grown })}\n`);
process.exit(0);
