import { BLANK, blankCells, type Cells, paintCells } from './cells.js';

/*
 * The output stage: turns each frame (rows of text segments) into the bytes that change the
 * terminal from the previous frame to this one. An unchanged row costs a comparison of its
 * segments (the strings are usually the very same objects, from memoised components); a changed
 * row is split into cells and only the runs of cells that differ are written, each after an
 * absolute cursor move. A clock ticking from "9s" to "10s" writes those few cells, not the line.
 * When rows moved as a block (a CHILD_SA appears during a rekey and every row below it moves
 * down one, then back up), the terminal moves them itself: a scroll region and insert- or
 * delete-line, a dozen bytes, instead of rewriting every row below.
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
/** Rows a block may move by, up or down, to be moved by the terminal. */
const MAX_SHIFT = 3;
/** Rows that must match after the move, and more than match in place, for it to pay. */
const MIN_SHIFTED = 4;

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

  /** Moves a block of rows on the terminal and in the cache, if that saves rewriting them. */
  private shift(rows: readonly Row[]): string {
    const s = findShift(this.rows, rows);
    if (!s) return '';
    const k = Math.abs(s.by);
    const move = <T>(list: (T | undefined)[]) => {
      const region = list.slice(s.top, s.bottom + 1);
      while (region.length < s.bottom - s.top + 1) region.push(undefined);
      const moved =
        s.by > 0
          ? [...new Array<T | undefined>(k).fill(undefined), ...region.slice(0, region.length - k)]
          : [...region.slice(k), ...new Array<T | undefined>(k).fill(undefined)];
      list.splice(s.top, moved.length, ...moved);
    };
    move(this.rows);
    move(this.cells);
    // Rows the move blanked are blank on the terminal: cache them as such.
    for (let y = s.top; y <= s.bottom; y++) {
      if (this.rows[y] === undefined) {
        this.rows[y] = [];
        this.cells[y] = blankCells(this.columns);
      }
    }
    // Set the region, insert or delete at its top, reset the region (which homes the cursor).
    return `${CSI}${s.top + 1};${s.bottom + 1}r${CSI}${s.top + 1};1H${CSI}${k}${s.by > 0 ? 'L' : 'M'}${CSI}r`;
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
    else out += this.shift(rows);
    // A clear or a block move, or several rows: one synchronized update, so no terminal shows
    // half of it. A single row's few cells are written as they are (16 bytes saved per tick).
    let touched = out === '' ? 0 : 2;
    const style: Pen = { current: '', row: -1, col: 0 };
    const count = Math.min(this.height, Math.max(rows.length, this.rows.length));
    for (let y = 0; y < count; y++) {
      const row = rows[y] ?? [];
      const before = this.rows[y];
      if (before !== undefined && sameRow(before, row)) continue;
      const next = blankCells(this.columns);
      for (const seg of row) paintCells(next, seg.x, seg.width, seg.text);
      // After a clear the terminal's row is blank, whatever was cached.
      const prev = whole ? undefined : this.cells[y];
      const d = diffRow(y, prev, next, style);
      if (d !== '') touched++;
      out += d;
      this.rows[y] = row;
      this.cells[y] = next;
    }
    this.rows.length = Math.min(this.rows.length, this.height);
    if (out === '') return '';
    if (style.current !== '') out += RESET;
    return touched > 1 ? BEGIN_SYNC + out + END_SYNC : out;
  }
}

export interface Shift {
  /** First and last row of the region (0-based, inclusive). */
  top: number;
  bottom: number;
  /** Rows the region's content moves: > 0 down (lines inserted at top), < 0 up (deleted). */
  by: number;
}

/**
 * The block move that makes most rows of `next` equal to rows of `prev`, if it beats leaving
 * them in place: for each distance, the rows that would match, and the region they span.
 */
export function findShift(
  prev: readonly (Row | undefined)[],
  next: readonly Row[],
): Shift | undefined {
  const n = Math.min(prev.length, next.length);
  let changed = 0;
  for (let y = 0; y < n; y++) if (!sameAt(prev, next, y, y)) changed++;
  if (changed < MIN_SHIFTED) return undefined;
  let best: (Shift & { gain: number }) | undefined;
  for (let by = -MAX_SHIFT; by <= MAX_SHIFT; by++) {
    if (by === 0) continue;
    let first = -1;
    let last = -1;
    let matched = 0;
    let inPlace = 0;
    for (let y = Math.max(0, by); y < Math.min(n, n + by); y++) {
      if (!sameAt(prev, next, y - by, y)) continue;
      if (sameAt(prev, next, y, y)) {
        inPlace++;
        continue;
      }
      if (first < 0) first = y;
      last = y;
      matched++;
    }
    const gain = matched - inPlace;
    if (matched < MIN_SHIFTED || gain <= 0 || (best && gain <= best.gain)) continue;
    // Down: the rows matched moved from y - by; up: from y + |by|, which the region must hold.
    best =
      by > 0
        ? { top: first - by, bottom: last, by, gain }
        : { top: first, bottom: last - by, by, gain };
  }
  return best && { top: best.top, bottom: best.bottom, by: best.by };
}

function sameAt(prev: readonly (Row | undefined)[], next: readonly Row[], p: number, q: number) {
  const a = prev[p];
  return a !== undefined && sameRow(a, next[q]!);
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
function diffRow(y: number, prev: Cells | undefined, next: Cells, style: Pen) {
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
    out += moveTo(y, start, style);
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

/**
 * What the terminal's pen holds between writes: its SGR state, and where the cursor is
 * (row -1: not known, e.g. after writing the last column, where terminals differ).
 */
interface Pen {
  current: string;
  row: number;
  col: number;
}

/**
 * The shortest move to (y, x): an absolute position, or, from a known cursor on the same or
 * the row above, a relative one (a tick in the same column of the next row is `ESC [ B ESC [ D`,
 * 6 bytes instead of 10).
 */
function moveTo(y: number, x: number, pen: Pen): string {
  const absolute = `${CSI}${y + 1};${x + 1}H`;
  let best = absolute;
  if (pen.row >= 0 && (pen.row === y || pen.row === y - 1)) {
    const down = pen.row === y - 1 ? `${CSI}B` : '';
    const d = x - pen.col;
    const across = d === 0 ? '' : d > 0 ? `${CSI}${d > 1 ? d : ''}C` : `${CSI}${-d > 1 ? -d : ''}D`;
    if (down.length + across.length < best.length) best = down + across;
  }
  pen.row = y;
  pen.col = x;
  return best;
}

function cellsText(c: Cells, from: number, to: number, pen: Pen): string {
  let out = '';
  const width = c.chars.length;
  for (let i = from; i < to; i++) {
    const ch = c.chars[i]!;
    if (ch === '') continue;
    const s = c.styles[i]!;
    if (s !== pen.current) {
      out += pen.current === '' ? s : RESET + s;
      pen.current = s;
    }
    out += ch;
    pen.col = i + (c.chars[i + 1] === '' ? 2 : 1);
  }
  // At the right edge the cursor waits to wrap; where it then is differs between terminals.
  if (pen.col >= width) pen.row = -1;
  return out;
}
