/**
 * Bytes swantop writes to its terminal: the real CLI in tmux at 200×50 on moon, every byte
 * counted by tmux pipe-pane. One row changes per second (venus rekeys a CHILD_SA that is on
 * screen); target ≤ 1 KB/s. Reference, in the same window and beside it: htop (default
 * settings) in the same kind of tmux window, its bytes counted the same way. The note also
 * gives one full frame (the CLI's repaint after a resize), what redrawing everything each
 * second would cost. Frames are split out of the stream (each starts with a synchronized-output
 * block or a move to the top) and a frame that rewrites nearly every line counts as a full
 * redraw: there must be none in the window, and then there is one on resize and one on a view
 * change.
 */
import { readFileSync } from 'node:fs';
import { Session } from '../source/vici/index.js';
import { type BenchContext, windowS } from './lib/context.js';
import { isFullRedraw, splitFrames } from './lib/frames.js';
import { BASE_SAS } from './lib/lab.js';
import { LIMITS } from './lib/limits.js';
import { sleep } from './lib/stats.js';
import { CliInTmux, shownCount } from './lib/tmux.js';
import { type BenchRow, row } from './result.js';

const ROWS = 50;

const isFull = (lines: number) => isFullRedraw(lines, ROWS);
const frameRewrites = (b: Buffer) => splitFrames(b, ROWS).lines;

export async function runOutput(ctx: BenchContext, clients: number): Promise<BenchRow[]> {
  const lab = await ctx.lab.ensure(clients);
  const n = clients + BASE_SAS;
  const W = windowS(ctx, 60, 15);
  ctx.log(`output @${n}: bytes written over ${W} s, one visible row rekeyed per second`);
  const cli = await CliInTmux.start({ uri: lab.uris.moon });
  let htop: CliInTmux | undefined;
  let htopRate = 0;
  const venus = await Session.connect({ uri: lab.uris.venus, timeoutMs: 30_000 });
  let rate: number;
  let fullFrame: number;
  let fullInWindow: number;
  let frames: number;
  let onResize: number;
  let onView: number;
  let rekeyed = 0;
  let linesRewritten = 0;
  let seconds = 1;
  try {
    await cli.waitFor((s) => (shownCount(s) ?? 0) >= n, 300_000, `${n} IKE_SAs shown`);
    await sleep(3000);
    // The reference and the first check: a resize there and back must redraw in full, and
    // the largest full frame it writes is what repainting everything costs.
    const fullsAfter = async (act: () => Promise<void>) => {
      const before = cli.bytes();
      await act();
      await sleep(1500);
      const f = splitFrames(readFileSync(cli.outFile).subarray(before), ROWS);
      const full = f.lines
        .map((l, i) => (isFull(l) ? (f.bytes[i] ?? 0) : -1))
        .filter((b) => b >= 0);
      return { count: full.length, largest: Math.max(0, ...full) };
    };
    const resized = await fullsAfter(async () => {
      await cli.resize(180, ROWS);
      await sleep(500);
      await cli.resize(200, ROWS);
    });
    onResize = resized.count;
    fullFrame = resized.largest;
    await sleep(1500);
    const clientsOnScreen = [
      ...new Set([...(await cli.screen()).matchAll(/\b(c\d+)\.clients/g)].map((m) => m[1]!)),
    ];
    if (clientsOnScreen.length === 0) throw new Error('no scale client is on screen to rekey');
    htop = await CliInTmux.htop();
    await htop.waitFor((s) => /Tasks:/.test(s), 10_000, 'htop drawn');
    await sleep(3000);
    const h0 = htop.bytes();
    const b0 = cli.bytes();
    const t0 = performance.now();
    for (let s = 0; s < W; s++) {
      const next = t0 + (s + 1) * 1000;
      await venus.rekey({ child: clientsOnScreen[s % clientsOnScreen.length]! });
      rekeyed++;
      await sleep(Math.max(0, next - performance.now()));
    }
    const b1 = cli.bytes();
    seconds = (performance.now() - t0) / 1000;
    rate = (b1 - b0) / seconds;
    htopRate = (htop.bytes() - h0) / seconds;
    await htop.stop();
    htop = undefined;
    const window = readFileSync(cli.outFile).subarray(b0, b1);
    const rewrites = frameRewrites(window);
    frames = rewrites.length;
    linesRewritten = rewrites.reduce((a, b) => a + b, 0);
    fullInWindow = rewrites.filter(isFull).length;

    onView = (
      await fullsAfter(async () => {
        await cli.keys('2');
        await sleep(500);
        await cli.keys('1');
      })
    ).count;
  } finally {
    await htop?.stop();
    await venus.close();
    await cli.stop();
  }
  ctx.log(
    `  ${rate.toFixed(0)} B/s over ${frames} frames, ${fullInWindow} full redraws; htop ${htopRate.toFixed(0)} B/s; full frame ${fullFrame} B`,
  );
  return [
    row({
      bench: 'output',
      name: `terminal output @${n} SAs, one row changing per second (real CLI, 200×50, ${W} s)`,
      value: rate,
      unit: 'B/s',
      reference: htopRate,
      target: 1024,
      bounds: 'value',
      limit: LIMITS.lineDiff,
      note:
        `reference: htop (default settings, 200×50 tmux) over the same window; a full 200×50 repaint (after a resize) is ${fullFrame} B; ${rekeyed} rekeys, ${frames} frames in the window, ` +
        `${(linesRewritten / Math.max(1, frames)).toFixed(1)} lines touched per frame on average (~${Math.round(rate / Math.max(1, linesRewritten / seconds))} B each: only their changed cells are written)`,
    }),
    row({
      bench: 'output',
      name: `terminal output @${n} SAs: full redraws in the steady window`,
      value: fullInWindow,
      unit: 'frames',
      reference: frames,
      target: 0,
      bounds: 'value',
      note: `context: full redraws on resize (there and back): ${onResize}; on view change (2 then 1): ${onView}`,
    }),
  ];
}
