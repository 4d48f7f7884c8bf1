import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

// Calm output: under runApp's screen host, a change rewrites the cells it touched and an idle
// second writes nothing (bytes, not time, so this holds on any machine). The child runs with
// CI=true on purpose: Ink's own render() draws nothing until exit under CI, and the host must
// not care (the CLI no longer edits its environment before Ink loads).

test('one changed row writes about one line; an idle second writes nothing', () => {
  const child = fileURLToPath(new URL('./calm-child.tsx', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', child], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, CI: 'true' },
  });
  expect(r.stderr).not.toMatch(/error/i);
  const { blankRows, ...bytes } = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<
    string,
    number
  > & { blankRows: number[] };
  // The whole first frame, as a terminal shows it: every one of its 49 rows is drawn but the
  // status line (nothing to say yet), and the terminal's last row is left alone. (Its bytes are
  // fewer than 49 × 200: blank cells at the end of a row are not written.)
  expect(blankRows).toEqual([47, 49]);
  expect(bytes.first).toBeGreaterThan(40 * 100);
  // A 200-cell line with its colours is well under 600 bytes; the header totals may change too.
  expect(bytes.oneRow).toBeGreaterThan(0);
  expect(bytes.oneRow).toBeLessThan(2 * 600);
  expect(bytes.idleSecond).toBe(0);
  // The selection moves: two lines change.
  expect(bytes.keyDown).toBeGreaterThan(0);
  expect(bytes.keyDown).toBeLessThan(3 * 600);
});
