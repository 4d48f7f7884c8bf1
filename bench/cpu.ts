/**
 * swantop's own CPU with nothing changing: the real CLI in tmux at 200×50 on moon, counted
 * from /proc/<pid>/stat over a window that starts once its first listing is on screen.
 * Target ≤ 2 % of one core. Reference, same window and pace: the client-side CPU of running
 * `swanctl --list-sas` every 2 s (what a `watch -n 2 swanctl --list-sas` costs its machine),
 * counted by bash's `times` for its children.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { type BenchContext, windowS } from './lib/context.js';
import { BASE_SAS } from './lib/lab.js';
import { LIMITS } from './lib/limits.js';
import { cpuSeconds } from './lib/proc.js';
import { sleep } from './lib/stats.js';
import { CliInTmux, frameCount, shownCount } from './lib/tmux.js';
import { type BenchRow, row } from './result.js';

const exec = promisify(execFile);

/** Children's user+system seconds of a bash loop running swanctl every 2 s for `seconds`. */
async function swanctlEvery2s(socket: string, seconds: number): Promise<number> {
  const script = `end=$((SECONDS+${seconds})); while [ $SECONDS -lt $end ]; do swanctl --list-sas --uri "unix://$1" >/dev/null 2>&1; sleep 2; done; times`;
  const { stdout } = await exec('bash', ['-c', script, 'bench', socket], {
    timeout: (seconds + 120) * 1000,
  });
  // `times`: shell user/sys, then children user/sys, as "0m1.234s 0m0.567s".
  const lines = stdout.trim().split('\n');
  const kids = lines[lines.length - 1] ?? '';
  const secs = [...kids.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (secs.length !== 2) throw new Error(`could not read bash times output: ${stdout}`);
  return secs[0]! + secs[1]!;
}

export async function runCpu(ctx: BenchContext, clients: number): Promise<BenchRow[]> {
  const lab = await ctx.lab.ensure(clients);
  const n = clients + BASE_SAS;
  const W = windowS(ctx, 60, 15);
  ctx.log(`cpu @${n}: swantop's own CPU over ${W} s, then swanctl --list-sas every 2 s`);
  const cli = await CliInTmux.start({ uri: lab.uris.moon });
  let used: number;
  let screen: string;
  let frames: number;
  let bytes: number;
  try {
    await cli.waitFor((s) => (shownCount(s) ?? 0) >= n, 300_000, `${n} IKE_SAs shown`);
    await sleep(3000);
    const c0 = cpuSeconds(cli.pid);
    const b0 = cli.bytes();
    const t0 = performance.now();
    await sleep(W * 1000);
    used = cpuSeconds(cli.pid) - c0;
    const wall = (performance.now() - t0) / 1000;
    frames = frameCount(readFileSync(cli.outFile).subarray(b0));
    bytes = cli.bytes() - b0;
    used = (used / wall) * W;
    screen = await cli.screen();
  } finally {
    await cli.stop();
  }
  const ref = await swanctlEvery2s(lab.sockets.moon, W);
  const pct = (used / W) * 100;
  const refPct = (ref / W) * 100;
  const slowed = /polling slowed/.test(screen);
  ctx.log(`  swantop ${pct.toFixed(2)} % of a core; swanctl every 2 s ${refPct.toFixed(2)} %`);
  return [
    row({
      bench: 'cpu',
      name: `swantop CPU @${n} SAs, nothing changing (real CLI, ${W} s)`,
      value: pct,
      unit: '% of a core',
      reference: refPct,
      target: 2,
      bounds: 'value',
      limit: `${LIMITS.ageTicks}; ${LIMITS.inkFrame}`,
      note:
        `reference: swanctl --list-sas every 2 s, client-side CPU; swantop was ${slowed ? 'in budgeted mode (polling slowed)' : 'listing in full every 2 s'}; ` +
        `it drew ${frames} frames (${(frames / W).toFixed(1)}/s, ${bytes} bytes), ${frames > 0 ? ((used * 1000) / frames).toFixed(0) : '-'} ms CPU per frame on average (listings included)`,
    }),
  ];
}
