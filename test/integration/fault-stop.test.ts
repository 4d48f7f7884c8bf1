/*
 * Fault: moon's charon is SIGSTOPped for over 10 s under a live monitor and the real App. The
 * sockets stay open but nothing answers: an action must come back as a timeout with a clear
 * status, the rows must be marked stale, the UI must keep answering keys (move, help, quit),
 * and after SIGCONT everything must recover to exactly what swanctl reports, with no stale or
 * duplicate rows.
 */
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { daemonPid, killDaemon, restartDaemon } from '../../lab/lab.js';
import { createMonitor } from '../../source/monitor/monitor.js';
import type { Monitor } from '../../source/monitor/types.js';
import { App } from '../../source/ui/app.js';
import { sleep, untilMatchesOracle, untilSnapshot } from './fault-helpers.js';
import { labInfo } from './vici-lab.js';

const lab = labInfo();
let monitor: Monitor | undefined;
let ui: ReturnType<typeof render> | undefined;

afterEach(async () => {
  ui?.unmount();
  await monitor?.stop();
  ui = undefined;
  monitor = undefined;
});

// Whatever happened, moon must run again for the files after this one.
afterAll(async () => {
  const pid = await daemonPid(lab, 'moon');
  if (pid !== undefined) process.kill(pid, 'SIGCONT');
  else await restartDaemon(lab, 'moon');
});

const DOWN = '\x1b[B';
const ESC = '\x1b';

/** Presses a key and resolves with how long the frame took to change (ms). */
async function pressAndTime(key: string, changed: (frame: string) => boolean): Promise<number> {
  const t0 = performance.now();
  ui!.stdin.write(key);
  for (;;) {
    if (changed(ui!.lastFrame() ?? '')) return performance.now() - t0;
    if (performance.now() - t0 > 2_000) {
      throw new Error(`no frame change within 2 s of ${JSON.stringify(key)}:\n${ui!.lastFrame()}`);
    }
    await sleep(5);
  }
}

describe('charon SIGSTOPped under a live monitor and the real UI', () => {
  it('times actions out with a clear status, keeps the keys answering, and recovers after SIGCONT', async () => {
    const m = createMonitor({ uri: lab.uris.moon, intervalMs: 500 });
    monitor = m;
    m.start();
    const before = await untilMatchesOracle(m, lab, 'moon', 'the first listing to match swanctl');
    expect(before.length).toBeGreaterThanOrEqual(3);
    let quits = 0;
    ui = render(createElement(App, { monitor: m, noColor: true, onQuit: () => quits++ }));
    const deadline = Date.now() + 5_000;
    while (!(ui.lastFrame() ?? '').includes(lab.conns.netNet)) {
      if (Date.now() > deadline) throw new Error(`no rows drawn:\n${ui.lastFrame()}`);
      await sleep(20);
    }
    const netNet = [...m.getSnapshot().ikes.values()].find((r) => r.sa.name === lab.conns.netNet);
    expect(netNet).toBeDefined();

    const pid = await killDaemon(lab, 'moon', 'SIGSTOP');
    const stoppedAt = Date.now();
    try {
      const rekey = m.actions.rekey([
        { kind: 'ike', uniqueid: netNet!.sa.uniqueid, name: netNet!.sa.name },
      ]);

      // The poll loop notices the silence: stalled, every row stale, and a status saying so.
      const stalled = await untilSnapshot(m, 'the stall', (s) => s.stalled !== undefined, 9_000);
      expect(stalled.stale).toBe(true);
      expect(stalled.stalled?.reason).not.toContain('\n');
      // The link says so itself, and the stall counts from the last answer: the banner's
      // "has not answered for" and the header's "updated N s ago" are one clock.
      expect(stalled.link.kind).toBe('stalled');
      if (stalled.link.kind !== 'stalled') throw new Error('unreachable');
      expect(stalled.link.since).toBe(stalled.lastUpdateAt);
      expect(stalled.link.since).toBeLessThanOrEqual(stoppedAt + 1_000);
      // Meters and totals are the last ones seen: marked stale, and no rate passes as live.
      expect(stalled.figures).toMatchObject({ stale: true, rateIn: null, rateOut: null });
      await sleep(100);
      expect(ui.lastFrame()).toMatch(/STALE/);

      // Keys answer while the daemon is stopped: move (from the top, so there is a row to
      // move to), help, close. The footer always names "?Help", so the overlay is told apart
      // by its title.
      ui.stdin.write('g');
      await sleep(100);
      const top = ui.lastFrame();
      const moved = await pressAndTime(DOWN, (f) => f !== top);
      const help = await pressAndTime('?', (f) => /Help: every key/.test(f));
      const closed = await pressAndTime(ESC, (f) => !/Help: every key/.test(f));
      for (const ms of [moved, help, closed]) expect(ms).toBeLessThan(250);

      // The rekey cannot be answered: it times out, and says so in one line.
      const result = await rekey;
      expect(result.ok).toBe(false);
      expect(result.text).toMatch(/no answer within \d+ ms/);
      expect(result.text).not.toContain('\n');
      expect(m.getSnapshot().status?.level).toBe('error');
      expect(m.getSnapshot().stale).toBe(true);

      // Stopped for at least 10 s in all; quit still works while it is.
      await sleep(Math.max(0, 10_000 - (Date.now() - stoppedAt)));
      expect(m.getSnapshot().stale).toBe(true);
      ui.stdin.write('q');
      const quitBy = Date.now() + 1_000;
      while (quits === 0 && Date.now() < quitBy) await sleep(5);
      expect(quits).toBe(1);
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(10_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }

    // Recovery: the daemon answers again, rows are trusted and exactly swanctl's.
    const after = await untilMatchesOracle(m, lab, 'moon', 'the rows to match swanctl again');
    const s = m.getSnapshot();
    expect(s.stalled).toBeUndefined();
    expect(s.link.kind).toBe('live');
    expect(s.figures?.stale).toBe(false);
    // No duplicates: every IKE_SA and CHILD_SA unique id once, and as many rows as swanctl.
    const ikeIds = [...s.ikes.values()].map((r) => r.sa.uniqueid);
    const childIds = [...s.ikes.values()].flatMap((r) => r.children.map((c) => c.sa.uniqueid));
    expect(new Set(ikeIds).size).toBe(ikeIds.length);
    expect(new Set(childIds).size).toBe(childIds.length);
    expect(ikeIds.length).toBe(after.length);
  });
});
