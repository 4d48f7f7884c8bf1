import { EventEmitter } from 'node:events';
import { expect, test } from 'vitest';
import { holdConsole, NotATerminalError, runApp } from '../../source/ui/app.js';
import { snapshot } from './fixtures.js';
import { FakeMonitor, FakeStdout } from './harness.js';

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
