import { charWidth } from '../width.js';

/*
 * A painted line (text with SGR escapes) as terminal cells: what each cell shows and the SGR
 * state it is drawn in. The line writer compares cells to find the few that changed, so only
 * changed lines are ever split into cells.
 */

export interface Cells {
  /** One entry per cell: its text ('' for the right half of a wide character). */
  chars: string[];
  /** One entry per cell: the SGR sequences in force since the last reset ('' for none). */
  styles: string[];
}

export const BLANK = ' ';
/** Longer runs of SGR without a reset are cut here: a hostile line cannot grow one cell's style. */
const MAX_STYLE = 128;

export function blankCells(width: number): Cells {
  return { chars: new Array<string>(width).fill(BLANK), styles: new Array<string>(width).fill('') };
}

/**
 * Writes `text` into `into` from cell `x`, at most `width` cells (an ellipsis marks a cut, as
 * Ink's truncate-end does). Only SGR sequences survive: every other escape sequence and every
 * control character is dropped, so nothing in a line can move the cursor or change modes.
 */
export function paintCells(into: Cells, x: number, width: number, text: string): void {
  const end = Math.min(into.chars.length, x + width);
  let col = x;
  let style = '';
  let lastCol = -1;
  let cut = false;
  for (let i = 0; i < text.length; ) {
    const code = text.charCodeAt(i);
    if (code === 0x1b) {
      i = skipEscape(text, i, (sgr) => {
        if (/^\x1b\[0*m$/.test(sgr)) style = '';
        else if (style.length < MAX_STYLE) style += sgr;
      });
      continue;
    }
    const cp = text.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    const w = charWidth(ch);
    if (w === 0) {
      // A combining mark or joiner belongs to the cell before it.
      if (lastCol >= 0) into.chars[lastCol] += ch;
      continue;
    }
    if (col + w > end) {
      cut = true;
      break;
    }
    into.chars[col] = ch;
    into.styles[col] = style;
    lastCol = col;
    if (w === 2) {
      into.chars[col + 1] = '';
      into.styles[col + 1] = style;
    }
    col += w;
  }
  if (cut && end > x) {
    // The ellipsis takes the last cell; a wide character cut in half leaves a blank.
    let at = end - 1;
    if (into.chars[at] === '' && at > x) at--;
    for (let c = at; c < end; c++) {
      into.chars[c] = c === at ? '…' : BLANK;
      into.styles[c] = into.styles[at] ?? '';
    }
  }
}

/** Skips one escape sequence starting at `i`; SGR sequences are passed to `sgr`. */
function skipEscape(text: string, i: number, sgr: (seq: string) => void): number {
  const next = text.charCodeAt(i + 1);
  if (next === 0x5b /* [ */) {
    let j = i + 2;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c >= 0x40 && c <= 0x7e) break;
      j++;
    }
    const seq = text.slice(i, j + 1);
    if (text[j] === 'm' && /^\x1b\[[\d;:]*m$/.test(seq)) sgr(seq);
    return j + 1;
  }
  if (next === 0x5d /* ] */ || next === 0x50 /* P */ || next === 0x5f /* _ */) {
    // OSC, DCS, APC: up to BEL or ST.
    let j = i + 2;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c === 0x07) return j + 1;
      if (c === 0x1b && text.charCodeAt(j + 1) === 0x5c) return j + 2;
      j++;
    }
    return j;
  }
  return Math.min(text.length, i + 2);
}
