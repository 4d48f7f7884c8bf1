/**
 * Frames out of a terminal byte stream (what pipe-pane saw). A frame of swantop's screen host
 * is one synchronized-output block (`ESC [ ? 2026 h`); Ink's own frames start by putting the
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

export function splitFrames(stream: Buffer, rows: number): FrameStats {
  const text = stream.toString('latin1');
  const starts = frameStarts(text);
  if (starts.length === 0 || starts[0] !== 0) starts.unshift(0);
  const bytes: number[] = [];
  const lines: number[] = [];
  for (let i = 0; i < starts.length; i++) {
    const part = text.slice(starts[i], starts[i + 1] ?? text.length);
    if (part.length === 0) continue;
    bytes.push(part.length);
    const rewritten = part.split('\x1b[K').length - 1;
    const erased = part.split('\x1b[2K').length - 1;
    const moved = new Set([...part.matchAll(/\x1b\[(\d+);\d+H/g)].map((m) => m[1])).size;
    lines.push(part.includes('\x1b[2J') ? rows : Math.max(rewritten, erased, moved));
  }
  return { bytes, lines };
}

/** A frame that rewrote nearly every line of the screen. */
export const isFullRedraw = (lines: number, rows: number) => lines >= rows - 4;
