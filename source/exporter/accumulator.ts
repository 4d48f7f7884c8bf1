/*
 * Traffic as true counters. The daemon counts bytes and packets per CHILD_SA: a rekey starts a
 * new CHILD_SA at zero, a tunnel that goes down takes its counts with it, and a restarted daemon
 * starts everything from zero. Prometheus wants one series per (connection, child, direction)
 * that only ever grows while the exporter runs, so we add up what every CHILD_SA instance
 * carried: each observation of an instance adds what it moved since the last one.
 *
 * Pure: observations and the clock in, totals out. No label here ever holds an id; instance
 * keys are internal only.
 */

export interface Traffic {
  bytesIn: number;
  bytesOut: number;
  packetsIn: number;
  packetsOut: number;
}

export interface Observation extends Traffic {
  /** Connection (IKE config) name. */
  conn: string;
  /** CHILD_SA config name. */
  child: string;
  /**
   * What tells one CHILD_SA instance from every other: its unique id plus its SPIs. SPIs are
   * random per SA, so a restarted daemon's CHILD_SA #3 is not taken for the old #3.
   */
  instance: string;
}

export interface SeriesTotals extends Traffic {
  conn: string;
  child: string;
}

const FIELDS = ['bytesIn', 'bytesOut', 'packetsIn', 'packetsOut'] as const;
const ZERO: Traffic = { bytesIn: 0, bytesOut: 0, packetsIn: 0, packetsOut: 0 };

const TWO_31 = 2 ** 31;
const TWO_32 = 2 ** 32;
const TWO_63 = 2 ** 63;
const TWO_64 = 2 ** 64;

/**
 * What a counter moved from `last` to `now`. A drop is either a wrap of a 32- or 64-bit
 * counter (the old value was in the top half of its range) or a counter that started over
 * (anything else): then all of `now` is new. Never negative.
 */
export function counterDelta(last: number, now: number): number {
  if (!Number.isFinite(now) || now < 0) return 0;
  if (now >= last) return now - last;
  if (last >= TWO_31 && last < TWO_32) return TWO_32 - last + now;
  if (last >= TWO_63) return Math.max(0, TWO_64 - last + now);
  return now;
}

/** How long an instance no listing shows any more is remembered (a late listing of it adds 0). */
export const FORGET_AFTER_MS = 10 * 60_000;

interface Instance {
  series: string;
  last: Traffic;
  seenAt: number;
  /** Its final counts arrived (down or rekeyed away): later, older copies are ignored. */
  final: boolean;
}

export class TrafficAccumulator {
  private readonly series = new Map<string, SeriesTotals>();
  private readonly instances = new Map<string, Instance>();

  /**
   * One reading of one CHILD_SA. `final` marks the counts the daemon sent as the SA went
   * (child-updown down, the old SA of a child-rekey): nothing later about it is counted.
   */
  observe(o: Observation, at: number, final = false): void {
    const key = seriesKey(o.conn, o.child);
    let totals = this.series.get(key);
    if (!totals) {
      totals = { conn: o.conn, child: o.child, ...ZERO };
      this.series.set(key, totals);
    }
    const prev = this.instances.get(o.instance);
    if (prev?.final) return;
    const last = prev?.last ?? ZERO;
    const next: Traffic = { ...ZERO };
    for (const f of FIELDS) {
      const value = o[f];
      const now = Number.isFinite(value) && value >= 0 ? value : last[f];
      totals[f] += counterDelta(last[f], now);
      next[f] = now;
    }
    this.instances.set(o.instance, { series: key, last: next, seenAt: at, final });
  }

  /** Make a (connection, child) series exist at zero, so a configured tunnel never vanishes. */
  declare(conn: string, child: string): void {
    const key = seriesKey(conn, child);
    if (!this.series.has(key)) this.series.set(key, { conn, child, ...ZERO });
  }

  /**
   * Forget instances that are not `live` (in the store's rows) and were not observed for
   * FORGET_AFTER_MS; the totals they added stay. A live one is never forgotten, however long
   * between listings: seen again from zero, its whole count would be added twice.
   */
  prune(live: ReadonlySet<string>, now: number): void {
    for (const [k, i] of this.instances) {
      if (!live.has(k) && now - i.seenAt > FORGET_AFTER_MS) this.instances.delete(k);
    }
  }

  /** Every series ever seen, in the order first seen; the objects are copies. */
  totals(): SeriesTotals[] {
    return [...this.series.values()].map((s) => ({ ...s }));
  }

  get instanceCount(): number {
    return this.instances.size;
  }
}

export function seriesKey(conn: string, child: string): string {
  return `${conn}\u0000${child}`;
}
