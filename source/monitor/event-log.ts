import type { EventEntry, EventLog } from './types.js';

export type NewEntry = Omit<EventEntry, 'seq'>;

/**
 * The events feed: a ring of the last `capacity` entries. Appending is O(1) however fast the
 * daemon talks; the immutable `entries` array is built only when a snapshot asks and
 * something was appended since.
 */
export class EventRing {
  private readonly buf: EventEntry[] = [];
  private start = 0;
  private seq = 0;
  private dropped = 0;
  /** Counted as they come, so alerts that fell off the ring still count in the header. */
  private alerts: { total: number; error: number; warn: number } | undefined;
  private view: EventLog;
  private dirty = false;

  constructor(readonly capacity = 10_000) {
    this.view = { entries: [], capacity, dropped: 0, undelivered: 0, total: 0 };
  }

  get total(): number {
    return this.seq;
  }

  push(entry: NewEntry): EventEntry {
    const e: EventEntry = { ...entry, seq: ++this.seq };
    if (e.kind === 'alert') {
      const a = this.alerts ?? { total: 0, error: 0, warn: 0 };
      this.alerts = {
        total: a.total + 1,
        error: a.error + (e.tone === 'error' ? 1 : 0),
        warn: a.warn + (e.tone === 'warn' ? 1 : 0),
      };
    }
    if (this.buf.length < this.capacity) {
      this.buf.push(e);
    } else {
      this.buf[this.start] = e;
      this.start = (this.start + 1) % this.capacity;
      this.dropped++;
    }
    this.dirty = true;
    return e;
  }

  /** The feed as an immutable value; the same object while nothing changed. */
  snapshot(undelivered: number): EventLog {
    if (!this.dirty && undelivered === this.view.undelivered) return this.view;
    const entries = !this.dirty
      ? this.view.entries
      : this.start === 0
        ? this.buf.slice()
        : [...this.buf.slice(this.start), ...this.buf.slice(0, this.start)];
    this.view = {
      entries,
      capacity: this.capacity,
      dropped: this.dropped,
      undelivered,
      total: this.seq,
      ...(this.alerts ? { alerts: this.alerts } : {}),
    };
    this.dirty = false;
    return this.view;
  }
}
