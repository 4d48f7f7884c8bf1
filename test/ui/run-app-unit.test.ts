import { EventEmitter } from 'node:events';
import { expect, test } from 'vitest';
import { anchorFrames, holdConsole, NotATerminalError, runApp } from '../../source/ui/app.js';
import { snapshot } from './fixtures.js';
import { FakeMonitor, FakeStdout } from './harness.js';

test('a frame that starts by moving up to its top starts at the top of the screen instead', () => {
  const out = new FakeStdout(80, 24);
  const anchored = anchorFrames(out as unknown as NodeJS.WriteStream);
  anchored.write('\x1b[22A\x1b[Eline 2\x1b[K\n');
  anchored.write('\x1b[?2026h\x1b[22Aagain');
  // Only a leading move is a frame start; moves inside a frame are left alone.
  anchored.write('text\x1b[3Amore');
  expect(out.frames).toEqual([
    '\x1b[H\x1b[Eline 2\x1b[K\n',
    '\x1b[?2026h\x1b[Hagain',
    'text\x1b[3Amore',
  ]);
  // Everything else is the real stream's.
  expect(anchored.columns).toBe(80);
  let resized = 0;
  anchored.on('resize', () => resized++);
  out.resize(100, 30);
  expect(resized).toBe(1);
  expect(anchored.columns).toBe(100);
});

test('runApp refuses a stdin that is not a terminal, before touching the screen', async () => {
  const out = new FakeStdout(80, 24);
  const stdin = Object.assign(new EventEmitter(), { isTTY: false });
  await expect(
    runApp(new FakeMonitor(snapshot([])), {
      stdout: out as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
    }),
  ).rejects.toBeInstanceOf(NotATerminalError);
  expect(out.frames).toEqual([]);
});

test('console output is held while the screen is up, then printed safely', () => {
  const original = console.log;
  const held = holdConsole();
  try {
    console.log('one', { two: 2 });
    console.error('three\x1b[31m\nfour');
  } finally {
    const err = new FakeStdout(80, 24);
    held.release(err as unknown as NodeJS.WritableStream);
    expect(console.log).toBe(original);
    expect(err.frames).toEqual(['one { two: 2 }\n', 'three\\x1b[31m\n', 'four\n']);
  }
});
