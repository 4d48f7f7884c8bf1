import { describe, expect, it } from 'vitest';
import {
  counterDelta,
  FORGET_AFTER_MS,
  type Observation,
  TrafficAccumulator,
} from '../../source/exporter/accumulator.js';

const sa = (instance: string, bytesIn: number, bytesOut = 0, conn = 'net-net'): Observation => ({
  conn,
  child: 'net-net',
  instance,
  bytesIn,
  bytesOut,
  packetsIn: Math.floor(bytesIn / 100),
  packetsOut: Math.floor(bytesOut / 100),
});

const only = (a: TrafficAccumulator) => {
  const t = a.totals();
  expect(t).toHaveLength(1);
  return t[0]!;
};

describe('counterDelta', () => {
  it('is the difference while the counter grows', () => {
    expect(counterDelta(100, 250)).toBe(150);
    expect(counterDelta(0, 0)).toBe(0);
  });
  it('adds the rest of the range when a 32-bit counter wraps', () => {
    expect(counterDelta(2 ** 32 - 10, 5)).toBe(15);
  });
  it('adds the rest of the range when a 64-bit counter wraps', () => {
    expect(counterDelta(2 ** 64 - 4096, 4096)).toBe(8192);
  });
  it('counts all of the new value when a counter started over', () => {
    expect(counterDelta(5_000, 300)).toBe(300);
  });
  it('never goes backwards on garbage', () => {
    expect(counterDelta(10, Number.NaN)).toBe(0);
    expect(counterDelta(10, -5)).toBe(0);
  });
});

describe('TrafficAccumulator', () => {
  it('follows one CHILD_SA as it grows', () => {
    const a = new TrafficAccumulator();
    a.observe(sa('1|c1', 1000, 10), 0);
    a.observe(sa('1|c1', 3000, 40), 1);
    expect(only(a)).toMatchObject({ bytesIn: 3000, bytesOut: 40, packetsIn: 30 });
  });

  it('keeps the total across a CHILD_SA rekey (old final counts, new SA from zero)', () => {
    const a = new TrafficAccumulator();
    a.observe(sa('1|c1', 1000), 0);
    // child-rekey: the old SA's final counts, then the new one's.
    a.observe(sa('1|c1', 1500), 1, true);
    a.observe(sa('2|c2', 0), 1);
    a.observe(sa('2|c2', 700), 2);
    // A listing that began before the rekey still shows the old SA with older counts.
    a.observe(sa('1|c1', 1200), 2);
    expect(only(a).bytesIn).toBe(1500 + 700);
  });

  it('keeps the total when a tunnel goes down and comes back', () => {
    const a = new TrafficAccumulator();
    a.observe(sa('1|c1', 4000), 0);
    a.observe(sa('1|c1', 4200), 1, true); // child-updown down
    a.observe(sa('5|c5', 0), 2); // up again: a new instance
    a.observe(sa('5|c5', 100), 3);
    expect(only(a).bytesIn).toBe(4300);
  });

  it('keeps the total across a daemon restart, even when the new daemon reuses the unique id', () => {
    const a = new TrafficAccumulator();
    a.observe(sa('1|aaaa', 9000), 0);
    // The daemon died: no final counts. The new daemon's CHILD_SA #1 has other SPIs.
    a.observe(sa('1|bbbb', 50), 10);
    a.observe(sa('1|bbbb', 80), 11);
    expect(only(a).bytesIn).toBe(9080);
  });

  it('treats a drop of the same instance as a counter that started over, never as negative', () => {
    const a = new TrafficAccumulator();
    a.observe(sa('1|c1', 9000), 0);
    a.observe(sa('1|c1', 100), 1);
    expect(only(a).bytesIn).toBe(9100);
  });

  it('carries a 32-bit wrap on', () => {
    const a = new TrafficAccumulator();
    a.observe(sa('1|c1', 2 ** 32 - 1000), 0);
    a.observe(sa('1|c1', 500), 1);
    expect(only(a).bytesIn).toBe(2 ** 32 + 500);
  });

  it('never decreases over a long mixed history', () => {
    const a = new TrafficAccumulator();
    let last = 0;
    let t = 0;
    for (let gen = 0; gen < 50; gen++) {
      const id = `${gen % 7}|spi${gen}`;
      for (let v = 0; v <= 5; v++) {
        a.observe(sa(id, v * 1000 + (gen % 3) * 7), t++, v === 5 && gen % 2 === 0);
        const now = only(a).bytesIn;
        expect(now).toBeGreaterThanOrEqual(last);
        last = now;
      }
    }
  });

  it('keeps one series per connection and child, and declared ones at zero', () => {
    const a = new TrafficAccumulator();
    a.declare('carol', 'home');
    a.observe(sa('1|c1', 10, 0, 'rw'), 0);
    a.observe(sa('2|c2', 20, 0, 'rw'), 0);
    const t = a.totals();
    expect(t.map((s) => `${s.conn}/${s.child}=${s.bytesIn}`)).toEqual([
      'carol/home=0',
      'rw/net-net=30',
    ]);
  });

  it('forgets gone instances after a while, but never live ones, and keeps their totals', () => {
    const a = new TrafficAccumulator();
    a.observe(sa('1|c1', 100), 0);
    a.observe(sa('2|c2', 100), 0);
    a.prune(new Set(['2|c2']), FORGET_AFTER_MS + 1);
    expect(a.instanceCount).toBe(1);
    // The live one seen again after a long gap adds only what it moved since.
    a.observe(sa('2|c2', 150), FORGET_AFTER_MS + 2);
    expect(only(a).bytesIn).toBe(250);
  });
});
