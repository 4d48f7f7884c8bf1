import {
  type ChildSa,
  type ListenEvent,
  parseChildRekeyEvent,
  parseIkeRekeyEvent,
  parseUpdownEvent,
  text,
} from '../vici/index.js';
import type { Observation, TrafficAccumulator } from './accumulator.js';

/*
 * Counting the daemon's SA events by what configuration names them (connection, child,
 * event), and handing the final counts they carry to the traffic accumulator. Never throws:
 * an event it cannot read is counted as such.
 */

export type SaEvent = 'up' | 'down' | 'rekey';
export const SA_EVENTS: readonly SaEvent[] = ['up', 'down', 'rekey'];

const SEP = '\u0000';
/** Distinct alert types kept as labels; past that, the rest count as "other". */
export const MAX_ALERT_TYPES = 64;

export class EventCounts {
  readonly ike = new Map<string, number>();
  readonly child = new Map<string, number>();
  readonly alerts = new Map<string, number>();
  unreadable = 0;

  countIke(conn: string, ev: SaEvent): void {
    bump(this.ike, `${conn}${SEP}${ev}`);
  }

  countChild(conn: string, child: string, ev: SaEvent): void {
    bump(this.child, `${conn}${SEP}${child}${SEP}${ev}`);
  }

  countAlert(type: string): void {
    // Types are a fixed set in charon; a daemon that invents more cannot grow the series.
    const known = this.alerts.has(type) || this.alerts.size < MAX_ALERT_TYPES - 1;
    bump(this.alerts, known ? type : 'other');
  }

  /** Zero series for a configured connection and its children, so increase() starts from 0. */
  declare(conn: string, children: readonly string[]): void {
    for (const ev of SA_EVENTS) {
      const k = `${conn}${SEP}${ev}`;
      if (!this.ike.has(k)) this.ike.set(k, 0);
      for (const child of children) {
        const c = `${conn}${SEP}${child}${SEP}${ev}`;
        if (!this.child.has(c)) this.child.set(c, 0);
      }
    }
  }
}

export const splitKey = (k: string): string[] => k.split(SEP);

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/** The internal identity of one CHILD_SA instance (never a label). */
export function instanceOf(c: ChildSa): string {
  return `${c.uniqueid}|${c.spiIn ?? ''}|${c.spiOut ?? ''}`;
}

export function observation(conn: string, c: ChildSa): Observation {
  return {
    conn,
    child: c.name,
    instance: instanceOf(c),
    bytesIn: c.bytesIn ?? Number.NaN,
    bytesOut: c.bytesOut ?? Number.NaN,
    packetsIn: c.packetsIn ?? Number.NaN,
    packetsOut: c.packetsOut ?? Number.NaN,
  };
}

/** One event from the daemon into the counts and the accumulator. */
export function tally(
  ev: ListenEvent,
  at: number,
  counts: EventCounts,
  traffic: TrafficAccumulator,
): void {
  try {
    if (!tallyKnown(ev, at, counts, traffic)) counts.unreadable++;
  } catch {
    counts.unreadable++;
  }
}

function tallyKnown(
  ev: ListenEvent,
  at: number,
  counts: EventCounts,
  traffic: TrafficAccumulator,
): boolean {
  switch (ev.type) {
    case 'ike-updown': {
      const e = parseUpdownEvent(ev.message);
      if (!e) return false;
      counts.countIke(e.ike.name, e.up ? 'up' : 'down');
      return true;
    }
    case 'child-updown': {
      const e = parseUpdownEvent(ev.message);
      if (!e) return false;
      for (const c of e.ike.children) {
        counts.countChild(e.ike.name, c.name, e.up ? 'up' : 'down');
        // Going down, the event carries what the CHILD_SA moved in all: its final count.
        traffic.observe(observation(e.ike.name, c), at, !e.up);
      }
      return true;
    }
    case 'ike-rekey': {
      const e = parseIkeRekeyEvent(ev.message);
      if (!e) return false;
      counts.countIke(e.new.name, 'rekey');
      return true;
    }
    case 'child-rekey': {
      const e = parseChildRekeyEvent(ev.message);
      if (!e) return false;
      counts.countChild(e.ike.name, e.old.name, 'rekey');
      traffic.observe(observation(e.ike.name, e.old), at, true);
      traffic.observe(observation(e.ike.name, e.new), at, false);
      return true;
    }
    case 'alert': {
      counts.countAlert(text(ev.message.get('type')) ?? 'unknown');
      return true;
    }
  }
  return false;
}
