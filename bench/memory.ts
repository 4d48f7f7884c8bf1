/**
 * Memory of the real CLI (tmux, 200×50): a scripted VICI daemon in this process (unix socket)
 * lists 10,000 IKE_SAs (real captured trees, replicated) and then sends 100 events a second
 * (log lines, CHILD_SA rekeys, IKE_SAs going down and new ones coming up) that change its
 * table as they say. RSS from /proc/<pid>/status.
 *  - RSS at 10,000 SAs, once listed: ≤ 150 MB. Reference: a bare `node` process's RSS.
 *  - growth over the soak (10 min; --quick: 1 min), measured from after a warm-up long enough
 *    to fill the 10,000-entry events feed (so a full buffer is the baseline): ≤ 5 %.
 */
import { spawn } from 'node:child_process';
import type { BenchContext } from './lib/context.js';
import { LIMITS } from './lib/limits.js';
import { workPath } from './lib/paths.js';
import { rssBytes } from './lib/proc.js';
import { ScriptedDaemon } from './lib/scripted-daemon.js';
import { max, rng, sleep } from './lib/stats.js';
import { CliInTmux, shownCount } from './lib/tmux.js';
import { type BenchRow, row } from './result.js';

export const MEMORY_SAS = 10_000;
const EVENTS_PER_S = 100;
const MB = 1024 * 1024;

async function bareNodeRss(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    await sleep(1500);
    return rssBytes(child.pid!);
  } finally {
    child.kill();
  }
}

export async function runMemory(ctx: BenchContext): Promise<BenchRow[]> {
  const bench = 'memory';
  const warmS = ctx.quick ? 20 : 120;
  const soakS = ctx.quick ? 60 : 600;
  const daemon = new ScriptedDaemon(workPath(`memory-${process.pid}.vici`), MEMORY_SAS);
  await daemon.listen();
  const cli = await CliInTmux.start({ uri: `unix://${daemon.socketPath}` });
  const samples: { t: number; rss: number }[] = [];
  let listed: number;
  let base: number;
  let end: number;
  try {
    await cli.waitFor(
      (s) => (shownCount(s) ?? 0) >= MEMORY_SAS,
      300_000,
      `${MEMORY_SAS} IKE_SAs shown`,
    );
    await sleep(10_000);
    listed = rssBytes(cli.pid);
    ctx.log(
      `memory: RSS at ${MEMORY_SAS} SAs ${(listed / MB).toFixed(1)} MB; ${EVENTS_PER_S} events/s, warm-up ${warmS} s, soak ${soakS} s`,
    );
    daemon.startEvents(EVENTS_PER_S, rng(42));
    await sleep(warmS * 1000);
    base = rssBytes(cli.pid);
    const t0 = Date.now();
    while (Date.now() - t0 < soakS * 1000) {
      await sleep(5000);
      samples.push({ t: (Date.now() - t0) / 1000, rss: rssBytes(cli.pid) });
      if (samples.length % 12 === 0)
        ctx.log(
          `  ${Math.round(samples.at(-1)!.t)} s: ${(samples.at(-1)!.rss / MB).toFixed(1)} MB`,
        );
    }
    end = rssBytes(cli.pid);
    if (await cli.dead()) throw new Error('swantop exited during the soak');
  } finally {
    daemon.stopEvents();
    await cli.stop();
    await daemon.close();
  }
  const bare = await bareNodeRss();
  const sent = [...daemon.sent]
    .filter(([k]) => k !== 'list-sa')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const peak = max(samples.map((s) => s.rss));
  return [
    row({
      bench,
      name: `memory: swantop RSS at ${MEMORY_SAS.toLocaleString('en-US')} IKE_SAs (real CLI, scripted daemon)`,
      value: listed / MB,
      unit: 'MB',
      reference: bare / MB,
      target: 150,
      bounds: 'value',
      limit: LIMITS.rawViews,
      note: 'reference: RSS of a bare node process doing nothing',
    }),
    row({
      bench,
      name: `memory: RSS growth over ${soakS / 60} min of ${EVENTS_PER_S} events/s at ${MEMORY_SAS.toLocaleString('en-US')} SAs`,
      value: end / MB,
      unit: 'MB',
      reference: base / MB,
      ratio: (end - base) / base,
      target: 0.05,
      bounds: 'ratio',
      limit:
        'the heap grows with each full listing of 10,000 SAs (see the RSS row) and V8 keeps it; a soak too short to fill the events feed (--quick) also counts the feed filling up',
      note: `ratio = (end − start) / start, start after a ${warmS} s warm-up${ctx.quick ? ' (too short to fill the events feed: --quick overstates growth)' : ''}; peak ${(peak / MB).toFixed(1)} MB; events sent: ${sent}`,
    }),
  ];
}
