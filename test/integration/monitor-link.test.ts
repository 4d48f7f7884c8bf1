/*
 * The store when the daemon misbehaves, with carol's real charon: stopped (SIGSTOP) it must not
 * wedge the store and must recover without stale or duplicate rows; killed (SIGKILL) the
 * header must say "reconnecting" within a second, and a restarted daemon must be picked up
 * with a fresh listing and events registered again. carol is restarted the way the lab starts
 * it, and moon is left with exactly one IKE_SA from carol, as before.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { daemonPid, killDaemon, oracleListSas, restartDaemon, swanctl } from '../../lab/lab.js';
import { installed, labInfo, monitorOn, stopMonitors, until } from './monitor-lab.js';

const lab = labInfo();

afterAll(async () => {
  await stopMonitors();
});

async function carolKeys(): Promise<string[]> {
  return (await oracleListSas(lab.sockets.carol)).map((o) => String(o.sa.uniqueid)).sort();
}

describe('a stopped daemon', () => {
  it('shows a stall with stale rows, then recovers after SIGCONT with no stale or duplicate rows', async () => {
    const m = monitorOn(lab, 'carol', { intervalMs: 500 });
    const s = await until(m, 'carol listed', (x) =>
      !x.stale && x.ikes.size === 1 ? x : undefined,
    );
    const keys = [...s.ikes.keys()];
    await killDaemon(lab, 'carol', 'SIGSTOP');
    try {
      const stalled = await until(m, 'the stall', (x) => (x.stalled ? x : undefined), 20_000);
      expect(stalled.stale).toBe(true);
      expect(stalled.status?.level).toBe('error');
      expect(stalled.stalled!.reason).toMatch(/no answer|within/);
    } finally {
      await killDaemon(lab, 'carol', 'SIGCONT');
    }
    const back = await until(
      m,
      'recovery',
      (x) => (!x.stalled && !x.stale && x.link.kind === 'live' ? x : undefined),
      30_000,
    );
    expect([...back.ikes.keys()]).toEqual(keys);
    expect([...back.ikes.keys()].sort()).toEqual(await carolKeys());
    expect(installed(back.ikes.get(keys[0]!))).toBeDefined();
    // Still listing after the stall: a later listing arrives.
    const lastUpdate = back.lastUpdateAt ?? 0;
    await until(m, 'a later listing', (x) => (x.lastUpdateAt ?? 0) > lastUpdate, 10_000);
  });
});

describe('a killed daemon', () => {
  it('says reconnecting within a second, and picks up the restarted daemon with fresh rows', async () => {
    const m = monitorOn(lab, 'carol', { intervalMs: 500 });
    await until(m, 'carol listed', (x) => !x.stale && x.ikes.size === 1);
    // Timed from the signal, not from the pid lookup before it (a spawned `ip netns pids`).
    const pid = await daemonPid(lab, 'carol');
    if (pid === undefined) throw new Error("carol's charon is not running");
    const killedAt = Date.now();
    try {
      process.kill(pid, 'SIGKILL');
      const lost = await until(m, 'reconnecting', (x) =>
        x.link.kind === 'reconnecting' ? x : undefined,
      );
      expect(Date.now() - killedAt).toBeLessThan(1000);
      expect(lost.stale).toBe(true);
      if (lost.link.kind !== 'reconnecting') throw new Error('unreachable');
      expect(lost.link.reason.length).toBeGreaterThan(0);
      expect(lost.link.reason).not.toContain('\n');
    } finally {
      await restartDaemon(lab, 'carol');
    }
    const fresh = await until(
      m,
      'a fresh listing from the new daemon',
      (x) =>
        x.link.kind === 'live' &&
        !x.stale &&
        x.ikes.size === 1 &&
        installed([...x.ikes.values()][0])
          ? x
          : undefined,
      30_000,
    );
    expect([...fresh.ikes.keys()].sort()).toEqual(await carolKeys());
    // Events were registered again: a rekey shows up in the feed without a listing.
    const row = [...fresh.ikes.values()][0]!;
    const child = installed(row)!;
    const r = await m.actions.rekey([
      { kind: 'child', ikeUniqueid: row.key, uniqueid: child.sa.uniqueid, name: child.sa.name },
    ]);
    expect(r.ok).toBe(true);
    await until(
      m,
      'the child-rekey event',
      (x) => x.events.entries.some((e) => e.kind === 'child-rekey' && e.at >= killedAt),
      5_000,
    );

    // Leave moon as it was: one IKE_SA from carol (INITIAL_CONTACT should have replaced the
    // old one; if not, the leftover goes).
    const carolOnMoon = async () =>
      (await oracleListSas(lab.sockets.moon)).filter(
        (o) => o.sa['remote-id'] === 'carol.swantop.test',
      );
    const onMoon = await carolOnMoon();
    const current = onMoon.filter((o) => o.sa['remote-host'] === lab.addresses.carolIp);
    if (onMoon.length > 1) {
      const newest = Math.max(...current.map((o) => Number(o.sa.uniqueid)));
      for (const o of onMoon) {
        if (Number(o.sa.uniqueid) !== newest) {
          await swanctl(lab.sockets.moon, [
            '--terminate',
            '--ike-id',
            String(o.sa.uniqueid),
            '--force',
          ]);
        }
      }
    }
    expect(await carolOnMoon()).toHaveLength(1);
  });
});
