/**
 * swantop's own CPU with nothing changing: the real CLI in tmux at 200×50 on moon, counted
 * from /proc/<pid>/stat over a window that starts once its first listing is on screen.
 * Target ≤ 2 % of one core. Reference, in the same window and beside it: htop with its default
 * settings in the same kind of tmux window (a calm full-screen monitor; it redraws every 1.5 s).
 * Both run at once, so the machine's load (shared with other work) weighs on both alike.
 */
import { readFileSync } from 'node:fs';
import { type BenchContext, windowS } from './lib/context.js';
import { BASE_SAS } from './lib/lab.js';
import { LIMITS } from './lib/limits.js';
import { cpuSeconds } from './lib/proc.js';
import { sleep } from './lib/stats.js';
import { CliInTmux, frameCount, shownCount } from './lib/tmux.js';
import { type BenchRow, row } from './result.js';

export async function runCpu(ctx: BenchContext, clients: number): Promise<BenchRow[]> {
  const lab = await ctx.lab.ensure(clients);
  const n = clients + BASE_SAS;
  const W = windowS(ctx, 60, 15);
  ctx.log(`cpu @${n}: swantop's own CPU over ${W} s, htop beside it in the same kind of window`);
  const cli = await CliInTmux.start({ uri: lab.uris.moon });
  let htop: CliInTmux | undefined;
  let used: number;
  let htopUsed: number;
  let screen: string;
  let frames: number;
  let bytes: number;
  try {
    await cli.waitFor((s) => (shownCount(s) ?? 0) >= n, 300_000, `${n} IKE_SAs shown`);
    htop = await CliInTmux.htop();
    await htop.waitFor((s) => /Tasks:/.test(s), 10_000, 'htop drawn');
    await sleep(3000);
    const c0 = cpuSeconds(cli.pid);
    const h0 = cpuSeconds(htop.pid);
    const b0 = cli.bytes();
    const t0 = performance.now();
    await sleep(W * 1000);
    const wall = (performance.now() - t0) / 1000;
    used = ((cpuSeconds(cli.pid) - c0) / wall) * W;
    htopUsed = ((cpuSeconds(htop.pid) - h0) / wall) * W;
    frames = frameCount(readFileSync(cli.outFile).subarray(b0));
    bytes = cli.bytes() - b0;
    screen = await cli.screen();
  } finally {
    await htop?.stop();
    await cli.stop();
  }
  const pct = (used / W) * 100;
  const refPct = (htopUsed / W) * 100;
  const slowed = /polling slowed/.test(screen);
  ctx.log(`  swantop ${pct.toFixed(2)} % of a core; htop beside it ${refPct.toFixed(2)} %`);
  return [
    row({
      bench: 'cpu',
      name: `swantop CPU @${n} SAs, nothing changing (real CLI, 200×50 tmux, ${W} s)`,
      value: pct,
      unit: '% of a core',
      reference: refPct,
      target: 2,
      bounds: 'value',
      limit: LIMITS.restCost,
      note:
        `reference: htop (default settings, 200×50 tmux) over the same window; swantop was ${slowed ? 'in budgeted mode (polling slowed)' : 'listing in full every 2 s'}; ` +
        `it drew ${frames} frames (${(frames / W).toFixed(1)}/s, ${bytes} bytes), ${frames > 0 ? ((used * 1000) / frames).toFixed(1) : '-'} ms CPU per frame on average (listings included)`,
    }),
  ];
}
