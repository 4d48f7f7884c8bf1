/**
 * Frames out of a terminal byte stream (what pipe-pane saw). A frame of swantop's screen host
 * is one synchronized-output block (`ESC [ ? 2026 h` … `l`), or, for a change in one row, the
 * moves and cells of that row alone; Ink's own frames start by putting the
 * cursor at the top of what they drew: up n lines (`ESC [ n A`) or home (`ESC [ H`). A line is
 * touched when the frame moves the cursor into it (`ESC [ row ; col H`), erases to its end
 * (`ESC [ K`) or erases it whole (`ESC [ 2 K`); a clear of the screen (`ESC [ 2 J`) rewrites
 * everything.
 */
const START_TOKEN = /\x1b\[\?2026h|\x1b\[H|\x1b\[2J|\x1b\[3J|\x1b\[(\d+)A/g;
const ONLY_ESCAPES = /^(?:\x1b\[[0-9;?]*[A-Za-z])*$/;

/**
 * Where frames start. Tokens with nothing but escapes between them make one start (BSU, home,
 * clear); `ESC [ 1 A` alone is not a start: erasing n lines is "erase, up 1" n times.
 */
function frameStarts(text: string): number[] {
  const starts: number[] = [];
  let lastEnd = -1;
  for (const m of text.matchAll(START_TOKEN)) {
    if (m[1] !== undefined && Number(m[1]) < 2) continue;
    const at = m.index ?? 0;
    const end = at + m[0].length;
    if (lastEnd >= 0 && ONLY_ESCAPES.test(text.slice(lastEnd, at))) {
      lastEnd = end;
      continue;
    }
    starts.push(at);
    lastEnd = end;
  }
  return starts;
}

export interface FrameStats {
  /** Bytes of each frame. */
  bytes: number[];
  /** Lines each frame rewrote. */
  lines: number[];
}

const BSU = '\x1b[?2026h';
const ESU = '\x1b[?2026l';
const CUP = /\x1b\[(\d+);\d+H/g;

/**
 * The screen host writes a frame of one row without a synchronized-output block: outside the
 * blocks, each change of row by an absolute move starts a frame.
 */
function byRow(stretch: string): string[] {
  const out: string[] = [];
  let from = 0;
  let row: string | undefined;
  for (const m of stretch.matchAll(CUP)) {
    if (m[1] === row) continue;
    row = m[1];
    const at = m.index ?? 0;
    if (at > from) out.push(stretch.slice(from, at));
    from = at;
  }
  if (from < stretch.length) out.push(stretch.slice(from));
  return out;
}

function parts(text: string): string[] {
  if (!text.includes(BSU)) {
    const starts = frameStarts(text);
    if (starts.length === 0 || starts[0] !== 0) starts.unshift(0);
    return starts.map((s, i) => text.slice(s, starts[i + 1] ?? text.length));
  }
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const b = text.indexOf(BSU, i);
    out.push(...byRow(text.slice(i, b < 0 ? text.length : b)));
    if (b < 0) break;
    const e = text.indexOf(ESU, b);
    const end = e < 0 ? text.length : e + ESU.length;
    out.push(text.slice(b, end));
    i = end;
  }
  return out;
}

export function splitFrames(stream: Buffer, rows: number): FrameStats {
  const text = stream.toString('latin1');
  const bytes: number[] = [];
  const lines: number[] = [];
  for (const part of parts(text)) {
    if (part.length === 0) continue;
    bytes.push(part.length);
    const rewritten = part.split('\x1b[K').length - 1;
    const erased = part.split('\x1b[2K').length - 1;
    const moved = new Set([...part.matchAll(CUP)].map((m) => m[1])).size;
    lines.push(part.includes('\x1b[2J') ? rows : Math.max(rewritten, erased, moved));
  }
  return { bytes, lines };
}

/** A frame that rewrote nearly every line of the screen. */
export const isFullRedraw = (lines: number, rows: number) => lines >= rows - 4;
