import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyBody } from '../../source/monitor/poller.js';
import { type FullListing, RowTable } from '../../source/monitor/row-table.js';
import { decodeListSa, peekUniqueid, sameButClock } from '../../source/monitor/sa-decoder.js';
import type { ChildRow, IkeRow } from '../../source/monitor/types.js';
import { type EncodableSection, encodeMessage } from '../../source/vici/message.js';
import { type ChildSpec, childRekey, type IkeSpec, ikeTree } from './monitor-trees.js';

/*
 * At rest a full listing keeps most rows without decoding their bodies (poller.ts applyBody,
 * row-table.ts keep, sa-decoder.ts sameButClock). That shortcut must never change what the
 * table holds: a table fed through it must equal, row for row and field for field, one that
 * decodes every body, across clocks that tick, traffic, state changes, rekeys and SAs that
 * come and go.
 */

/** A list-sa body of one IKE_SA, in bytes of its own (the encoder reuses its buffer). */
function body(ike: IkeSpec): Buffer {
  return Buffer.from(encodeMessage({ [ike.name ?? 'net-net']: ikeTree(ike) } as EncodableSection));
}

describe('sameButClock', () => {
  const ike: IkeSpec = {
    uniqueid: '7',
    established: 100,
    rekeyTime: 5000,
    children: [{ uniqueid: '9', installTime: 40, rekeyTime: 3000, lifeTime: 3600 }],
  };
  const later = (s: number): IkeSpec => ({
    ...ike,
    established: 100 + s,
    rekeyTime: 5000 - s,
    children: [{ uniqueid: '9', installTime: 40 + s, rekeyTime: 3000 - s, lifeTime: 3600 - s }],
  });

  it('holds for the same bytes, and for clocks moved by the time that passed (±1 s)', () => {
    expect(sameButClock(body(ike), body(ike), 0)).toBe(true);
    expect(sameButClock(body(ike), body(later(2)), 2)).toBe(true);
    expect(sameButClock(body(ike), body(later(3)), 2.2)).toBe(true);
    // 99 → 101 s: the value's length changed, the walk still lines up.
    const a = { ...ike, established: 99 };
    expect(sameButClock(body(a), body({ ...a, established: 101 }), 2)).toBe(true);
  });

  it('fails for clocks that moved otherwise, and for any other difference', () => {
    expect(sameButClock(body(ike), body(later(4)), 2)).toBe(false);
    expect(sameButClock(body(ike), body(later(2)), 0)).toBe(false);
    const traffic: IkeSpec = { ...ike, children: [{ ...ike.children![0]!, bytesIn: 1 }] };
    expect(sameButClock(body(ike), body(traffic), 0)).toBe(false);
    expect(sameButClock(body(ike), body({ ...ike, state: 'REKEYING' }), 0)).toBe(false);
    const spi: IkeSpec = { ...ike, children: [{ ...ike.children![0]!, spiIn: 'c0000010' }] };
    expect(sameButClock(body(ike), body(spi), 0)).toBe(false);
    const more: IkeSpec = { ...ike, children: [...ike.children!, { uniqueid: '10' }] };
    expect(sameButClock(body(ike), body(more), 0)).toBe(false);
  });

  it('fails for a body of two IKE_SAs, and for cut or extended bytes', () => {
    const two = Buffer.from(
      encodeMessage({ a: ikeTree(ike), b: ikeTree({ ...ike, uniqueid: '8' }) }),
    );
    expect(sameButClock(two, Buffer.from(two), 0)).toBe(false);
    const b = body(ike);
    for (let cut = 0; cut < b.length; cut += 7) {
      expect(sameButClock(b, b.subarray(0, cut), 0)).toBe(false);
    }
    expect(sameButClock(b, Buffer.concat([b, Buffer.from([2])]), 0)).toBe(false);
  });

  it('peekUniqueid reads the id of a one-IKE_SA body, and nothing from anything else', () => {
    expect(peekUniqueid(body(ike))).toBe('7');
    expect(peekUniqueid(Buffer.alloc(0))).toBeUndefined();
    expect(peekUniqueid(Buffer.from(encodeMessage({ uniqueid: '7' })))).toBeUndefined();
    const b = body(ike);
    for (let cut = 0; cut < 12; cut++) expect(peekUniqueid(b.subarray(0, cut))).toBeUndefined();
  });
});

// --- the differential test ----------------------------------------------------------------

const T0 = 1_700_000_000_000;

/** A daemon's SA as absolute times, so its relative seconds come out as charon rounds them. */
interface SimChild {
  uniqueid: number;
  installedAt: number;
  rekeyAt: number;
  bytesIn: number;
  bytesOut: number;
  packetsIn: number;
}
interface SimIke {
  uniqueid: number;
  state: string;
  establishedAt: number;
  rekeyAt: number;
  children: SimChild[];
}

/** A CHILD_SA the daemon has just installed. */
function freshChild(uniqueid: number, now: number): SimChild {
  return {
    uniqueid,
    installedAt: now,
    rekeyAt: now + 3_000_000,
    bytesIn: 0,
    bytesOut: 0,
    packetsIn: 0,
  };
}

/** Whole seconds since and until, as charon lists them. */
const since = (t: number, now: number) => Math.floor((now - t) / 1000);
const until = (t: number, now: number) => Math.max(0, Math.floor((t - now) / 1000));

function spec(i: SimIke, now: number): IkeSpec {
  return {
    uniqueid: String(i.uniqueid),
    state: i.state,
    established: since(i.establishedAt, now),
    rekeyTime: until(i.rekeyAt, now),
    children: i.children.map((c) => childSpec(c, now)),
  };
}

function childSpec(c: SimChild, now: number): ChildSpec {
  return {
    uniqueid: String(c.uniqueid),
    installTime: since(c.installedAt, now),
    rekeyTime: until(c.rekeyAt, now),
    lifeTime: until(c.rekeyAt + 600_000, now),
    bytesIn: c.bytesIn,
    bytesOut: c.bytesOut,
    packetsIn: c.packetsIn,
  };
}

type Step =
  | { kind: 'tick'; ms: number }
  | { kind: 'traffic'; ike: number; bytes: number }
  | { kind: 'state'; ike: number; state: string }
  | { kind: 'rekey'; ike: number }
  | { kind: 'down'; ike: number }
  | { kind: 'up' }
  | { kind: 'list' };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      ms: fc.integer({ min: 300, max: 4000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('traffic' as const),
      ike: fc.nat(7),
      bytes: fc.integer({ min: 1, max: 5000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('state' as const),
      ike: fc.nat(7),
      state: fc.constantFrom('ESTABLISHED', 'REKEYING', 'DELETING'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rekey' as const), ike: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('down' as const), ike: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('up' as const) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('list' as const) }) },
);

function decodeOnly(full: FullListing, b: Buffer, at: number): void {
  for (const ike of decodeListSa(b)) full.add(ike, at);
}

/** What a row says, every field the screen or the exporter could read, raw included. */
function seen(r: IkeRow) {
  const { children, sa, ...row } = r;
  const child = (c: ChildRow) => ({ ...c, sa: { ...c.sa, raw: c.sa.raw } });
  return { ...row, sa: { ...sa, children: [], raw: sa.raw }, children: children.map(child) };
}

describe('a listing that keeps unchanged rows undecoded', () => {
  it('leaves the table exactly as decoding every body would (property)', () => {
    let kept = 0;
    let listings = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 10, maxLength: 60 }), (steps) => {
        let now = T0;
        let nextId = 100;
        const sims: SimIke[] = Array.from({ length: 4 }, (_, i) => ({
          uniqueid: i + 1,
          state: 'ESTABLISHED',
          establishedAt: T0 - 90_000 - i * 1_000,
          rekeyAt: T0 + 9_000_000,
          children: [
            {
              uniqueid: 50 + i,
              installedAt: T0 - 30_500,
              rekeyAt: T0 + 3_000_000,
              bytesIn: 0,
              bytesOut: 0,
              packetsIn: 0,
            },
          ],
        }));
        const fast = new RowTable();
        const slow = new RowTable();
        for (const s of [...steps, { kind: 'list' } as Step]) {
          const sim = 'ike' in s ? sims[s.ike % Math.max(1, sims.length)] : undefined;
          switch (s.kind) {
            case 'tick':
              now += s.ms;
              break;
            case 'traffic':
              if (sim?.children[0]) {
                sim.children[0].bytesIn += s.bytes;
                sim.children[0].packetsIn += 1;
              }
              break;
            case 'state':
              if (sim) sim.state = s.state;
              break;
            case 'rekey': {
              const old = sim?.children[0];
              if (!sim || !old) break;
              const next = freshChild(nextId++, now);
              const ev = childRekey(spec(sim, now), childSpec(old, now), childSpec(next, now));
              fast.applyEvent(ev, now);
              slow.applyEvent(ev, now);
              sim.children[0] = next;
              break;
            }
            case 'down':
              if (sim) sims.splice(sims.indexOf(sim), 1);
              break;
            case 'up':
              sims.push({
                uniqueid: nextId++,
                state: 'ESTABLISHED',
                establishedAt: now,
                rekeyAt: now + 9_000_000,
                children: [freshChild(nextId++, now)],
              });
              break;
            case 'list': {
              listings++;
              const bodies = sims.map((i) => body(spec(i, now)));
              const a = fast.beginFull(now);
              const counted: FullListing = {
                add: (ike, at) => a.add(ike, at),
                keep: (id, b, at, same) => {
                  const k = a.keep(id, b, at, same);
                  if (k) kept++;
                  return k;
                },
                finish: () => a.finish(),
              };
              for (const b of bodies) applyBody(counted, b, now);
              const b2 = slow.beginFull(now);
              for (const b of bodies) decodeOnly(b2, b, now);
              expect(counted.finish()).toEqual(b2.finish());
              expect([...fast.snapshot().keys()]).toEqual([...slow.snapshot().keys()]);
              for (const [k, r] of slow.snapshot()) expect(seen(fast.get(k)!)).toEqual(seen(r));
              expect(fast.totals()).toEqual(slow.totals());
              expect(fast.takeDelta()).toEqual(slow.takeDelta());
              // A little later, so rates have a span to be measured over.
              now += 1000;
              break;
            }
          }
        }
      }),
      { numRuns: 150 },
    );
    // Not vacuous: the shortcut was taken, and not always.
    expect(kept).toBeGreaterThan(listings);
    expect(kept).toBeLessThan(listings * 5);
  });
});
