import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMonitor, snapshotOnce } from '../../source/monitor/monitor.js';
import type { Monitor, MonitorSnapshot } from '../../source/monitor/types.js';
import { formatJson } from '../../source/once.js';
import type { EncodableSection } from '../../source/vici/message.js';
import { FakeDaemon } from './fake-daemon.js';
import { childTree, ikeFields } from './monitor-trees.js';

/*
 * Issue 13's truth items, on the whole store over an in-memory daemon (fake-daemon.ts) and
 * virtual time: the numbers it publishes must be the daemon's, and what it cannot know must
 * say so.
 */

let monitor: Monitor | undefined;

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-12-01T21:00:00Z') });
});

afterEach(async () => {
  const m = monitor;
  monitor = undefined;
  if (m) {
    const stopped = m.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    await stopped;
  }
  vi.useRealTimers();
});

const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

function start(d: FakeDaemon, intervalMs = 500): Monitor {
  monitor = createMonitor({ connect: d.connect, now: () => Date.now(), intervalMs, host: 'fake' });
  monitor.start();
  return monitor;
}

const notes = (s: MonitorSnapshot) => s.events.entries.map((e) => e.text);

function childRekeyTree(
  ike: string,
  old: { uniqueid: string; bytesIn: number },
  next: { uniqueid: string },
): EncodableSection {
  return {
    'net-net': {
      ...ikeFields({ uniqueid: ike }),
      'child-sas': { 'net-net': { old: childTree(old), new: childTree(next) } },
    },
  };
}

describe('a daemon restart is told from the flicker of uptime.since', () => {
  it('keeps lineage totals through 20 s of a flickering since, and forgets them after a real restart', async () => {
    const d = new FakeDaemon();
    d.ikes = [{ uniqueid: '1', children: [{ uniqueid: '1', bytesIn: 1_000 }] }];
    const m = start(d);
    await advance(1_000);
    expect(m.getSnapshot().ikes.get('1')?.children[0]?.bytesInTotal).toBe(1_000);
    // A CHILD_SA rekey: the new one carries the old one's 1,000 bytes.
    d.emit(
      'child-rekey',
      childRekeyTree('1', { uniqueid: '1', bytesIn: 1_000 }, { uniqueid: '2' }),
    );
    d.ikes = [{ uniqueid: '1', children: [{ uniqueid: '2', bytesIn: 10 }] }];
    // charon computes since as wall clock minus uptime: its second flickers (seen on the lab:
    // 27 × :32 and 3 × :33 in 6 s).
    for (let i = 0; i < 40; i++) {
      d.uptime.since = i % 3 === 0 ? 'Dec 01 20:57:33 2026' : 'Dec 01 20:57:32 2026';
      d.uptime.running = `${62 + Math.floor(i / 120)} minutes`;
      await advance(500);
    }
    let s = m.getSnapshot();
    expect(notes(s).filter((t) => t.includes('restarted'))).toEqual([]);
    expect(s.ikes.get('1')!.children[0]!.bytesInTotal).toBe(1_010);

    // A real restart: the uptime goes back to seconds, unique ids start over.
    d.kill();
    await advance(300);
    d.revive();
    d.uptime = { running: '2 seconds', since: 'Dec 01 21:00:19 2026' };
    d.ikes = [{ uniqueid: '1', children: [{ uniqueid: '2', bytesIn: 5 }] }];
    await advance(3_000);
    s = m.getSnapshot();
    expect(s.link.kind).toBe('live');
    expect(notes(s).filter((t) => t.includes('the daemon restarted'))).toHaveLength(1);
    // Not 1,005: the old daemon's lineage does not leak into a stranger with the same id.
    expect(s.ikes.get('1')!.children[0]!.bytesInTotal).toBe(5);
  });
});

describe('a stalled daemon (SIGSTOP)', () => {
  it('is a link state; figures are stale, rates unknown, and every age counts from the last answer', async () => {
    const d = new FakeDaemon();
    let bytes = 1_000;
    const grow = () => {
      bytes += 50_000;
      d.ikes = [{ uniqueid: '1', children: [{ uniqueid: '1', bytesIn: bytes, bytesOut: bytes }] }];
    };
    grow();
    const m = start(d);
    for (let i = 0; i < 6; i++) {
      grow();
      await advance(500);
    }
    let s = m.getSnapshot();
    expect(s.link.kind).toBe('live');
    expect(s.figures?.stale).toBe(false);
    expect(s.figures?.rateIn).toBeGreaterThan(0);
    const lastAnswer = s.lastUpdateAt!;

    d.answering = false;
    await advance(12_000);
    s = m.getSnapshot();
    if (s.link.kind !== 'stalled') throw new Error(`link is ${s.link.kind}, not stalled`);
    expect(s.stale).toBe(true);
    // One clock: the stall began at the last answer, which is what "updated N s ago" shows.
    expect(s.link.since).toBe(s.lastUpdateAt);
    expect(s.stalled?.since).toBe(s.lastUpdateAt);
    expect(s.link.since).toBeGreaterThanOrEqual(lastAnswer);
    expect(s.link.since).toBeLessThan(lastAnswer + 1_000);
    expect(s.figures).toMatchObject({ stale: true, rateIn: null, rateOut: null, ike: 1 });
    expect(s.figures?.asOf).toBe(s.lastUpdateAt);

    d.answering = true;
    await advance(8_000);
    s = m.getSnapshot();
    expect(s.link.kind).toBe('live');
    expect(s.stalled).toBeUndefined();
    expect(s.figures?.stale).toBe(false);

    // kill -9: while reconnecting no rate is shown as live.
    d.kill();
    await advance(100);
    s = m.getSnapshot();
    expect(s.link.kind).toBe('reconnecting');
    expect(s.figures).toMatchObject({ stale: true, rateIn: null, rateOut: null });
  });
});

describe('before the first connection', () => {
  it('counts are unknown, and the feed never says it lost a daemon it never had', async () => {
    const d = new FakeDaemon();
    d.refuse = new Error('no vici socket at /run/x.vici: is charon running?');
    const m = start(d);
    let s = m.getSnapshot();
    expect(s.figures).toMatchObject({
      ike: null,
      established: null,
      connecting: null,
      halfOpen: null,
      child: null,
      rateIn: null,
      stale: true,
    });
    await advance(3_000);
    s = m.getSnapshot();
    expect(s.link.kind).toBe('reconnecting');
    expect(s.figures?.ike).toBeNull();
    expect(notes(s).some((t) => t.startsWith('cannot reach the daemon: no vici socket'))).toBe(
      true,
    );
    expect(notes(s).some((t) => t.includes('lost the daemon'))).toBe(false);

    d.ikes = [{ uniqueid: '1', children: [{ uniqueid: '1' }] }];
    d.revive();
    await advance(12_000);
    s = m.getSnapshot();
    expect(s.link.kind).toBe('live');
    expect(s.figures).toMatchObject({ ike: 1, established: 1, child: 1, halfOpen: 0 });
    // No rate yet: one listing of a child is no rate, and that is not 0.
    d.kill();
    await advance(100);
    expect(notes(m.getSnapshot()).some((t) => t.startsWith('lost the daemon'))).toBe(true);
  });
});

describe('closing', () => {
  it('stop() lets every connection finish what is in flight before closing it', async () => {
    const d = new FakeDaemon();
    d.ikes = [{ uniqueid: '1' }];
    const m = start(d);
    await advance(1_000);
    const stopped = m.stop();
    monitor = undefined;
    await advance(1_000);
    await stopped;
    expect(d.ports).toHaveLength(3);
    for (const p of d.ports) expect(d.methodsOn(p.index).slice(-2)).toEqual(['version', 'close']);
  });

  it('--once closes quietly too, and reports no rate (one listing has none)', async () => {
    const d = new FakeDaemon();
    d.ikes = [{ uniqueid: '1', children: [{ uniqueid: '1', bytesIn: 480_000 }] }];
    const snap = await snapshotOnce({ connect: d.connect });
    expect(d.methodsOn(0).slice(-2)).toEqual(['version', 'close']);
    const json = JSON.parse(formatJson(snap));
    expect(json.totals.rateIn).toBeNull();
    expect(json.totals.rateOut).toBeNull();
    expect(json.totals.ike).toBe(1);
    expect(json.ikeSas[0]['child-sas']['net-net-1']['bytes-in']).toBe('480000');
  });
});

describe('redirect', () => {
  const target = { kind: 'ike' as const, uniqueid: '1', name: 'net-net' };
  const setup = async () => {
    const d = new FakeDaemon();
    d.ikes = [{ uniqueid: '1', localHost: '192.168.0.1', children: [{ uniqueid: '1' }] }];
    const m = start(d);
    await advance(1_000);
    return { d, m };
  };

  it('follows the SA: went down after 1.2 s', async () => {
    const { d, m } = await setup();
    const result = m.actions.redirect([target], '192.168.0.9');
    await advance(0);
    expect(m.getSnapshot().status?.text).toMatch(/sent, watching whether it goes down$/);
    await advance(1_200);
    d.ikes = [];
    d.emit('ike-updown', { 'net-net': ikeFields({ uniqueid: '1' }) });
    await advance(0);
    expect(await result).toEqual({
      ok: true,
      text: 'redirected net-net[1] to 192.168.0.9: went down after 1.2 s',
    });
    expect(m.getSnapshot().status?.text).toBe(
      'redirected net-net[1] to 192.168.0.9: went down after 1.2 s',
    );
  });

  it('says when the SA is still up after 5 s', async () => {
    const { m } = await setup();
    const result = m.actions.redirect([target], 'gw2.example');
    await advance(5_100);
    expect(await result).toEqual({
      ok: false,
      text: 'redirect net-net[1] to gw2.example: still up after 5 s (the peer did not follow)',
    });
  });

  it("refuses the SA's own local address without sending", async () => {
    const { d, m } = await setup();
    const r = await m.actions.redirect([target], '192.168.0.1');
    expect(r.ok).toBe(false);
    expect(r.text).toMatch(/^redirect not sent: 192\.168\.0\.1 is this gateway's own address/);
    expect(d.calls.some((c) => c.method === 'redirect')).toBe(false);
  });
});

describe('bulk initiate', () => {
  it('keeps at most 4 in flight; a slot frees when its SA is up, or after 5 s', async () => {
    const d = new FakeDaemon();
    const m = start(d);
    await advance(1_000);
    const conns = Array.from({ length: 10 }, (_, i) => ({ conn: `c${i}` }));
    const result = m.actions.initiate(conns);
    const sent = () => d.calls.filter((c) => c.method === 'initiate').length;
    await advance(0);
    expect(sent()).toBe(4);
    // c0 comes up: its slot goes to the next one at once.
    d.emit('child-updown', {
      up: 'yes',
      c0: {
        ...ikeFields({ uniqueid: '50' }),
        'child-sas': { 'c0-1': childTree({ uniqueid: '60', name: 'c0' }) },
      },
    });
    await advance(0);
    expect(sent()).toBe(5);
    // Nothing else comes up: the others hold their slots for 5 s each.
    await advance(4_900);
    expect(sent()).toBe(5);
    // At 5 s the four sent at 0 s (c1-c4) give their slots to c5-c8.
    await advance(200);
    expect(sent()).toBe(9);
    await advance(10_000);
    expect(sent()).toBe(10);
    expect(await result).toEqual({
      ok: true,
      text: 'initiate: 10 started, 1 up within 5 s (outcome in the events)',
    });
    for (const c of d.calls.filter((x) => x.method === 'initiate')) {
      expect(c.args).toMatchObject({ timeout: -1 });
    }
  });

  it('CHILD_SAs of one IKE_SA: each slot frees when its own CHILD_SA is installed', async () => {
    const d = new FakeDaemon();
    d.ikes = [{ uniqueid: '50', name: 'bulk', children: [] }];
    const m = start(d);
    await advance(1_000);
    const conns = Array.from({ length: 6 }, (_, i) => ({ conn: 'bulk', child: `b${i + 1}` }));
    const result = m.actions.initiate(conns);
    const sent = () => d.calls.filter((c) => c.method === 'initiate').length;
    await advance(0);
    expect(sent()).toBe(4);
    for (let i = 1; i <= 6; i++) {
      d.emit('child-updown', {
        up: 'yes',
        bulk: {
          ...ikeFields({ uniqueid: '50' }),
          'child-sas': { [`b${i}-1`]: childTree({ uniqueid: String(100 + i), name: `b${i}` }) },
        },
      });
      await advance(10);
    }
    expect(sent()).toBe(6);
    expect(await result).toEqual({
      ok: true,
      text: 'initiate: 6 started, 6 up within 5 s (outcome in the events)',
    });
  });
});
