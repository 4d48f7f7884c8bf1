import { describe, expect, it } from 'vitest';
import { RowTable } from '../../source/monitor/row-table.js';
import { computeTotals } from '../../source/monitor/store.js';
import { childRekey, childUpdown, ikeRekey, ikeUpdown, listing } from './monitor-trees.js';

/*
 * Issue 9 item 2: the table says what changed since it was last asked (which IKE_SAs changed
 * or went, whether the order may have moved), and keeps the totals as rows change, so a
 * publish costs what changed, not every row.
 */

const T0 = 1_700_000_000_000;

function table() {
  const t = new RowTable();
  t.applyFull(
    listing(
      [
        { uniqueid: '1', children: [{ uniqueid: '1', bytesIn: 10 }] },
        { uniqueid: '2', state: 'CONNECTING' },
        { uniqueid: '3', children: [{ uniqueid: '3' }, { uniqueid: '4' }] },
      ],
      T0,
    ),
    T0,
  );
  return t;
}

const exact = (t: RowTable) => {
  const { halfOpen: _h, ...rest } = computeTotals(t.snapshot());
  return rest;
};
const kept = (t: RowTable) => {
  const { halfOpen: _h, ...rest } = t.totals();
  return rest;
};

describe('deltas', () => {
  it('the first one is everything', () => {
    const t = table();
    expect(t.takeDelta()).toEqual({ changed: ['1', '2', '3'], gone: [], reordered: true });
    expect(t.takeDelta()).toEqual({ changed: [], gone: [], reordered: false });
  });

  it('names what an event changed or removed, and nothing else', () => {
    const t = table();
    t.takeDelta();
    t.applyEvent(childUpdown(false, { uniqueid: '3' }, { uniqueid: '4' }), T0 + 10);
    t.applyEvent(ikeUpdown(false, { uniqueid: '2' }), T0 + 20);
    expect(t.takeDelta()).toEqual({ changed: ['3'], gone: ['2'], reordered: false });
    // An IKE rekey: the old key went, the new one changed, in the old one's place.
    t.applyEvent(ikeRekey({ uniqueid: '1' }, { uniqueid: '9' }), T0 + 30);
    expect(t.takeDelta()).toEqual({ changed: ['9'], gone: ['1'], reordered: false });
    expect([...t.snapshot().keys()]).toEqual(['9', '3']);
  });

  it('a listing that finds nothing new has an empty delta; one in a new order says so', () => {
    // Idle SAs as the daemon lists them `s` seconds later: only their relative times moved.
    const at = (s: number) =>
      [
        { uniqueid: '1', established: 100 + s, children: [{ uniqueid: '1', installTime: 10 + s }] },
        { uniqueid: '2', state: 'CONNECTING', established: 100 + s },
        { uniqueid: '3', established: 100 + s, children: [{ uniqueid: '3', installTime: 10 + s }] },
      ].map((i) => ({
        ...i,
        rekeyTime: 10_000 - s,
        children: i.children?.map((c) => ({ ...c, rekeyTime: 3000 - s, lifeTime: 3600 - s })),
      }));
    const t = new RowTable();
    t.applyFull(listing(at(0), T0), T0);
    // The second listing gives the CHILD_SAs their first rate (0 B/s): a change.
    t.applyFull(listing(at(2), T0 + 2000), T0 + 2000);
    t.takeDelta();
    t.applyFull(listing(at(4), T0 + 4000), T0 + 4000);
    expect(t.takeDelta()).toEqual({ changed: [], gone: [], reordered: false });
    const l = at(6);
    t.applyFull(listing([l[2]!, l[0]!, l[1]!], T0 + 6000), T0 + 6000);
    expect(t.takeDelta()).toEqual({ changed: [], gone: [], reordered: true });
    // Missing twice: gone, and only that (the rest keep their relative order).
    t.applyFull(listing([at(8)[2]!, at(8)[0]!], T0 + 8000), T0 + 8000);
    t.applyFull(listing([at(10)[2]!, at(10)[0]!], T0 + 10_000), T0 + 10_000);
    expect(t.takeDelta()).toEqual({ changed: [], gone: ['2'], reordered: false });
  });
});

describe('totals kept as rows change', () => {
  it('equal a full recount after every kind of change', () => {
    const t = table();
    expect(kept(t)).toEqual(exact(t));
    t.applyEvent(childUpdown(false, { uniqueid: '3' }, { uniqueid: '4' }), T0 + 10);
    expect(kept(t)).toEqual(exact(t));
    t.applyEvent(ikeUpdown(false, { uniqueid: '2' }), T0 + 20);
    expect(kept(t)).toEqual(exact(t));
    t.applyEvent(ikeRekey({ uniqueid: '1' }, { uniqueid: '9' }), T0 + 30);
    expect(kept(t)).toEqual(exact(t));
    t.applyEvent(
      childRekey({ uniqueid: '9' }, { uniqueid: '1', bytesIn: 10 }, { uniqueid: '12' }),
      T0 + 40,
    );
    expect(kept(t)).toEqual(exact(t));
    t.applyEvent(ikeUpdown(true, { uniqueid: '20', state: 'CONNECTING' }), T0 + 50);
    expect(kept(t)).toEqual(exact(t));
    t.applyFull(
      listing(
        [
          { uniqueid: '9', children: [{ uniqueid: '12', bytesIn: 5_000 }] },
          { uniqueid: '3', children: [{ uniqueid: '3', bytesIn: 7_000 }] },
        ],
        T0 + 3000,
      ),
      T0 + 3000,
    );
    expect(kept(t)).toEqual(exact(t));
    expect(t.totals()).toMatchObject({ ike: 3, established: 2, connecting: 1, child: 2 });
    expect(t.totals().rateIn).toBeGreaterThan(0);
  });
});

describe("the store's snapshots carry the delta", () => {
  it('an event names its row; a snapshot whose rows did not move has an empty delta', async () => {
    const { vi } = await import('vitest');
    const { createMonitor } = await import('../../source/monitor/monitor.js');
    const { FakeDaemon } = await import('./fake-daemon.js');
    const { ikeFields } = await import('./monitor-trees.js');
    vi.useFakeTimers({ now: T0 });
    try {
      const d = new FakeDaemon();
      d.ikes = [{ uniqueid: '1' }, { uniqueid: '2' }];
      const m = createMonitor({ connect: d.connect, now: () => Date.now(), intervalMs: 60_000 });
      const seen: { version: number; delta?: unknown }[] = [];
      m.subscribe(() => seen.push(m.getSnapshot()));
      m.start();
      await vi.advanceTimersByTimeAsync(1_000);
      const listed = m.getSnapshot();
      expect(listed.ikes.size).toBe(2);
      // Every row came in some snapshot's delta.
      const came = new Set(seen.flatMap((s) => (s.delta as { changed: string[] })?.changed ?? []));
      expect(came).toEqual(new Set(['1', '2']));
      seen.length = 0;
      d.emit('ike-updown', { 'net-net': ikeFields({ uniqueid: '2' }) });
      await vi.advanceTimersByTimeAsync(10);
      const after = m.getSnapshot();
      expect(after.delta).toEqual({ changed: [], gone: ['2'], reordered: false });
      expect(after.totals.ike).toBe(1);
      const stopping = m.stop();
      await vi.advanceTimersByTimeAsync(1_000);
      await stopping;
    } finally {
      vi.useRealTimers();
    }
  });
});
