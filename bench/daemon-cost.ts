/**
 * What watching costs the daemon: charon's CPU seconds (all threads, /proc/<pid>/stat) over the
 * same window (a) with nothing attached, (b) with `swanctl --list-sas` run once per second (the
 * reference: what an admin's `watch swanctl --list-sas` costs), (c) with swantop at its defaults
 * (SAs view, 200×50, the real CLI in tmux), counted from once its first listing is on screen.
 * The ratio is raw (c)/(b): nothing is subtracted; the idle baseline is its own row.
 */
import { spawn } from 'node:child_process';
import { type BenchContext, windowS } from './lib/context.js';
import { BASE_SAS } from './lib/lab.js';
import { LIMITS } from './lib/limits.js';
import { cpuSeconds } from './lib/proc.js';
import { sleep } from './lib/stats.js';
import { CliInTmux, shownCount } from './lib/tmux.js';
import { type BenchRow, row } from './result.js';

function swanctlListSas(socket: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('swanctl', ['--list-sas', '--uri', `unix://${socket}`], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

export async function runDaemonCost(ctx: BenchContext, clients: number): Promise<BenchRow[]> {
  const lab = await ctx.lab.ensure(clients);
  const n = clients + BASE_SAS;
  const pid = await ctx.lab.moonPid();
  const W = windowS(ctx, 60);
  const bench = 'daemon-cost';
  ctx.log(`daemon cost @${n}: ${W} s windows (idle, swanctl every 1 s, swantop)`);
  await sleep(3000);

  let c0 = cpuSeconds(pid);
  await sleep(W * 1000);
  const idle = cpuSeconds(pid) - c0;
  ctx.log(`  idle: ${idle.toFixed(2)} s CPU`);

  c0 = cpuSeconds(pid);
  const t0 = Date.now();
  let runs = 0;
  let failures = 0;
  while (Date.now() - t0 < W * 1000) {
    const started = Date.now();
    if ((await swanctlListSas(lab.sockets.moon)) !== 0) failures++;
    runs++;
    const next = started + 1000;
    if (Date.now() < next) await sleep(next - Date.now());
  }
  const ref = cpuSeconds(pid) - c0;
  ctx.log(`  swanctl --list-sas ×${runs} (${failures} failed): ${ref.toFixed(2)} s CPU`);

  const cli = await CliInTmux.start({ uri: lab.uris.moon });
  let cost: number;
  let screen: string;
  const settleStart = Date.now();
  try {
    await cli.waitFor((s) => (shownCount(s) ?? 0) >= n, 300_000, `${n} IKE_SAs shown`);
    const firstListingS = (Date.now() - settleStart) / 1000;
    c0 = cpuSeconds(pid);
    await sleep(W * 1000);
    cost = cpuSeconds(pid) - c0;
    screen = await cli.screen();
    ctx.log(
      `  swantop (first listing on screen after ${firstListingS.toFixed(1)} s): ${cost.toFixed(2)} s CPU`,
    );
  } finally {
    await cli.stop();
  }
  const slowed = /polling slowed/.test(screen);
  const large = clients >= 5000;
  const target = large ? 1 / 25 : 1 / 2;
  const rows: BenchRow[] = [
    row({
      bench,
      name: `daemon cost @${n} SAs: charon CPU, swantop vs swanctl --list-sas every 1 s (${W} s)`,
      value: cost,
      unit: 's CPU',
      reference: ref,
      target,
      bounds: 'ratio',
      limit: large ? undefined : LIMITS.wallTimeBudget,
      alsoRequired: large ? undefined : !slowed,
      note: large
        ? `swantop in budgeted mode: ${slowed ? 'header says polling slowed' : 'header does NOT say polling slowed'}`
        : slowed
          ? "MISS: swantop slowed its polling (not refreshing every 2 s): scheduler.ts plan() found a full listing's wall time, as swantop measured it, above 5 % of the interval"
          : 'swantop refreshing every 2 s (full mode: no "polling slowed" on screen)',
    }),
    row({
      bench,
      name: `daemon cost @${n} SAs: idle baseline, charon CPU with nothing attached (${W} s)`,
      value: idle,
      unit: 's CPU',
      reference: ref,
      target: null,
      bounds: 'ratio',
      note: 'context: included in both figures above, not subtracted',
    }),
    row({
      bench,
      name: `daemon cost @${n} SAs: above idle, (swantop − idle) / (swanctl − idle)`,
      value: Math.max(0, cost - idle),
      unit: 's CPU',
      reference: Math.max(0, ref - idle),
      target: null,
      bounds: 'ratio',
      note: 'context only; the target row above is the raw ratio',
    }),
  ];
  return rows;
}
