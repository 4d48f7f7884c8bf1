/**
 * How fast a change reaches the screen, on the lab's moon: the real store (createMonitor) and
 * the real App drawn by runApp's screen host onto a fake 200×50 terminal in this process. venus makes real
 * changes to SAs that are on screen: CHILD_SA rekeys, IKE_SA terminations (down), and bringing
 * them back (up, drawn at the top with the newest-first sort). Each event is stamped when it
 * arrives on a listen connection of our own to moon; its frame is the first write after which
 * the screen shows the change (new SPIs on screen, old SPIs gone). Target p99 ≤ 50 ms.
 * Meanwhile the age of every visible CHILD_SA row's counters is sampled every 200 ms: at most
 * 2 s at 1,000 SAs, 30 s at 5,000. Two ages, because they differ by design: `now − listedAt`
 * as the snapshot has it (rows.ts keeps an idle row's old object, and with it its old
 * listedAt, so the UI can skip it: this age grows on idle rows however often they are
 * listed), and the age since a listing last confirmed the row, read from the store's own
 * RowTable.refreshedAt (not in the snapshot: instrumentation until the snapshot carries it).
 */
import { createMonitor } from '../source/monitor/monitor.js';
import type { MonitorSnapshot } from '../source/monitor/types.js';
import { Session } from '../source/vici/index.js';
import type { ViciSection } from '../source/vici/message.js';
import { parseChildRekeyEvent, parseUpdownEvent } from '../source/vici/views.js';
import type { BenchContext } from './lib/context.js';
import { EventWatch, type Stamped } from './lib/events.js';
import { mountApp, watchVisible } from './lib/ink-app.js';
import { inkFloorFrames } from './lib/ink-floor.js';
import { BASE_SAS } from './lib/lab.js';
import { LIMITS } from './lib/limits.js';
import { max, percentile, rng, sleep, summary } from './lib/stats.js';
import { type BenchRow, row } from './result.js';

const EVENT_TIMEOUT_MS = 20_000;

/** The store's row table, for the time a listing last confirmed a row (see the file comment). */
function confirmedAt(monitor: unknown): (ikeId: string) => number | undefined {
  const table = (monitor as { table?: { refreshedAt?: (id: string) => number | undefined } }).table;
  if (typeof table?.refreshedAt !== 'function') return () => undefined;
  return (id) => table.refreshedAt!(id);
}
const FRAME_TIMEOUT_MS = 5_000;

interface OnScreen {
  ikeId: string;
  client: string;
  spis: string;
}

function visibleClients(snap: MonitorSnapshot, ids: readonly string[]): OnScreen[] {
  const out: OnScreen[] = [];
  for (const id of ids) {
    const r = snap.ikes.get(id);
    const m = /^(c\d+)\.clients\./.exec(r?.sa.remoteId ?? '');
    const c = r?.children[0]?.sa;
    if (r && m && c?.spiIn && c.spiOut && r.sa.state === 'ESTABLISHED') {
      out.push({ ikeId: id, client: m[1]!, spis: `${c.spiIn}/${c.spiOut}` });
    }
  }
  return out;
}

const uniqueidOf = (e: Stamped): string | undefined => {
  for (const [, v] of e.message) {
    if (v instanceof Map) return (v as ViciSection).get('uniqueid')?.toString();
  }
  return undefined;
};

export async function runFreshness(ctx: BenchContext, clients: number): Promise<BenchRow[]> {
  const lab = await ctx.lab.ensure(clients);
  const n = clients + BASE_SAS;
  const bench = 'freshness';
  const monitor = createMonitor({ uri: lab.uris.moon, host: 'moon' });
  const seen = watchVisible(monitor);
  const app = mountApp(seen.monitor);
  const { stdout, stdin } = app;
  const frames: { at: number; screen: string }[] = [];
  let recording = false;
  const prevWrite = stdout.onWrite;
  stdout.onWrite = (f) => {
    prevWrite?.(f);
    if (recording) frames.push({ at: f.at, screen: stdout.screen.text() });
  };
  monitor.start();

  const moon = await Session.connect({ uri: lab.uris.moon, timeoutMs: 30_000 });
  const venus = await Session.connect({ uri: lab.uris.venus, timeoutMs: 30_000 });
  const watch = new EventWatch(moon, ['child-rekey', 'ike-updown', 'child-updown']);
  const lat: Record<'rekey' | 'down' | 'up', number[]> = { rekey: [], down: [], up: [] };
  const missed: string[] = [];
  const ages: number[] = [];
  const confirmedAges: number[] = [];
  const refreshedAt = confirmedAt(monitor);
  let sampler: NodeJS.Timeout | undefined;
  const random = rng(clients + 7);
  try {
    await watch.ready;
    const t0 = Date.now();
    while (monitor.getSnapshot().ikes.size < n || monitor.getSnapshot().stale) {
      if (Date.now() - t0 > 300_000)
        throw new Error(`the store did not list ${n} IKE_SAs within 300 s`);
      await sleep(200);
    }
    await sleep(1500);
    sampler = setInterval(() => {
      const snap = monitor.getSnapshot();
      const now = Date.now();
      let oldest = 0;
      let oldestConfirmed = 0;
      for (const id of seen.visible()) {
        const confirmed = refreshedAt(id) ?? 0;
        for (const c of snap.ikes.get(id)?.children ?? []) {
          oldest = Math.max(oldest, now - c.listedAt);
          oldestConfirmed = Math.max(oldestConfirmed, now - Math.max(c.listedAt, confirmed));
        }
      }
      ages.push(oldest);
      confirmedAges.push(oldestConfirmed);
    }, 200);

    /** Time from the event to the first recorded frame that passes `shows`. */
    const measure = async (
      kind: 'rekey' | 'down' | 'up',
      act: () => Promise<unknown>,
      isIt: (e: Stamped) => boolean,
      shows: (e: Stamped) => (screen: string) => boolean,
    ) => {
      frames.length = 0;
      recording = true;
      const ev = watch.next(isIt, EVENT_TIMEOUT_MS);
      await act();
      const e = await ev;
      if (!e) {
        missed.push(`${kind}: no event within ${EVENT_TIMEOUT_MS / 1000} s`);
        recording = false;
        return undefined;
      }
      const test = shows(e);
      const deadline = performance.now() + FRAME_TIMEOUT_MS;
      let hit: number | undefined;
      while (hit === undefined && performance.now() < deadline) {
        hit = frames.find((f) => test(f.screen))?.at;
        if (hit === undefined) await sleep(5);
      }
      recording = false;
      if (hit === undefined)
        missed.push(`${kind}: not on screen ${FRAME_TIMEOUT_MS / 1000} s after the event`);
      else lat[kind].push(hit - e.at);
      return e;
    };
    const pick = (): OnScreen => {
      // Not the last IKE_SAs on screen: while a rekey is under way the old and the new
      // CHILD_SA both have a line, and the new one would fall below the bottom of the screen.
      const ids = seen.visible();
      const on = visibleClients(monitor.getSnapshot(), ids.slice(0, Math.max(1, ids.length - 3)));
      if (on.length === 0) throw new Error('no scale client is on screen');
      return on[Math.floor(random() * on.length)]!;
    };
    const gap = () => sleep(500 + random() * 500);

    const rekeys = ctx.quick ? 10 : 60;
    for (let k = 0; k < rekeys; k++) {
      const sa = pick();
      await measure(
        'rekey',
        () => venus.rekey({ child: sa.client }),
        (e) => e.type === 'child-rekey' && uniqueidOf(e) === sa.ikeId,
        (e) => {
          const r = parseChildRekeyEvent(e.message);
          const token = `${r?.new.spiIn}/${r?.new.spiOut}`;
          return (s) => s.includes(token);
        },
      );
      await gap();
    }
    ctx.log(`freshness @${n}: rekey ${summary(lat.rekey)} ms`);

    const cycles = ctx.quick ? 3 : 15;
    const downed: string[] = [];
    for (let k = 0; k < cycles; k++) {
      const sa = pick();
      await measure(
        'down',
        () => venus.terminate({ ike: sa.client, timeout: -1 }).result,
        (e) => e.type === 'ike-updown' && !e.message.has('up') && uniqueidOf(e) === sa.ikeId,
        () => (s) => !s.includes(sa.spis),
      );
      downed.push(sa.client);
      await gap();
    }
    ctx.log(`freshness @${n}: down ${summary(lat.down)} ms`);

    // Newest first, so the SAs coming back are drawn at the top.
    stdin.key('I');
    await sleep(500);
    for (const client of downed) {
      await measure(
        'up',
        () => venus.initiate({ child: client, timeout: -1 }).result,
        (e) => {
          if (e.type !== 'child-updown' || !e.message.has('up')) return false;
          const u = parseUpdownEvent(e.message);
          return u?.ike.remoteId?.startsWith(`${client}.`) ?? false;
        },
        (e) => {
          const c = parseUpdownEvent(e.message)?.ike.children?.[0];
          const token = `${c?.spiIn}/${c?.spiOut}`;
          return (s) => s.includes(token);
        },
      );
      await gap();
    }
    stdin.key('I');
    ctx.log(`freshness @${n}: up ${summary(lat.up)} ms`);
  } finally {
    if (sampler) clearInterval(sampler);
    app.unmount();
    await monitor.stop();
    await watch.close();
    await moon.close();
    await venus.close();
  }
  const floor = (
    await inkFloorFrames(
      Array.from({ length: 49 }, (_, i) => `line ${i}`),
      ctx.quick ? 20 : 60,
    )
  ).map((t) => t.wall);
  const all = [...lat.rekey, ...lat.down, ...lat.up];
  const ageTarget = clients >= 5000 ? 30_000 : 2_000;
  return [
    row({
      bench,
      name: `freshness @${n} SAs: up/down/rekey event → first frame showing it, p99 (${all.length} events)`,
      value: percentile(all, 99),
      unit: 'ms',
      reference: percentile(floor, 99),
      target: 50,
      bounds: 'value',
      limit: LIMITS.frameLatency,
      alsoRequired: missed.length === 0 ? undefined : false,
      note:
        `reference: Ink alone drawing a 200×50 frame in this process (p99 of ${floor.length}); ` +
        `rekey ${summary(lat.rekey)}; down ${summary(lat.down)}; up ${summary(lat.up)}` +
        (missed.length > 0 ? `; MISSED ${missed.length}: ${[...new Set(missed)].join(', ')}` : ''),
    }),
    row({
      bench,
      name: `freshness @${n} SAs: age of the oldest visible row's counters (now − listedAt), max over the run`,
      value: max(ages),
      unit: 'ms',
      reference: monitor.getSnapshot().intervalMs,
      target: ageTarget,
      bounds: 'value',
      limit: LIMITS.listedAt,
      note:
        `sampled every 200 ms (${summary(ages)}); reference: the poll interval; poll mode at the end: ${monitor.getSnapshot().poll.mode}; ` +
        'rows.ts keeps an idle row with its old listedAt, so this grows on idle rows even when listed every interval',
    }),
    row({
      bench,
      name: `freshness @${n} SAs: age of the oldest visible row since a listing confirmed it, max over the run`,
      value: max(confirmedAges),
      unit: 'ms',
      reference: monitor.getSnapshot().intervalMs,
      target: ageTarget,
      bounds: 'value',
      limit: monitor.getSnapshot().poll.mode === 'full' ? LIMITS.fullPeriod : LIMITS.budgetedRows,
      note: `now − max(listedAt, RowTable.refreshedAt) read from the store's internals (${summary(confirmedAges)}); reference: the poll interval`,
    }),
  ];
}
