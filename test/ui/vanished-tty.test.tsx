import { render } from 'ink';
import { expect, test } from 'vitest';
import { App } from '../../source/ui/app.js';
import { sampleRows, snapshot, T0 } from './fixtures.js';
import { FakeMonitor, FakeStdout } from './harness.js';
import { TtyStdin } from './tty-stdin.js';

/** A terminal that is already gone: raw mode fails as the kernel says, with EIO. */
class GoneStdin extends TtyStdin {
  override setRawMode(): void {
    throw Object.assign(new Error('setRawMode EIO'), { code: 'EIO' });
  }
}

test('a terminal gone before the screen is up (setRawMode EIO) does not crash the App', async () => {
  const errors: unknown[] = [];
  const stdout = new FakeStdout(80, 24);
  const inst = render(<App monitor={new FakeMonitor(snapshot(sampleRows(1)))} clock={() => T0} />, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: new GoneStdin() as unknown as NodeJS.ReadStream,
    stderr: new FakeStdout(80, 24) as unknown as NodeJS.WriteStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  inst.waitUntilExit().catch((e: unknown) => errors.push(e));
  await new Promise((r) => setTimeout(r, 100));
  expect(errors).toEqual([]);
  expect(stdout.frames.at(-1)).toContain('conn-1');
  inst.unmount();
});
