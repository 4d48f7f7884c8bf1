import { expect, test } from 'vitest';
import { anchorFrames } from '../../source/ui/app.js';
import { FakeStdout } from './harness.js';

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
