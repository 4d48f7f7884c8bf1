import { describe, expect, it } from 'vitest';
import { RETIRED_GRACE_MS, RowTable } from '../../source/monitor/row-table.js';
import {
  childRekey,
  childUpdown,
  ikeRekey,
  ikeUpdate,
  ikeUpdown,
  listing,
} from './monitor-trees.js';

const T0 = 1_700_000_000_000;

function ids(table: RowTable): string[] {
  return [...table.snapshot().keys()];
}

describe('a full listing', () => {
  it('builds IKE rows by unique id with their CHILD_SAs beneath, keyed by lineage', () => {
    const t = new RowTable();
    t.applyFull(
      listing(
        [
          { uniqueid: '1', children: [{ uniqueid: '1' }, { uniqueid: '2', name: 'other' }] },
          { uniqueid: '3', name: 'carol', children: [{ uniqueid: '4', name: 'carol' }] },
        ],
        T0,
      ),
      T0,
    );
    expect(ids(t)).toEqual(['1', '3']);
    const row = t.get('1')!;
    expect(row.sa.state).toBe('ESTABLISHED');
    expect(row.children.map((c) => c.key)).toEqual(['1/1', '1/2']);
    expect(row.children[1]!.sa.name).toBe('other');
    expect(row.listedAt).toBe(T0);
    expect(t.get('3')!.children[0]!.sa.spiIn).toBe('c0000004');
  });

  it('replaces the row set: an SA missing twice is gone', () => {
    const t = new RowTable();
    t.applyFull(listing([{ uniqueid: '1' }, { uniqueid: '2' }], T0), T0);
    // noblock skips busy IKE_SAs: one miss is not proof.
    const first = t.applyFull(listing([{ uniqueid: '1' }], T0 + 2000), T0 + 2000);
    expect(ids(t)).toEqual(['1', '2']);
    expect(first.recheck).toEqual(['2']);
    t.applyFull(listing([{ uniqueid: '1' }], T0 + 4000), T0 + 4000);
    expect(ids(t)).toEqual(['1']);
  });

  it('many SAs missing at once are gone at once (busy ones are only ever a few)', () => {
    const t = new RowTable();
    const all = Array.from({ length: 40 }, (_, i) => ({ uniqueid: String(i + 1) }));
    t.applyFull(listing(all, T0), T0);
    const r = t.applyFull(listing(all.slice(0, 20), T0 + 2000), T0 + 2000);
    expect(t.size).toBe(20);
    expect(r.recheck).toEqual([]);
  });

  it('after a disconnect replaces everything at once (no second chances for stale rows)', () => {
    const t = new RowTable();
    t.applyFull(listing([{ uniqueid: '1' }, { uniqueid: '2' }], T0), T0);
    t.markUntrusted();
    t.applyFull(listing([{ uniqueid: '7' }], T0 + 5000), T0 + 5000);
    expect(ids(t)).toEqual(['7']);
  });

  it('a filtered listing that misses a row twice removes it, and refreshes a row it finds', () => {
    const t = new RowTable();
    t.applyFull(
      listing([{ uniqueid: '1' }, { uniqueid: '2', children: [{ uniqueid: '5' }] }], T0),
      T0,
    );
    expect(t.applyFiltered('1', [], T0 + 1000)).toBe(false);
    expect(ids(t)).toEqual(['1', '2']);
    expect(t.applyFiltered('1', [], T0 + 2000)).toBe(true);
    expect(ids(t)).toEqual(['2']);
    const one = listing(
      [{ uniqueid: '2', children: [{ uniqueid: '5', bytesIn: 4000 }] }],
      T0 + 3000,
    );
    expect(t.applyFiltered('2', one, T0 + 3000)).toBe(true);
    expect(t.get('2')!.children[0]!.bytesInTotal).toBe(4000);
    expect(t.refreshedAt('2')).toBe(T0 + 3000);
  });
});

describe('events', () => {
  it('ike-updown up adds a row, keeps known children; child-updown adds and removes one', () => {
    const t = new RowTable();
    t.applyEvent(ikeUpdown(true, { uniqueid: '9', name: 'carol' }), T0);
    expect(t.get('9')!.children).toEqual([]);
    t.applyEvent(
      childUpdown(true, { uniqueid: '9', name: 'carol' }, { uniqueid: '12', name: 'carol' }),
      T0 + 1,
    );
    t.applyEvent(
      childUpdown(true, { uniqueid: '9', name: 'carol' }, { uniqueid: '13', name: 'web' }),
      T0 + 2,
    );
    expect(t.get('9')!.children.map((c) => c.sa.uniqueid)).toEqual(['12', '13']);
    // A second ike-updown (no child-sas in it) must not wipe the children.
    t.applyEvent(
      ikeUpdown(true, { uniqueid: '9', name: 'carol', remoteHost: '192.168.0.9' }),
      T0 + 3,
    );
    expect(t.get('9')!.children.map((c) => c.sa.uniqueid)).toEqual(['12', '13']);
    expect(t.get('9')!.sa.remoteHost).toBe('192.168.0.9');
    t.applyEvent(
      childUpdown(false, { uniqueid: '9', name: 'carol' }, { uniqueid: '12', name: 'carol' }),
      T0 + 4,
    );
    expect(t.get('9')!.children.map((c) => c.sa.uniqueid)).toEqual(['13']);
    t.applyEvent(ikeUpdown(false, { uniqueid: '9', name: 'carol' }), T0 + 5);
    expect(t.get('9')).toBeUndefined();
  });

  it('a child-updown before its ike-updown creates the row with that child', () => {
    const t = new RowTable();
    t.applyEvent(childUpdown(true, { uniqueid: '4' }, { uniqueid: '8' }), T0);
    expect(t.get('4')!.children.map((c) => c.key)).toEqual(['4/8']);
  });

  it('a down event for an unknown row changes nothing', () => {
    const t = new RowTable();
    const before = t.snapshot();
    expect(t.applyEvent(childUpdown(false, { uniqueid: '4' }, { uniqueid: '8' }), T0)).toBe(false);
    expect(t.snapshot()).toBe(before);
  });

  it("child-rekey: the new CHILD_SA takes the old one's place and key; totals carry over", () => {
    const t = new RowTable();
    t.applyFull(
      listing(
        [
          {
            uniqueid: '1',
            children: [
              { uniqueid: '1', bytesIn: 1000, bytesOut: 500, packetsIn: 10, packetsOut: 5 },
            ],
          },
        ],
        T0,
      ),
      T0,
    );
    // The old SA's final counters (in the event's `old`) are higher than the last listing's.
    t.applyEvent(
      childRekey(
        { uniqueid: '1' },
        { uniqueid: '1', bytesIn: 1500, bytesOut: 700, packetsIn: 15, packetsOut: 7 },
        { uniqueid: '6', spiIn: 'cafe0001', spiOut: 'beef0001' },
      ),
      T0 + 1000,
    );
    let child = t.get('1')!.children;
    expect(child).toHaveLength(1);
    expect(child[0]!.key).toBe('1/1');
    expect(child[0]!.lineage).toBe('1');
    expect(child[0]!.sa.uniqueid).toBe('6');
    expect(child[0]!.sa.spiIn).toBe('cafe0001');
    expect(child[0]!.bytesInTotal).toBe(1500);
    expect(child[0]!.packetsOutTotal).toBe(7);
    // The next listing shows the new SA's own counters; the totals add the carried base.
    t.applyFull(
      listing(
        [
          {
            uniqueid: '1',
            children: [{ uniqueid: '6', bytesIn: 300, bytesOut: 100, packetsIn: 3, packetsOut: 1 }],
          },
        ],
        T0 + 3000,
      ),
      T0 + 3000,
    );
    child = t.get('1')!.children;
    expect(child[0]!.key).toBe('1/1');
    expect(child[0]!.bytesInTotal).toBe(1800);
    expect(child[0]!.bytesOutTotal).toBe(800);
    expect(child[0]!.packetsInTotal).toBe(18);
    // 1800 - 1500 bytes over the 2 s since the rekey event: never negative across a rekey.
    expect(child[0]!.rateIn).toBe(150);
    // A second rekey keeps accumulating.
    t.applyEvent(
      childRekey(
        { uniqueid: '1' },
        { uniqueid: '6', bytesIn: 400, bytesOut: 100 },
        { uniqueid: '11' },
      ),
      T0 + 4000,
    );
    expect(t.get('1')!.children[0]!.bytesInTotal).toBe(1900);
    expect(t.get('1')!.children[0]!.key).toBe('1/1');
  });

  it('while old and new CHILD_SA both appear in a listing, only the newest owns the key', () => {
    const t = new RowTable();
    t.applyFull(listing([{ uniqueid: '1', children: [{ uniqueid: '1' }] }], T0), T0);
    t.applyEvent(
      childRekey({ uniqueid: '1' }, { uniqueid: '1', bytesIn: 10 }, { uniqueid: '2' }),
      T0 + 1,
    );
    t.applyFull(
      listing(
        [
          {
            uniqueid: '1',
            children: [{ uniqueid: '1', state: 'DELETING', bytesIn: 10 }, { uniqueid: '2' }],
          },
        ],
        T0 + 2000,
      ),
      T0 + 2000,
    );
    const keys = t.get('1')!.children.map((c) => c.key);
    expect(keys).toEqual(['1/1/1', '1/1']);
    expect(new Set(keys).size).toBe(2);
  });

  it('ike-rekey: the new IKE_SA replaces the old in place and the children move over', () => {
    const t = new RowTable();
    t.applyFull(
      listing(
        [
          { uniqueid: '1', children: [{ uniqueid: '1', bytesIn: 100 }, { uniqueid: '2' }] },
          { uniqueid: '5', name: 'carol' },
        ],
        T0,
      ),
      T0,
    );
    t.applyEvent(ikeRekey({ uniqueid: '1' }, { uniqueid: '8', established: 0 }), T0 + 1000);
    expect(ids(t)).toEqual(['8', '5']);
    const row = t.get('8')!;
    expect(row.sa.uniqueid).toBe('8');
    expect(row.lineage).toBe('1');
    expect(row.children.map((c) => c.key)).toEqual(['8/1', '8/2']);
    expect(row.children[0]!.bytesInTotal).toBe(100);
    // A listing still holding the old IKE_SA (it began before the rekey event) cannot bring it back.
    t.applyFull(listing([{ uniqueid: '1' }, { uniqueid: '5', name: 'carol' }], T0 + 500), T0 + 500);
    expect(ids(t).sort()).toEqual(['5', '8']);
  });

  it('ike-update moves the endpoints', () => {
    const t = new RowTable();
    t.applyFull(listing([{ uniqueid: '3', children: [{ uniqueid: '3' }] }], T0), T0);
    t.applyEvent(ikeUpdate({ uniqueid: '3' }, '192.168.7.7', 31000), T0 + 10);
    expect(t.get('3')!.sa.remoteHost).toBe('192.168.7.7');
    expect(t.get('3')!.sa.remotePort).toBe(31000);
    expect(t.get('3')!.children).toHaveLength(1);
  });
});

describe('listings racing events', () => {
  it('an SA that came up during a listing does not vanish with it', () => {
    const t = new RowTable();
    t.applyFull(listing([{ uniqueid: '1' }], T0), T0);
    const start = T0 + 2000;
    t.applyEvent(ikeUpdown(true, { uniqueid: '2', name: 'carol' }), start + 1000);
    t.applyFull(listing([{ uniqueid: '1' }], start + 3000), start);
    expect(ids(t)).toEqual(['1', '2']);
  });

  it('an SA that went down during a listing is not resurrected by it', () => {
    const t = new RowTable();
    t.applyFull(listing([{ uniqueid: '1' }, { uniqueid: '2' }], T0), T0);
    const start = T0 + 2000;
    t.applyEvent(ikeUpdown(false, { uniqueid: '2' }), start + 1000);
    t.applyFull(listing([{ uniqueid: '1' }, { uniqueid: '2' }], start + 2500), start);
    expect(ids(t)).toEqual(['1']);
    // Nor by a filtered listing that began before the down event.
    t.applyFiltered('2', listing([{ uniqueid: '2' }], start + 1500), start + 500);
    expect(ids(t)).toEqual(['1']);
  });

  it("a row an event changed during the listing keeps the event's newer state", () => {
    const t = new RowTable();
    t.applyFull(listing([{ uniqueid: '1', children: [{ uniqueid: '1' }] }], T0), T0);
    const start = T0 + 2000;
    t.applyEvent(childUpdown(true, { uniqueid: '1' }, { uniqueid: '2', name: 'web' }), start + 100);
    const r = t.applyFull(
      listing([{ uniqueid: '1', children: [{ uniqueid: '1' }] }], start + 200),
      start,
    );
    expect(t.get('1')!.children.map((c) => c.sa.uniqueid)).toEqual(['1', '2']);
    expect(r.recheck).toContain('1');
  });

  it('a down event before the listing began does not stop the listing from showing a new SA', () => {
    const t = new RowTable();
    t.applyEvent(ikeUpdown(false, { uniqueid: '2' }), T0);
    t.applyFull(listing([{ uniqueid: '2' }], T0 + 10), T0 + 5);
    expect(ids(t)).toEqual(['2']);
  });
});

describe('a full listing applied as it streams', () => {
  it('shows rows before it ends, and an SA that went down mid-listing stays down', () => {
    const t = new RowTable();
    t.applyFull(listing([{ uniqueid: '1' }, { uniqueid: '2' }, { uniqueid: '3' }], T0), T0);
    const start = T0 + 2000;
    const full = t.beginFull(start);
    const [one, two] = listing(
      [{ uniqueid: '2', children: [{ uniqueid: '9' }] }, { uniqueid: '1' }],
      start + 100,
    );
    expect(full.add(one!.ike, one!.at)).toBe(true);
    // Already visible while the listing runs.
    expect(
      t
        .snapshot()
        .get('2')!
        .children.map((c) => c.key),
    ).toEqual(['2/9']);
    t.applyEvent(ikeUpdown(false, { uniqueid: '2' }), start + 150);
    full.add(two!.ike, two!.at);
    t.applyEvent(ikeUpdown(true, { uniqueid: '4', name: 'carol' }), start + 200);
    const r = full.finish();
    // 3 was missed once (kept for a second look), 4 came up during the listing.
    expect(ids(t)).toEqual(['1', '3', '4']);
    expect(r.recheck).toEqual(['3']);
  });
});

describe('rates and identity', () => {
  it('rates are bytes per second between two listings of the same child', () => {
    const t = new RowTable();
    t.applyFull(
      listing([{ uniqueid: '1', children: [{ uniqueid: '1', bytesIn: 1000, bytesOut: 0 }] }], T0),
      T0,
    );
    expect(t.get('1')!.children[0]!.rateIn).toBeUndefined();
    t.applyFull(
      listing(
        [
          {
            uniqueid: '1',
            established: 102,
            children: [{ uniqueid: '1', bytesIn: 5000, bytesOut: 2000, installTime: 12 }],
          },
        ],
        T0 + 2000,
      ),
      T0 + 2000,
    );
    const row = t.get('1')!;
    expect(row.children[0]!.rateIn).toBe(2000);
    expect(row.children[0]!.rateOut).toBe(1000);
    expect(row.rateIn).toBe(2000);
    expect(row.rateOut).toBe(1000);
  });

  it('an idle SA listed again keeps its row object, and the map keeps its identity', () => {
    const t = new RowTable();
    const spec = (established: number, installTime: number, rekeyTime: number) => [
      {
        uniqueid: '1',
        established,
        rekeyTime: 10_000 - established,
        children: [
          { uniqueid: '1', bytesIn: 64, installTime, rekeyTime, lifeTime: rekeyTime + 600 },
        ],
      },
    ];
    t.applyFull(listing(spec(100, 10, 3000), T0), T0);
    t.applyFull(listing(spec(102, 12, 2998), T0 + 2000), T0 + 2000);
    const rowA = t.get('1')!;
    const mapA = t.snapshot();
    // Only the relative times moved, exactly as the clock did.
    const r = t.applyFull(listing(spec(104, 14, 2996), T0 + 4000), T0 + 4000);
    expect(r.changed).toBe(false);
    expect(t.get('1')).toBe(rowA);
    expect(t.snapshot()).toBe(mapA);
    // New bytes: a new row and a new map.
    t.applyFull(
      listing(
        [
          {
            uniqueid: '1',
            established: 106,
            rekeyTime: 9894,
            children: [{ uniqueid: '1', bytesIn: 999, installTime: 16, rekeyTime: 2994 }],
          },
        ],
        T0 + 6000,
      ),
      T0 + 6000,
    );
    expect(t.get('1')).not.toBe(rowA);
    expect(t.snapshot()).not.toBe(mapA);
  });

  it('after an idle spell the rate spans only the last interval, not the whole spell', () => {
    const t = new RowTable();
    const at = (i: number) => T0 + i * 2000;
    const spec = (i: number, bytesIn: number) => [
      {
        uniqueid: '1',
        established: 100 + 2 * i,
        rekeyTime: 10_000 - 2 * i,
        children: [
          {
            uniqueid: '1',
            bytesIn,
            installTime: 10 + 2 * i,
            rekeyTime: 3000 - 2 * i,
            lifeTime: 3600 - 2 * i,
          },
        ],
      },
    ];
    for (let i = 0; i < 4; i++) t.applyFull(listing(spec(i, 500), at(i)), at(i));
    const idle = t.get('1')!.children[0]!;
    expect(idle.rateIn).toBe(0);
    expect(idle.listedAt).toBe(at(1)); // the same object since the first rate
    t.applyFull(listing(spec(4, 8500), at(4)), at(4));
    expect(t.get('1')!.children[0]!.rateIn).toBe(4000);
  });

  it('a restarted daemon reuses unique ids: forgetting lineages stops old totals leaking in', () => {
    const t = new RowTable();
    t.applyFull(listing([{ uniqueid: '1', children: [{ uniqueid: '1' }] }], T0), T0);
    t.applyEvent(
      childRekey({ uniqueid: '1' }, { uniqueid: '1', bytesIn: 5000 }, { uniqueid: '2' }),
      T0 + 1,
    );
    t.markUntrusted();
    t.forgetLineages();
    t.applyFull(
      listing([{ uniqueid: '1', children: [{ uniqueid: '2', bytesIn: 10 }] }], T0 + 9000),
      T0 + 9000,
    );
    expect(t.get('1')!.children[0]!.bytesInTotal).toBe(10);
    expect(t.get('1')!.children[0]!.key).toBe('1/2');
  });
});

describe('CHILD_SAs an event retired', () => {
  // Seen after an event flood: a listing caught rekeyed-away CHILD_SAs in their last seconds
  // (DELETING), charon then dropped them without another event, and 350 of them stayed on
  // screen, counted in the header, until the IKE_SA was listed again.
  const rekeyedThenListed = () => {
    const t = new RowTable();
    t.applyFull(listing([{ uniqueid: '1', children: [{ uniqueid: '1' }] }], T0), T0);
    t.applyEvent(childRekey({ uniqueid: '1' }, { uniqueid: '1' }, { uniqueid: '2' }), T0 + 1);
    t.applyFull(
      listing(
        [{ uniqueid: '1', children: [{ uniqueid: '1', state: 'DELETING' }, { uniqueid: '2' }] }],
        T0 + 2000,
      ),
      T0 + 2000,
    );
    return t;
  };
  const childIds = (t: RowTable) => t.get('1')!.children.map((c) => c.sa.uniqueid);

  it('show as the listing found them for a moment, then leave without another listing', () => {
    const t = rekeyedThenListed();
    expect(childIds(t)).toEqual(['1', '2']);
    expect(t.expireRetired(T0 + 5000)).toBe(false);
    expect(t.expireRetired(T0 + 1 + RETIRED_GRACE_MS)).toBe(true);
    expect(childIds(t)).toEqual(['2']);
  });

  it('are not brought back by a later listing that still has them', () => {
    const t = rekeyedThenListed();
    const late = T0 + 2 * RETIRED_GRACE_MS;
    t.applyFull(
      listing(
        [{ uniqueid: '1', children: [{ uniqueid: '1', state: 'DELETING' }, { uniqueid: '2' }] }],
        late,
      ),
      late,
    );
    expect(childIds(t)).toEqual(['2']);
  });

  it('include CHILD_SAs reported down', () => {
    const t = new RowTable();
    t.applyFull(
      listing([{ uniqueid: '1', children: [{ uniqueid: '1' }, { uniqueid: '3' }] }], T0),
      T0,
    );
    t.applyEvent(childUpdown(false, { uniqueid: '1' }, { uniqueid: '3' }), T0 + 1);
    const late = T0 + 2 * RETIRED_GRACE_MS;
    t.applyFull(
      listing(
        [{ uniqueid: '1', children: [{ uniqueid: '1' }, { uniqueid: '3', state: 'DELETING' }] }],
        late,
      ),
      late,
    );
    expect(childIds(t)).toEqual(['1']);
  });
});

// Issue 13 item 5: for a few seconds after a CHILD_SA rekey the IKE row summed the new
// CHILD_SA (which carries the old one's total) and the old one still listed as DELETED.
describe('a CHILD_SA on its way out (rekeyed away, DELETED)', () => {
  it('is shown but never counted in the IKE row or in the totals', async () => {
    const { computeTotals } = await import('../../source/monitor/store.js');
    const t = new RowTable();
    t.applyFull(
      listing(
        [{ uniqueid: '1', children: [{ uniqueid: '1', bytesIn: 40_000, bytesOut: 10 }] }],
        T0,
      ),
      T0,
    );
    t.applyEvent(
      childRekey(
        { uniqueid: '1' },
        { uniqueid: '1', bytesIn: 40_000, bytesOut: 10 },
        { uniqueid: '2' },
      ),
      T0 + 100,
    );
    t.applyFull(
      listing(
        [
          {
            uniqueid: '1',
            children: [
              { uniqueid: '1', state: 'DELETED', bytesIn: 40_000, bytesOut: 10 },
              { uniqueid: '2', bytesIn: 500, bytesOut: 5 },
            ],
          },
        ],
        T0 + 2000,
      ),
      T0 + 2000,
    );
    const row = t.get('1')!;
    expect(row.children.map((c) => [c.sa.uniqueid, c.ghost ?? false])).toEqual([
      ['1', true],
      ['2', false],
    ]);
    // The new CHILD_SA already carries the old one's 40,000 bytes: the row shows them once.
    expect(row.children[1]!.bytesInTotal).toBe(40_500);
    expect(row.bytesInTotal).toBe(40_500);
    expect(row.bytesOutTotal).toBe(15);
    expect(row.childCount).toBe(1);
    expect(computeTotals(t.snapshot()).child).toBe(1);
  });

  it('a DELETING CHILD_SA no event spoke of is not counted either', () => {
    const t = new RowTable();
    t.applyFull(
      listing(
        [
          {
            uniqueid: '1',
            children: [
              { uniqueid: '4', state: 'DELETING', bytesIn: 7 },
              { uniqueid: '5', bytesIn: 9 },
            ],
          },
        ],
        T0,
      ),
      T0,
    );
    expect(t.get('1')!.bytesInTotal).toBe(9);
    expect(t.get('1')!.childCount).toBe(1);
  });
});

// Issue 13 item 8: after one of its CHILD_SAs was terminated, an IKE row showed the event's
// `established` counted from the last listing, minutes too old (5m instead of 217 s).
describe("an IKE row's relative times after a child-updown down", () => {
  it('count from the event that carried them', () => {
    const t = new RowTable();
    t.applyFull(
      listing(
        [
          {
            uniqueid: '1',
            established: 100,
            rekeyTime: 14_200,
            children: [{ uniqueid: '1' }, { uniqueid: '2' }],
          },
        ],
        T0,
      ),
      T0,
    );
    // 83 s later: the daemon's event says established 183, rekey in 14,117 s.
    const at = T0 + 83_000;
    t.applyEvent(
      childUpdown(false, { uniqueid: '1', established: 183, rekeyTime: 14_117 }, { uniqueid: '2' }),
      at,
    );
    const row = t.get('1')!;
    expect(row.children.map((c) => c.sa.uniqueid)).toEqual(['1']);
    // What the UI shows: established + (now - listedAt). At the event's moment: 183 s.
    expect(row.sa.established! + (at - row.listedAt) / 1000).toBe(183);
    expect(row.sa.rekeyTime! - (at - row.listedAt) / 1000).toBe(14_117);
  });
});
