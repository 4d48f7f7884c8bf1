/*
 * The exporter's reading of daemon events, on messages encoded and decoded as they travel:
 * counts per connection/child, final counts handed to the accumulator, never a throw.
 */
import { describe, expect, it } from 'vitest';
import { TrafficAccumulator } from '../../source/exporter/accumulator.js';
import { EventCounts, MAX_ALERT_TYPES, tally } from '../../source/exporter/tally.js';
import { decodeMessage, type EncodableSection, encodeMessage } from '../../source/vici/index.js';

const wire = (m: EncodableSection) => decodeMessage(encodeMessage(m));

const child = (uniqueid: string, spi: string, bytesIn: number) => ({
  name: 'net-net',
  uniqueid,
  state: 'INSTALLED',
  'spi-in': spi,
  'spi-out': `${spi}0`,
  'bytes-in': bytesIn,
  'bytes-out': 0,
  'packets-in': bytesIn / 100,
  'packets-out': 0,
});

const ike = { uniqueid: '1', state: 'ESTABLISHED' };

function fresh() {
  return { counts: new EventCounts(), traffic: new TrafficAccumulator() };
}

describe('tally', () => {
  it('counts a CHILD_SA rekey and keeps the old SA’s final bytes', () => {
    const { counts, traffic } = fresh();
    traffic.observe(
      {
        conn: 'net-net',
        child: 'net-net',
        instance: '3|c3|c30',
        bytesIn: 1000,
        bytesOut: 0,
        packetsIn: 10,
        packetsOut: 0,
      },
      0,
    );
    const rekey = wire({
      'net-net': {
        ...ike,
        'child-sas': { 'net-net-3': { old: child('3', 'c3', 1800), new: child('4', 'c4', 0) } },
      },
    });
    tally({ type: 'child-rekey', message: rekey }, 1, counts, traffic);
    expect(counts.child.get('net-net\u0000net-net\u0000rekey')).toBe(1);
    expect(traffic.totals()[0]!.bytesIn).toBe(1800);
  });

  it('counts up and down per connection and child; a down carries the final count', () => {
    const { counts, traffic } = fresh();
    const updown = (up: boolean, bytes: number) =>
      wire({
        up: up ? 'yes' : 'no',
        'net-net': { ...ike, 'child-sas': { 'net-net-7': child('7', 'c7', bytes) } },
      });
    tally({ type: 'child-updown', message: updown(true, 0) }, 0, counts, traffic);
    tally({ type: 'child-updown', message: updown(false, 5000) }, 1, counts, traffic);
    tally({ type: 'ike-updown', message: wire({ up: 'no', 'net-net': ike }) }, 1, counts, traffic);
    expect(counts.child.get('net-net\u0000net-net\u0000up')).toBe(1);
    expect(counts.child.get('net-net\u0000net-net\u0000down')).toBe(1);
    expect(counts.ike.get('net-net\u0000down')).toBe(1);
    expect(traffic.totals()[0]!.bytesIn).toBe(5000);
  });

  it('keeps alert types bounded', () => {
    const { counts, traffic } = fresh();
    for (let i = 0; i < MAX_ALERT_TYPES * 2; i++) {
      tally({ type: 'alert', message: wire({ type: `t${i}` }) }, 0, counts, traffic);
    }
    expect(counts.alerts.size).toBe(MAX_ALERT_TYPES);
    expect(counts.alerts.get('other')).toBe(MAX_ALERT_TYPES + 1);
  });

  it('counts what it cannot read instead of throwing', () => {
    const { counts, traffic } = fresh();
    tally({ type: 'child-rekey', message: wire({ x: 'y' }) }, 0, counts, traffic);
    tally({ type: 'who-knows', message: wire({}) }, 0, counts, traffic);
    expect(counts.unreadable).toBe(2);
    expect(traffic.totals()).toEqual([]);
  });
});
