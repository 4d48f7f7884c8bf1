/*
 * Terminal cell widths of (already sanitized) text, so columns stay aligned when names hold
 * CJK, emoji or combining marks. Close to what Ink measures (string-width); rows are also drawn
 * with truncation so a disagreement can never wrap a line.
 */

const PLAIN_ASCII = /^[\x20-\x7e]*$/;
const ZERO = /^(?:\p{Mn}|\p{Me}|[\u200b-\u200f\u2060-\u2064]|\p{Variation_Selector})$/u;
const EMOJI = /\p{Emoji_Presentation}/u;

const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x18d08],
  [0x1b000, 0x1b2ff],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

function isWide(cp: number): boolean {
  for (const [lo, hi] of WIDE) {
    if (cp < lo) return false;
    if (cp <= hi) return true;
  }
  return false;
}

export function charWidth(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x7f) return cp < 0x20 ? 0 : 1;
  if (ZERO.test(ch)) return 0;
  if (isWide(cp) || EMOJI.test(ch)) return 2;
  return 1;
}

export function displayWidth(s: string): number {
  if (PLAIN_ASCII.test(s)) return s.length;
  let w = 0;
  for (const ch of s) w += charWidth(ch);
  return w;
}

/** At most `width` cells; an ellipsis marks that something was cut. */
export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  if (PLAIN_ASCII.test(s)) return s.length <= width ? s : `${s.slice(0, width - 1)}…`;
  if (displayWidth(s) <= width) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = charWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

/** Exactly `width` cells: truncated, then padded on the right (left) or left (right). */
export function fitWidth(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const t = truncate(s, width);
  const pad = width - displayWidth(t);
  if (pad <= 0) return t;
  return align === 'left' ? t + ' '.repeat(pad) : ' '.repeat(pad) + t;
}

/** Hard-wraps one line into pieces of at most `width` cells (the details pane shows everything). */
export function wrapHard(s: string, width: number): string[] {
  if (width <= 0) return [];
  if (displayWidth(s) <= width) return [s];
  const out: string[] = [];
  let cur = '';
  let w = 0;
  for (const ch of s) {
    const cw = charWidth(ch);
    if (w + cw > width) {
      out.push(cur);
      cur = '';
      w = 0;
    }
    cur += ch;
    w += cw;
  }
  if (cur !== '') out.push(cur);
  return out;
}
