/*
 * strongSwan 6.x alerts in the monitor and the header: an alert event becomes an urgent feed
 * entry coloured by its severity and tied to its IKE_SA; the ring counts alerts (also those
 * that fell off); the header shows the count only once there is one. The real daemon's
 * alert is checked in test/integration/versions.test.ts and e2e-alerts.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { EventRing } from '../../source/monitor/event-log.js';
import { readEvent } from '../../source/monitor/read-event.js';
import { headerLines } from '../../source/ui/header.js';
import { createTheme } from '../../source/ui/theme.js';
import { decodeMessage, type EncodableSection, encodeMessage } from '../../source/vici/index.js';
import { snapshot, T0 } from '../ui/fixtures.js';

const wire = (m: EncodableSection) => decodeMessage(encodeMessage(m));

describe('alert events in the monitor', () => {
  it('peer-auth-failed: an urgent error entry on its IKE_SA', () => {
    const ev = readEvent(
      'alert',
      wire({
        type: 'peer-auth-failed',
        'ike-sa': { 'vt-bad': { uniqueid: '9', state: 'CONNECTING' } },
      }),
      T0,
    );
    expect(ev.urgent).toBe(true);
    expect(ev.entry).toMatchObject({
      kind: 'alert',
      tone: 'error',
      ikeName: 'vt-bad',
      ikeUniqueid: '9',
      text: 'alert: peer-auth-failed',
    });
  });

  it('by severity: retransmit-send warns, ts-narrowed is plain, an unknown type warns', () => {
    const tone = (type: string) => readEvent('alert', wire({ type }), T0).entry.tone;
    expect([tone('retransmit-send'), tone('ts-narrowed'), tone('from-a-newer-daemon')]).toEqual([
      'warn',
      'plain',
      'warn',
    ]);
  });

  it('the ring counts alerts by tone, also once they fell off it', () => {
    const ring = new EventRing(2);
    expect(ring.snapshot(0).alerts).toBeUndefined();
    for (const type of ['peer-auth-failed', 'retransmit-send', 'ts-narrowed'])
      ring.push(readEvent('alert', wire({ type }), T0).entry);
    ring.push(readEvent('log', wire({ group: 'IKE', level: '1', msg: 'x' }), T0).entry);
    const log = ring.snapshot(0);
    expect(log.entries).toHaveLength(2);
    expect(log.alerts).toEqual({ total: 3, error: 1, warn: 1 });
  });
});

describe('the header', () => {
  const t = createTheme(true);
  const line2 = (alerts?: { total: number; error: number; warn: number }) =>
    headerLines(
      snapshot([], {
        events: {
          entries: [],
          capacity: 10,
          dropped: 0,
          undelivered: 0,
          total: 0,
          ...(alerts ? { alerts } : {}),
        },
      }),
      { now: T0, width: 120, theme: t, paused: false },
    )[1]?.replace(/\x1b\[[0-9;]*m/g, '') as string;

  it('counts alerts, with the errors among them; says nothing before the first', () => {
    expect(line2()).not.toContain('alerts');
    expect(line2({ total: 3, error: 2, warn: 1 })).toContain('│ alerts 3 (2 error)');
    expect(line2({ total: 1, error: 0, warn: 1 })).toMatch(/│ alerts 1$/);
  });
});
