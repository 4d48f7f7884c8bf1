import { BLANK, blankCells, type Cells, paintCells } from './cells.js';

/*
 * The output stage: turns each frame (rows of text segments) into the bytes that change the
 * terminal from the previous frame to this one. An unchanged row costs a comparison of its
 * segments (the strings are usually the very same objects, from memoised components); a changed
 * row is split into cells and only the runs of cells that differ are written, each after an
 * absolute cursor move. A clock ticking from "9s" to "10s" writes those few cells, not the line.
 * The whole screen is drawn only after forget() (start, resize, a write from outside).
 */

export interface Segment {
  /** First cell, from the left edge of the screen. */
  x: number;
  /** Cells it may take; longer text is cut with an ellipsis. */
  width: number;
  text: string;
}

export type Row = readonly Segment[];

const CSI = '\x1b[';
const RESET = '\x1b[0m';
const ERASE_RIGHT = '\x1b[K';
const CLEAR_SCREEN = '\x1b[H\x1b[2J';
/** Synchronized output (DEC mode 2026): terminals that know it show the frame at once. */
const BEGIN_SYNC = '\x1b[?2026h';
const END_SYNC = '\x1b[?2026l';
/** Equal cells between two changed runs that are rewritten rather than skipped by a cursor move. */
const JOIN_GAP = 6;

export class LineWriter {
  private rows: (Row | undefined)[] = [];
  private cells: (Cells | undefined)[] = [];
  private whole = true;

  constructor(
    private columns: number,
    private height: number,
  ) {}

  /** The next frame clears the screen and draws every row. */
  forget(): void {
    this.whole = true;
    this.rows = [];
    this.cells = [];
  }

  resize(columns: number, height: number): void {
    this.columns = columns;
    this.height = height;
    this.forget();
  }

  /** Bytes that turn the last frame into this one ('' when nothing changed). */
  frame(rows: readonly Row[]): string {
    let out = '';
    const whole = this.whole;
    this.whole = false;
    if (whole) out += CLEAR_SCREEN;
    const style = { current: '' };
    const count = Math.min(this.height, Math.max(rows.length, this.rows.length));
    for (let y = 0; y < count; y++) {
      const row = rows[y] ?? [];
      const before = this.rows[y];
      if (before !== undefined && sameRow(before, row)) continue;
      const next = blankCells(this.columns);
      for (const seg of row) paintCells(next, seg.x, seg.width, seg.text);
      // After a clear the terminal's row is blank, whatever was cached.
      const prev = whole ? undefined : this.cells[y];
      out += diffRow(y, prev, next, style);
      this.rows[y] = row;
      this.cells[y] = next;
    }
    this.rows.length = Math.min(this.rows.length, this.height);
    if (out === '') return '';
    if (style.current !== '') out += RESET;
    return BEGIN_SYNC + out + END_SYNC;
  }
}

function sameRow(a: Row, b: Row): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const s = a[i]!;
    const t = b[i]!;
    if (s.text !== t.text || s.x !== t.x || s.width !== t.width) return false;
  }
  return true;
}

const isBlank = (c: Cells, i: number) => c.chars[i] === BLANK && c.styles[i] === '';

/** The writes that turn row `y` from `prev` (blank if undefined) into `next`. */
function diffRow(y: number, prev: Cells | undefined, next: Cells, style: { current: string }) {
  const width = next.chars.length;
  const same = (i: number) =>
    prev === undefined
      ? isBlank(next, i)
      : prev.chars[i] === next.chars[i] && prev.styles[i] === next.styles[i];
  // Past `tail` every new cell is blank: one erase-to-end-of-line draws them all.
  let tail = width;
  while (tail > 0 && isBlank(next, tail - 1)) tail--;
  let out = '';
  let i = 0;
  while (i < width) {
    if (same(i)) {
      i++;
      continue;
    }
    let start = i;
    // The right half of a wide character is drawn by its left half.
    if (next.chars[start] === '' && start > 0) start--;
    let end = i + 1;
    for (let gap = 0; end < width && gap <= JOIN_GAP; end++) {
      if (same(end)) gap++;
      else gap = 0;
    }
    // `end` ran JOIN_GAP + 1 equal cells past the last change (or hit the edge).
    while (end > start + 1 && same(end - 1)) end--;
    out += `${CSI}${y + 1};${start + 1}H`;
    if (end >= tail && prev !== undefined) {
      out += cellsText(next, start, tail, style);
      if (style.current !== '') {
        out += RESET;
        style.current = '';
      }
      return out + ERASE_RIGHT;
    }
    out += cellsText(next, start, Math.min(end, width), style);
    i = end;
  }
  return out;
}

function cellsText(c: Cells, from: number, to: number, style: { current: string }): string {
  let out = '';
  for (let i = from; i < to; i++) {
    const ch = c.chars[i]!;
    if (ch === '') continue;
    const s = c.styles[i]!;
    if (s !== style.current) {
      out += style.current === '' ? s : RESET + s;
      style.current = s;
    }
    out += ch;
  }
  return out;
}
