import { describe, expect, it } from 'vitest';
import { EventRing } from '../../source/monitor/event-log.js';
import { readEvent } from '../../source/monitor/read-event.js';
import { childTree, ikeFields, roundTrip } from './monitor-trees.js';

const AT = 1_700_000_000_000;

describe('the events ring', () => {
  it('keeps the last `capacity` entries, oldest first, and counts what fell off', () => {
    const ring = new EventRing(5);
    for (let i = 1; i <= 12; i++) {
      ring.push({ at: AT + i, kind: 'log', level: 1, tone: 'plain', text: `line ${i}` });
    }
    const log = ring.snapshot(3);
    expect(log.entries.map((e) => e.text)).toEqual([
      'line 8',
      'line 9',
      'line 10',
      'line 11',
      'line 12',
    ]);
    expect(log.entries.map((e) => e.seq)).toEqual([8, 9, 10, 11, 12]);
    expect(log.capacity).toBe(5);
    expect(log.dropped).toBe(7);
    expect(log.total).toBe(12);
    expect(log.undelivered).toBe(3);
  });

  it('never grows past its capacity at the default 10,000', () => {
    const ring = new EventRing();
    for (let i = 0; i < 25_000; i++) {
      ring.push({ at: AT, kind: 'log', level: 1, tone: 'plain', text: String(i) });
    }
    const log = ring.snapshot(0);
    expect(log.entries).toHaveLength(10_000);
    expect(log.entries[0]!.text).toBe('15000');
    expect(log.entries.at(-1)!.text).toBe('24999');
    expect(log.dropped).toBe(15_000);
  });

  it('keeps its identity while nothing was added, and the entries while only counters moved', () => {
    const ring = new EventRing(3);
    ring.push({ at: AT, kind: 'log', level: 1, tone: 'plain', text: 'a' });
    const a = ring.snapshot(0);
    expect(ring.snapshot(0)).toBe(a);
    const b = ring.snapshot(1);
    expect(b).not.toBe(a);
    expect(b.entries).toBe(a.entries);
    ring.push({ at: AT, kind: 'log', level: 1, tone: 'plain', text: 'b' });
    expect(ring.snapshot(1).entries).not.toBe(a.entries);
  });
});

describe('reading daemon events', () => {
  it('ike-updown becomes an up/down entry and a row change', () => {
    const up = readEvent(
      'ike-updown',
      roundTrip({ up: 'yes', carol: ikeFields({ uniqueid: '7', remoteHost: '192.168.0.100' }) }),
      AT,
    );
    expect(up.urgent).toBe(true);
    expect(up.row).toMatchObject({ kind: 'ike-updown', up: true });
    expect(up.entry).toMatchObject({
      at: AT,
      kind: 'ike-updown',
      tone: 'up',
      ikeName: 'carol',
      ikeUniqueid: '7',
    });
    expect(up.entry.text).toBe(
      'IKE_SA carol[7] up 192.168.0.1 <-> 192.168.0.100 (sun.swantop.test)',
    );
    const down = readEvent('ike-updown', roundTrip({ carol: ikeFields({ uniqueid: '7' }) }), AT);
    expect(down.entry.tone).toBe('down');
    expect(down.row).toMatchObject({ kind: 'ike-updown', up: false });
  });

  it('child-rekey names both CHILD_SAs and the new SPIs', () => {
    const ev = readEvent(
      'child-rekey',
      roundTrip({
        'net-net': {
          ...ikeFields({ uniqueid: '1' }),
          'child-sas': {
            'net-net': {
              old: childTree({ uniqueid: '1' }),
              new: childTree({ uniqueid: '2', spiIn: 'c1a2b3c4', spiOut: 'd1e2f3a4' }),
            },
          },
        },
      }),
      AT,
    );
    expect(ev.entry.tone).toBe('rekey');
    expect(ev.entry.text).toBe(
      'CHILD_SA net-net{1} rekeyed to net-net{2} in net-net[1] (SPIs c1a2b3c4_i d1e2f3a4_o)',
    );
  });

  it("a log event keeps the daemon's raw text, level and group", () => {
    const ev = readEvent(
      'log',
      roundTrip({
        group: 'IKE',
        level: 1,
        thread: 12,
        'ikesa-name': 'net-net',
        'ikesa-uniqueid': '3',
        msg: 'retransmit 2 of request with message ID 0\x1b[2J',
      }),
      AT,
    );
    expect(ev.urgent).toBe(false);
    expect(ev.row).toBeUndefined();
    expect(ev.entry).toMatchObject({ kind: 'log', level: 1, group: 'IKE', ikeUniqueid: '3' });
    // Raw: escaping is the UI's job, so nothing is lost here.
    expect(ev.entry.text).toBe('retransmit 2 of request with message ID 0\x1b[2J');
  });

  it('marks failures in log lines as warnings', () => {
    const ev = readEvent(
      'log',
      roundTrip({ group: 'CFG', level: 0, msg: 'unable to install IPsec policies (SPD)' }),
      AT,
    );
    expect(ev.entry.tone).toBe('warn');
  });

  it('an event it cannot read becomes a warning entry, never an exception', () => {
    const ev = readEvent('ike-rekey', roundTrip({ garbage: 'yes' }), AT);
    expect(ev.row).toBeUndefined();
    expect(ev.entry).toMatchObject({ kind: 'swantop', tone: 'warn' });
    expect(readEvent('child-updown', roundTrip({}), AT).entry.kind).toBe('swantop');
  });
});
