/*
 * Fault: moon's charon is SIGKILLed under a live monitor, then started again (with its peers
 * dialling back in). The monitor must say "reconnecting" at once, never present a row the
 * link cannot vouch for, register its events again on the new daemon, and converge on what
 * the new daemon holds — checked against swanctl, the independent oracle.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { initiate } from '../../lab/daemon.js';
import { daemonPid, restartDaemon, swanctl } from '../../lab/lab.js';
import { createMonitor } from '../../source/monitor/monitor.js';
import type { Monitor, MonitorSnapshot } from '../../source/monitor/types.js';
import { snapshotShape, spiOf, untilMatchesOracle, untilSnapshot } from './fault-helpers.js';
import { labInfo } from './vici-lab.js';

const lab = labInfo();
let monitor: Monitor | undefined;

afterEach(async () => {
  await monitor?.stop();
  monitor = undefined;
});

// Leave the lab whole for the files after this one, whatever happened above.
afterAll(async () => {
  if ((await daemonPid(lab, 'moon')) === undefined) await restartDaemon(lab, 'moon');
});

describe('charon SIGKILLed and restarted under a live monitor', () => {
  it('reconnects within 1 s, shows nothing as live meanwhile, re-registers events, and converges on swanctl', async () => {
    const m = createMonitor({ uri: lab.uris.moon, intervalMs: 500 });
    monitor = m;
    m.start();
    const before = await untilMatchesOracle(m, lab, 'moon', 'the first listing to match swanctl');
    expect(before.length).toBeGreaterThanOrEqual(3); // net-net, carol, dave

    const seen: MonitorSnapshot[] = [];
    const off = m.subscribe(() => seen.push(m.getSnapshot()));
    // Timed from the signal: looking the pid up spawns `ip netns pids`, which on a busy
    // machine alone can take longer than the monitor needs to notice.
    const pid = await daemonPid(lab, 'moon');
    if (pid === undefined) throw new Error("moon's charon is not running");
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    const lost = await untilSnapshot(
      m,
      'reconnecting',
      (s) => s.link.kind === 'reconnecting',
      1000,
    );
    expect(Date.now() - killedAt).toBeLessThan(1000);
    if (lost.link.kind !== 'reconnecting') throw new Error('unreachable');
    expect(lost.stale).toBe(true);
    expect(lost.link.reason).not.toContain('\n');
    expect(lost.link.reason.length).toBeGreaterThan(0);
    // Its rows are still there (the last values seen), flagged as such.
    expect(lost.ikes.size).toBe(before.length);
    // Rates are not shown as live under "reconnecting"; the counts are marked stale.
    expect(lost.figures).toMatchObject({ stale: true, rateIn: null, rateOut: null });

    // While the daemon is gone the monitor keeps trying and says why.
    await untilSnapshot(
      m,
      'a failed retry',
      (s) => s.link.kind === 'reconnecting' && s.link.attempt >= 2,
      5_000,
    );

    const restartedAt = Date.now();
    await restartDaemon(lab, 'moon');
    const after = await untilMatchesOracle(m, lab, 'moon', 'the rows to match the new daemon');
    off();

    // A real restart is told (the uptime went backwards), once.
    const restarted = m
      .getSnapshot()
      .events.entries.filter((e) => e.text.startsWith('the daemon restarted'));
    expect(restarted).toHaveLength(1);

    // The new daemon's SAs are new ones (new SPIs): none of the old rows survived.
    const oldSpis = new Set(before.map(spiOf));
    for (const line of after) expect(oldSpis.has(spiOf(line))).toBe(false);

    // No snapshot between the kill and the first trusted listing called an old row live.
    const firstTrusted = seen.findIndex((s) => s.link.kind === 'live' && !s.stale);
    expect(firstTrusted).toBeGreaterThan(0);
    for (const s of seen.slice(0, firstTrusted)) {
      expect(s.stale, `snapshot ${s.version} (link ${s.link.kind})`).toBe(true);
    }
    for (const s of seen) {
      if (s.link.kind !== 'live') expect(s.stale).toBe(true);
      if (s.link.kind !== 'live') expect(s.figures?.rateIn).toBeNull();
      if (!s.stale) {
        for (const line of snapshotShape(s)) {
          expect(oldSpis.has(spiOf(line))).toBe(false);
        }
      }
    }

    // Events were registered again on the new daemon: dave leaving and coming back reaches
    // the store as ike-updown events.
    const sinceSeq = m.getSnapshot().events.total;
    await swanctl(lab.sockets.dave, ['--terminate', '--ike', lab.conns.home, '--timeout', '10']);
    await initiate(lab, 'dave', lab.conns.home);
    await untilSnapshot(
      m,
      'ike-updown events from the restarted daemon',
      (s) =>
        s.events.entries.filter(
          (e) => e.seq > sinceSeq && e.kind === 'ike-updown' && e.at >= restartedAt,
        ).length >= 2,
      15_000,
    );
    await untilMatchesOracle(m, lab, 'moon', 'the rows to match swanctl after dave came back');
  });
});
