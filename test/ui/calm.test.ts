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
  const bytes = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
  // The whole first frame: 49 lines, most of them 150-200 cells of text (columns are as wide
  // as their contents, and the host ends a line's trailing blanks with ESC[K, so not a full
  // 49 × 200); a partial frame is a few lines, far below this.
  expect(bytes.first).toBeGreaterThan(49 * 150);
  // A 200-cell line with its colours is well under 600 bytes; the header totals may change too.
  expect(bytes.oneRow).toBeGreaterThan(0);
  expect(bytes.oneRow).toBeLessThan(2 * 600);
  expect(bytes.idleSecond).toBe(0);
  // The selection moves: two lines change.
  expect(bytes.keyDown).toBeGreaterThan(0);
  expect(bytes.keyDown).toBeLessThan(3 * 600);
});
