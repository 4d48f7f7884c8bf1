/**
 * Memory of the real CLI (dist/cli.js in tmux, 200×50), RSS from /proc/<pid>/status, sampled
 * every second over a window once the rows are on screen (the median is the figure; V8's
 * collector makes RSS a sawtooth, so the peak is given beside it):
 *  - the CLI's own floor: the same binary against a scripted daemon with no SA at all. The
 *    reference for every row below (issue 9: "the CLI's own floor").
 *  - at 1,003 SAs on the bench lab (moon's real charon): ≤ 80 MB.
 *  - at 10,000 and 50,000 SAs, a scripted VICI daemon in this process (real captured trees,
 *    replicated): ≤ 150 MB and ≤ 400 MB.
 *  - growth over a soak of 100 events a second at 10,000 SAs (log lines, CHILD_SA rekeys,
 *    IKE_SAs going down and new ones coming up, changing the daemon's table as they say),
 *    10 min (--quick: 1 min), measured from after a warm-up long enough to fill the
 *    10,000-entry events feed (so a full buffer is the baseline), as the trend of a sample
 *    every 2 s (see soak()): ≤ 5 %.
 */
import type { BenchContext } from './lib/context.js';
import { BASE_SAS } from './lib/lab.js';
import { workPath } from './lib/paths.js';
import { rssBytes } from './lib/proc.js';
import { ScriptedDaemon } from './lib/scripted-daemon.js';
import { fitLine, max, median, rng, sleep } from './lib/stats.js';
import { CliInTmux, shownCount } from './lib/tmux.js';
import { type BenchRow, row } from './result.js';

export const MEMORY_SAS = 10_000;
const EVENTS_PER_S = 100;
const MB = 1024 * 1024;
const LAB_CLIENTS = 1000;

interface Rss {
  median: number;
  peak: number;
}

/** RSS samples, one a second for `seconds`. */
async function sampleRss(pid: number, seconds: number): Promise<Rss> {
  const xs: number[] = [];
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    xs.push(rssBytes(pid));
  }
  return { median: median(xs), peak: max(xs) };
}

/** The CLI on `uri` once `n` IKE_SAs are on screen and it has settled, for `windowS`. */
async function cliRss(uri: string, n: number, windowS: number): Promise<Rss> {
  const cli = await CliInTmux.start({ uri });
  try {
    if (n === 0) await cli.waitFor((s) => /no IKE_SAs/.test(s), 60_000, 'the empty list');
    else await cli.waitFor((s) => (shownCount(s) ?? 0) >= n, 600_000, `${n} IKE_SAs shown`);
    // The first listing's garbage is collected by then; what stays is the steady state.
    await sleep(10_000);
    const rss = await sampleRss(cli.pid, windowS);
    if (await cli.dead()) throw new Error('swantop exited while its memory was measured');
    return rss;
  } finally {
    await cli.stop();
  }
}

async function scriptedRss(ctx: BenchContext, n: number, windowS: number): Promise<Rss> {
  const daemon = new ScriptedDaemon(workPath(`memory-${n}-${process.pid}.vici`), n);
  await daemon.listen();
  try {
    const rss = await cliRss(`unix://${daemon.socketPath}`, n, windowS);
    ctx.log(
      `memory @${n}: RSS median ${(rss.median / MB).toFixed(1)} MB, peak ${(rss.peak / MB).toFixed(1)} MB`,
    );
    return rss;
  } finally {
    await daemon.close();
  }
}

interface Soak {
  /** The least-squares line through every sample, at the soak's start and end. */
  fitStart: number;
  fitEnd: number;
  /** Medians of the first and the last `edgeS` seconds. */
  firstMedian: number;
  lastMedian: number;
  edgeS: number;
  peak: number;
  samples: number;
  sent: string;
}

/**
 * RSS every 2 s over the soak. V8's collector makes RSS a sawtooth of ±10 % here, so two
 * windows at the ends can land on a tooth's top and bottom (one run: medians 180 → 195 MB
 * while the 5 s samples between stayed within 171–181 MB); the trend of every sample is the
 * figure, the two ends' medians are given beside it.
 */
async function soak(ctx: BenchContext): Promise<Soak> {
  const warmS = ctx.quick ? 20 : 120;
  const soakS = ctx.quick ? 60 : 600;
  const edgeS = ctx.quick ? 15 : 60;
  const daemon = new ScriptedDaemon(workPath(`memory-soak-${process.pid}.vici`), MEMORY_SAS);
  await daemon.listen();
  const cli = await CliInTmux.start({ uri: `unix://${daemon.socketPath}` });
  const points: { t: number; y: number }[] = [];
  try {
    await cli.waitFor(
      (s) => (shownCount(s) ?? 0) >= MEMORY_SAS,
      300_000,
      `${MEMORY_SAS} IKE_SAs shown`,
    );
    await sleep(10_000);
    ctx.log(
      `memory: ${EVENTS_PER_S} events/s at ${MEMORY_SAS} SAs, warm-up ${warmS} s, soak ${soakS} s`,
    );
    daemon.startEvents(EVENTS_PER_S, rng(42));
    await sleep(warmS * 1000);
    const t0 = Date.now();
    while (Date.now() - t0 < soakS * 1000) {
      await sleep(2000);
      points.push({ t: (Date.now() - t0) / 1000, y: rssBytes(cli.pid) });
      if (points.length % 30 === 0)
        ctx.log(`  ${Math.round(points.at(-1)!.t)} s: ${(points.at(-1)!.y / MB).toFixed(1)} MB`);
    }
    if (await cli.dead()) throw new Error('swantop exited during the soak');
  } finally {
    daemon.stopEvents();
    await cli.stop();
    await daemon.close();
  }
  const sent = [...daemon.sent]
    .filter(([k]) => k !== 'list-sa')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const { a, b } = fitLine(points);
  const ys = (from: number, to: number) =>
    points.filter((p) => p.t >= from && p.t < to).map((p) => p.y);
  return {
    fitStart: a,
    fitEnd: a + b * soakS,
    firstMedian: median(ys(0, edgeS)),
    lastMedian: median(ys(soakS - edgeS, Infinity)),
    edgeS,
    peak: max(points.map((p) => p.y)),
    samples: points.length,
    sent,
  };
}

export async function runMemory(
  ctx: BenchContext,
  sizes = [MEMORY_SAS, 50_000],
): Promise<BenchRow[]> {
  const bench = 'memory';
  const windowS = ctx.quick ? 10 : 30;
  const rows: BenchRow[] = [];
  const floor = await scriptedRss(ctx, 0, windowS);
  const mb = (r: Rss) => `median of ${windowS} 1 s samples; peak ${(r.peak / MB).toFixed(1)} MB`;
  const floorNote = `reference: the same CLI against a daemon with no SA (its floor: Node, React, Ink, yoga), peak ${(floor.peak / MB).toFixed(1)} MB`;

  const lab = await ctx.lab.ensure(LAB_CLIENTS);
  const n = LAB_CLIENTS + BASE_SAS;
  const atLab = await cliRss(lab.uris.moon, n, windowS);
  ctx.log(`memory @${n} (lab): RSS median ${(atLab.median / MB).toFixed(1)} MB`);
  rows.push(
    row({
      bench,
      name: `memory: swantop RSS at ${n.toLocaleString('en-US')} IKE_SAs (real CLI, the lab's moon)`,
      value: atLab.median / MB,
      unit: 'MB',
      reference: floor.median / MB,
      target: 80,
      bounds: 'value',
      limit:
        "the CLI's floor (this row's reference) is already about 80 MB with no SA at all: Node 20 itself (a bare node process is ~40 MB), React, Ink and yoga's WebAssembly memory (~20 MB); Node 24, the package's runtime, has a higher floor (96 MB measured). What 1,003 SAs add is 10–20 MB. It would take a lighter runtime or renderer, not a smaller row model",
      note: `${mb(atLab)}; ${floorNote}`,
    }),
  );
  const targets: Record<number, number> = { 10000: 150, 50000: 400 };
  for (const size of sizes) {
    const r = await scriptedRss(ctx, size, windowS);
    rows.push(
      row({
        bench,
        name: `memory: swantop RSS at ${size.toLocaleString('en-US')} IKE_SAs (real CLI, scripted daemon)`,
        value: r.median / MB,
        unit: 'MB',
        reference: floor.median / MB,
        target: targets[size] ?? null,
        bounds: 'value',
        note: `${mb(r)}; ${floorNote}`,
      }),
    );
  }
  const s = await soak(ctx);
  const soakS = ctx.quick ? 60 : 600;
  rows.push(
    row({
      bench,
      name: `memory: RSS growth over ${soakS / 60} min of ${EVENTS_PER_S} events/s at ${MEMORY_SAS.toLocaleString('en-US')} SAs`,
      value: s.fitEnd / MB,
      unit: 'MB',
      reference: s.fitStart / MB,
      ratio: (s.fitEnd - s.fitStart) / s.fitStart,
      target: 0.05,
      bounds: 'ratio',
      note: `ratio = the trend (least squares over ${s.samples} samples, one each 2 s) from the soak's start to its end, after a ${ctx.quick ? 20 : 120} s warm-up${ctx.quick ? ' (too short to fill the events feed: --quick overstates growth)' : ''}; medians of the first and last ${s.edgeS} s: ${(s.firstMedian / MB).toFixed(1)} → ${(s.lastMedian / MB).toFixed(1)} MB (${(((s.lastMedian - s.firstMedian) / s.firstMedian) * 100).toFixed(1)} %); peak ${(s.peak / MB).toFixed(1)} MB; events sent: ${s.sent}`,
    }),
  );
  return rows;
}
