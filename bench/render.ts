/**
 * Drawing at 10,000 and at 50,000 IKE_SAs (one CHILD_SA each): the real store (createMonitor)
 * fed by a scripted daemon on a unix socket that lists real captured SAs replicated to that
 * many, and the real App rendered by Ink (runApp's options) onto a fake 200×50 terminal in
 * this process.
 *  - frame: a CHILD_SA on screen rekeys; from the store publishing it to the write after
 *    which the screen shows its new SPIs. Target p95 ≤ 16 ms.
 *  - key → frame: j/k moving the selection; from the key to the next write. p95 ≤ 16 ms.
 *  - filter or sort change: a column picked in the sort picker (s, j, Enter: the Enter is
 *    timed), the order inverted (I), the filter opened, typed into, kept and cleared (/, digits,
 *    Enter, Esc); each from the key to the next write. p95 ≤ 50 ms at 10,000, ≤ 200 ms at
 *    50,000 (issue 9).
 * Reference (same run, same terminal, same options): Ink alone drawing 49 lines of swantop's
 * own screen with one line changing — the floor any Ink frame of that size pays.
 */
import { createMonitor } from '../source/monitor/monitor.js';
import type { BenchContext } from './lib/context.js';
import { cpuMs } from './lib/fake-tty.js';
import { mountApp, watchVisible } from './lib/ink-app.js';
import { inkFloorFrames, type Timed } from './lib/ink-floor.js';
import { LIMITS } from './lib/limits.js';
import { workPath } from './lib/paths.js';
import { ScriptedDaemon } from './lib/scripted-daemon.js';
import { max, percentile, sleep, summary } from './lib/stats.js';
import { type BenchRow, row } from './result.js';

export const RENDER_SIZES = [10_000, 50_000] as const;
/** Issue 9's targets for a filter or sort change, by size. */
const CHANGE_TARGET_MS: Record<number, number> = { 10000: 50, 50000: 200 };

export async function runRender(ctx: BenchContext): Promise<BenchRow[]> {
  const out: BenchRow[] = [];
  for (const size of RENDER_SIZES) out.push(...(await renderAt(ctx, size)));
  return out;
}

async function renderAt(ctx: BenchContext, sas: number): Promise<BenchRow[]> {
  const bench = 'render';
  const daemon = new ScriptedDaemon(workPath(`render-${process.pid}.vici`), sas);
  await daemon.listen();
  const monitor = createMonitor({ uri: `unix://${daemon.socketPath}`, host: 'bench' });
  let waitingFor: ((at: number, cpu: number) => boolean) | undefined;
  const unsub = monitor.subscribe(() => {
    if (waitingFor?.(performance.now(), cpuMs())) waitingFor = undefined;
  });
  const seen = watchVisible(monitor);
  const app = mountApp(seen.monitor);
  monitor.start();
  const { stdout, stdin } = app;
  const frames: Timed[] = [];
  const keys: Timed[] = [];
  const changes: { what: string; ms: number; cpu: number }[] = [];
  let floor: Timed[] = [];
  try {
    const ok = await stdout.until(
      () => monitor.getSnapshot().ikes.size >= sas && !monitor.getSnapshot().stale,
      300_000,
    );
    if (ok === undefined) throw new Error(`the App did not show ${sas} IKE_SAs within 300 s`);
    await sleep(1500);
    ctx.log(`render @${sas}: listed and drawn; measuring`);
    const samples = ctx.quick ? 30 : 200;

    // Frames: a visible CHILD_SA rekeys.
    for (let k = 0; k < samples; k++) {
      const ids = seen.visible();
      const id = Number(ids[k % ids.length]);
      let published: { at: number; cpu: number } | undefined;
      const snapHas = (spis: string) => {
        const r = monitor.getSnapshot().ikes.get(String(id));
        return r?.children.some((c) => `${c.sa.spiIn}/${c.sa.spiOut}` === spis) ?? false;
      };
      let token = '';
      waitingFor = (at, cpu) => {
        if (token && snapHas(token)) {
          published = { at, cpu };
          return true;
        }
        return false;
      };
      const shown = stdout.untilFrame((s) => token !== '' && s.includes(token), 2000);
      token = daemon.rekeyChild(id)?.spis ?? '';
      const f = await shown;
      if (f !== undefined && published !== undefined) {
        frames.push({ wall: f.at - published.at, cpu: f.cpu - published.cpu });
      }
      await sleep(120);
    }
    ctx.log(`  frames: ${summary(wall(frames))} ms`);

    // Keys: move the selection.
    for (let k = 0; k < samples; k++) {
      const next = stdout.nextWrite(2000);
      const t0 = performance.now();
      const c0 = cpuMs();
      stdin.key(k % 2 === 0 ? 'j' : 'k');
      const f = await next;
      if (f !== undefined) keys.push({ wall: f.at - t0, cpu: f.cpu - c0 });
      await sleep(120);
    }
    ctx.log(`  keys: ${summary(wall(keys))} ms`);

    // A key not timed (opening the picker, moving in it) still waits for its frame.
    const press = async (key: string) => {
      const next = stdout.nextWrite(5000);
      stdin.key(key);
      await next;
      await sleep(150);
    };
    const change = async (what: string, key: string) => {
      const next = stdout.nextWrite(5000);
      const t0 = performance.now();
      const c0 = cpuMs();
      stdin.key(key);
      const f = await next;
      changes.push({
        what,
        ms: f === undefined ? 5000 : f.at - t0,
        cpu: f === undefined ? 5000 : f.cpu - c0,
      });
      await sleep(150);
    };
    const rounds = ctx.quick ? 3 : 10;
    for (let k = 0; k < rounds; k++) {
      // The picker opens on the current column; the next one down is a different column.
      await press('s');
      await press('j');
      await change('sort pick', '\r');
      await change('sort invert', 'I');
    }
    for (let k = 0; k < rounds; k++) {
      await change('filter open', '/');
      for (const ch of String(100 + k * 37)) await change(`filter "${ch}"`, ch);
      await change('filter keep', '\r');
      await change('filter clear', '\x1b');
      await sleep(100);
    }
    ctx.log(`  filter/sort: ${summary(changes.map((c) => c.ms))} ms`);
    const slowest = [...changes].sort((a, b) => b.ms - a.ms).slice(0, 4);
    ctx.log(`  slowest: ${slowest.map((c) => `${c.what} ${c.ms.toFixed(1)}`).join(', ')} ms`);

    const lines = stdout.screen.text().split('\n');
    floor = await inkFloorFrames(lines, samples);
    ctx.log(`  ink floor: ${summary(wall(floor))} ms`);
  } finally {
    unsub();
    app.unmount();
    await monitor.stop();
    await daemon.close();
  }
  const ref = percentile(wall(floor), 95);
  const cpuNote = (t: Timed[]) =>
    `CPU of this process over the same spans: p50 ${percentile(cpu(t), 50).toFixed(1)} ms, p95 ${percentile(cpu(t), 95).toFixed(1)} ms (Ink floor p95 ${percentile(cpu(floor), 95).toFixed(1)} ms)`;
  const changeMs = changes.map((c) => c.ms);
  const worst = changes.reduce((a, c) => (c.ms > a.ms ? c : a), { what: '-', ms: 0 });
  const note = `reference: Ink alone redrawing one of 49 lines at 200×50 (p95)`;
  return [
    row({
      bench,
      name: `render @${sas} IKE_SAs: frame p95, a visible CHILD_SA rekeys (store publish → write)`,
      value: percentile(wall(frames), 95),
      unit: 'ms',
      reference: ref,
      target: 16,
      bounds: 'value',
      limit: `${LIMITS.inkFrame}; ${LIMITS.appOn}`,
      note: `${note}; wall ${summary(wall(frames))}; ${cpuNote(frames)}`,
    }),
    row({
      bench,
      name: `render @${sas} IKE_SAs: key → frame p95 (j/k)`,
      value: percentile(wall(keys), 95),
      unit: 'ms',
      reference: ref,
      target: 16,
      bounds: 'value',
      limit: LIMITS.inkFrame,
      note: `${note}; wall ${summary(wall(keys))}; ${cpuNote(keys)}`,
    }),
    row({
      bench,
      name: `render @${sas} IKE_SAs: filter or sort change → frame p95 (sort pick, I, /, typing, Esc)`,
      value: percentile(changeMs, 95),
      unit: 'ms',
      reference: ref,
      target: CHANGE_TARGET_MS[sas]!,
      bounds: 'value',
      limit: `${LIMITS.appOn}; ${LIMITS.inkFrame}`,
      note: `${note}; wall ${summary(changeMs)}; ${cpuNote(changes.map((c) => ({ wall: c.ms, cpu: c.cpu })))}; slowest: ${worst.what} ${worst.ms.toFixed(1)} ms (max ${max(changeMs).toFixed(1)})`,
    }),
  ];
}

const wall = (t: readonly Timed[]) => t.map((x) => x.wall);
const cpu = (t: readonly Timed[]) => t.map((x) => x.cpu);
