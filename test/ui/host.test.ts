import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Box, Text } from 'ink';
import { createElement as h, type ReactNode } from 'react';
import { expect, test } from 'vitest';
import { blankCells, paintCells } from '../../source/ui/host/cells.js';
import { LineWriter } from '../../source/ui/host/line-writer.js';
import { renderScreen } from '../../source/ui/host/render.js';
import { FakeStdout } from './harness.js';
import { TtyStdin } from './tty-stdin.js';
import { replay } from './vt.js';

/*
 * The screen host (source/ui/host): what it writes is what changed, and the screen a terminal
 * shows after many frames is the React tree's.
 */

const tick = () => new Promise((r) => setImmediate(r));

function mount(node: ReactNode, columns = 40, rows = 6) {
  const out = new FakeStdout(columns, rows);
  const screen = renderScreen(node, {
    stdout: out as unknown as NodeJS.WriteStream,
    stdin: new TtyStdin() as unknown as NodeJS.ReadStream,
    stderr: out as unknown as NodeJS.WriteStream,
    exitOnCtrlC: false,
  });
  return { out, screen, seen: () => replay(out.frames.join(''), out.columns, out.rows) };
}

const Lines = ({ lines, width = 40 }: { lines: string[]; width?: number }) =>
  h(
    Box,
    { flexDirection: 'column', width },
    lines.map((l, i) => h(Text, { key: i, wrap: 'truncate-end' }, l)),
  );

test('the first frame clears the screen and draws every line where the layout puts it', async () => {
  const { out, screen, seen } = mount(h(Lines, { lines: ['one', 'two', ' ', 'four'] }));
  await tick();
  expect(out.frames).toHaveLength(1);
  expect(out.frames[0]).toContain('\x1b[H\x1b[2J');
  expect(seen().slice(0, 4)).toEqual(['one', 'two', '', 'four']);
  screen.unmount();
});

test('an unchanged frame writes nothing; a clock tick writes only the cells that tick', async () => {
  const row = (s: number) => `updated ${s}s ago · every 2s`;
  const lines = (s: number) => ['header', row(s), 'a row that does not change'];
  const { out, screen, seen } = mount(h(Lines, { lines: lines(9) }));
  await tick();
  screen.rerender(h(Lines, { lines: lines(9) }));
  await tick();
  expect(out.frames).toHaveLength(1);
  screen.rerender(h(Lines, { lines: lines(10) }));
  await tick();
  expect(out.frames).toHaveLength(2);
  // "9s" becomes "10s": the digits and what moved after them, after one cursor move to row 2.
  const tickBytes = out.frames[1]!.replace(/\x1b\[\?2026[hl]/g, '');
  expect(tickBytes.startsWith('\x1b[2;9H10s ago · every 2s')).toBe(true);
  expect(tickBytes.length).toBeLessThan(40);
  expect(seen().slice(0, 3)).toEqual(lines(10));
  screen.unmount();
});

test('colours survive and a shorter line erases what the longer one left', async () => {
  const red = '\x1b[31mred\x1b[0m';
  const { out, screen, seen } = mount(h(Lines, { lines: [`${red} and plain text`] }));
  await tick();
  screen.rerender(h(Lines, { lines: [`${red} and`] }));
  await tick();
  expect(out.frames[0]).toContain('\x1b[31mred');
  expect(out.frames[1]).toContain('\x1b[K');
  expect(seen()[0]).toBe('red and');
  screen.unmount();
});

test('nothing but colours reaches the terminal from a line: no cursor moves, no controls', async () => {
  const hostile = 'a\x1b[2J\x1b]0;title\x07b\x07c\rd\x1b[5Ae\x9bf';
  const { out, screen, seen } = mount(h(Lines, { lines: [hostile] }));
  await tick();
  const written = out.frames.join('');
  // Only the host's own sequences: clear, cursor position, sync, erase.
  const escapes = written.match(/\x1b\[[?\d;]*[A-Za-z]/g) ?? [];
  expect(escapes.filter((e) => !/^\x1b\[(H|2J|1;1H|\?2026[hl]|K)$/.test(e))).toEqual([]);
  expect(written).not.toMatch(/[\x07\r\x9b]|\x1b\]/);
  expect(seen()[0]).toBe('abcdef');
  screen.unmount();
});

test('a line wider than its box is cut with an ellipsis, as truncate-end does', () => {
  const cells = blankCells(8);
  paintCells(cells, 0, 8, 'abcdefghijk');
  expect(cells.chars.join('')).toBe('abcdefg…');
  const wide = blankCells(6);
  paintCells(wide, 0, 6, '漢字漢字');
  // Two wide characters fit; the third would cross the edge, so the last cell is the ellipsis.
  expect(wide.chars).toEqual(['漢', '', '字', '', '…', ' ']);
});

test('after a resize the screen is cleared and drawn whole at the new width', async () => {
  const { out, screen, seen } = mount(h(Lines, { lines: ['x'.repeat(30), 'second'] }));
  await tick();
  out.resize(20, 6);
  screen.rerender(h(Lines, { lines: ['x'.repeat(30), 'second'], width: 20 }));
  await tick();
  const last = out.frames.at(-1)!;
  expect(last).toContain('\x1b[H\x1b[2J');
  expect(seen().slice(0, 2)).toEqual([`${'x'.repeat(19)}…`, 'second']);
  screen.unmount();
});

test('only the rows that changed are written, each as one short run', () => {
  const w = new LineWriter(20, 4);
  w.frame([[{ x: 0, width: 20, text: 'aaaa' }], [{ x: 0, width: 20, text: 'bbbb' }]]);
  const next = w.frame([[{ x: 0, width: 20, text: 'aaaa' }], [{ x: 0, width: 20, text: 'bXbb' }]]);
  // One row's change needs no synchronized update.
  expect(next).toBe('\x1b[2;2HX');
  // Rows gone from the frame are erased.
  expect(w.frame([[{ x: 0, width: 20, text: 'aaaa' }]])).toBe('\x1b[2;1H\x1b[K');
});

test('a frame the fast path cannot draw (a border) is drawn by Ink and still diffed', async () => {
  const boxed = (t: string) => h(Box, { borderStyle: 'single', width: 12 }, h(Text, null, t));
  const { out, screen, seen } = mount(boxed('inside'));
  await tick();
  expect(seen().slice(0, 3)).toEqual(['┌──────────┐', '│inside    │', '└──────────┘']);
  screen.rerender(boxed('insidE'));
  await tick();
  expect(out.frames.at(-1)).toBe('\x1b[2;7HE');
  screen.unmount();
});

test('unmounting settles waitUntilExit; an error passed rejects it', async () => {
  const a = mount(h(Lines, { lines: ['a'] }));
  a.screen.unmount();
  await expect(a.screen.waitUntilExit()).resolves.toBeUndefined();
  const b = mount(h(Lines, { lines: ['b'] }));
  b.screen.unmount(new Error('boom'));
  await expect(b.screen.waitUntilExit()).rejects.toThrow('boom');
});

test('drawing lines never seen before keeps no memory per line (a clock ticks for days)', () => {
  // Ink's own text measure caches every text it measured, for good: 20,000 ticks of a
  // 200-cell header would keep some 8 MB. The host measures swantop's (truncating) texts itself.
  const child = fileURLToPath(new URL('./host-memory-child.tsx', import.meta.url));
  // React's development build keeps debugging data per render; the CLI runs the production one.
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', child], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  expect(r.stderr).toBe('');
  const { grown } = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { grown: number };
  expect(grown).toBeLessThan(1_000_000);
});

test('a row that appears mid-list moves the rows below by insert-line, not by rewriting them', async () => {
  const list = Array.from({ length: 12 }, (_, i) => `row ${i} ${'-'.repeat(20)}`);
  const withNew = [...list.slice(0, 3), 'a new CHILD_SA row', ...list.slice(3, 11)];
  const { out, screen, seen } = mount(h(Lines, { lines: list }), 40, 14);
  await tick();
  screen.rerender(h(Lines, { lines: withNew }));
  await tick();
  const inserted = out.frames.at(-1)!;
  expect(inserted).toContain('\x1b[4;12r\x1b[4;1H\x1b[1L\x1b[r');
  expect(inserted.length).toBeLessThan(80);
  expect(seen().slice(0, 12)).toEqual(withNew);
  // And back: delete-line.
  screen.rerender(h(Lines, { lines: list }));
  await tick();
  const removed = out.frames.at(-1)!;
  expect(removed).toContain('\x1b[1M');
  expect(removed.length).toBeLessThan(80);
  expect(seen().slice(0, 12)).toEqual(list);
  screen.unmount();
});

test('a tick in the same column of the next row moves down one instead of addressing the cell', () => {
  const w = new LineWriter(20, 12);
  const rows = (a: string) =>
    Array.from({ length: 12 }, (_, i) => [{ x: 0, width: 20, text: i >= 10 ? `age ${a}` : 'x' }]);
  w.frame(rows('1s'));
  // Rows 11 and 12: an absolute move to the first, then down one and back over the digit.
  expect(w.frame(rows('2s'))).toBe('\x1b[?2026h\x1b[11;5H2\x1b[B\x1b[D2\x1b[?2026l');
});
