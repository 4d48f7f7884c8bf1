import { EventUnknownError } from '../vici/errors.js';
import type { ViciSection } from '../vici/message.js';
import { EventRing, type NewEntry } from './event-log.js';
import type { Sessions } from './link.js';
import { FEED_EVENTS, note, readEvent } from './read-event.js';
import type { RowTable } from './row-table.js';
import type { ListenerPort } from './session-port.js';
import type { EventLog } from './types.js';

/*
 * The feed: the daemon's events read from the link's events connection, applied to the rows
 * at once, and kept in the bounded event log (with our own notes between them).
 */

export interface FeedHooks {
  now(): number;
  /** Whether the sessions are still the link's current ones. */
  alive(s: Sessions): boolean;
  /** The events connection failed: the link is lost. */
  lose(gen: number, err: unknown): void;
  /** The daemon said something (the header's "updated N s ago"). */
  heard(at: number): void;
  changed(urgent: boolean): void;
}

/** How long to wait for the event registrations before the first listing starts regardless. */
const REGISTER_WAIT_MS = 3_000;

export class Feed {
  private readonly log: EventRing;
  /** Whether the daemon knows `alert` (5.9.8 does not); undefined until it said. */
  private alertKnown: boolean | undefined;

  constructor(
    private readonly table: RowTable,
    private readonly hooks: FeedHooks,
    capacity = 10_000,
  ) {
    this.log = new EventRing(capacity);
  }

  /** A line of our own in the feed (link lost, listing slowed down...). */
  note(tone: NewEntry['tone'], text: string): void {
    this.log.push(note(this.hooks.now(), tone, text));
  }

  /** The feed as an immutable value; the same object while nothing changed. */
  snapshot(undelivered: number): EventLog {
    return this.log.snapshot(undelivered);
  }

  /**
   * Register the events on a new link and read them. Resolves once the daemon confirmed the
   * registrations (or after REGISTER_WAIT_MS), so nothing that happens during the first
   * listing goes unseen.
   */
  async start(s: Sessions): Promise<void> {
    const main = s.events.listen(FEED_EVENTS);
    s.listeners.push(main);
    void this.read(s, main, false);
    if (this.alertKnown !== false) {
      const alert = s.events.listen(['alert']);
      s.listeners.push(alert);
      void this.read(s, alert, true);
    }
    if (main.ready) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        main.ready,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, REGISTER_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
    }
  }

  private async read(s: Sessions, listener: ListenerPort, optional: boolean): Promise<void> {
    const it = listener[Symbol.asyncIterator]();
    for (;;) {
      let r: IteratorResult<{ type: string; message: ViciSection } | null>;
      try {
        r = await it.next();
      } catch (err) {
        if (!this.hooks.alive(s)) return;
        if (err instanceof EventUnknownError) {
          // An older daemon: go on with the events it has (5.9.8 has no `alert`).
          if (optional) this.alertKnown = false;
          this.note('plain', `${err.message}; going on without it`);
          this.hooks.changed(false);
          if (optional) return;
          continue;
        }
        if (!optional) this.hooks.lose(s.gen, err);
        return;
      }
      if (r.done || !this.hooks.alive(s)) return;
      if (optional) this.alertKnown = true;
      if (r.value) this.apply(r.value.type, r.value.message);
    }
  }

  /** One event: to the rows, then to the log. */
  apply(type: string, message: ViciSection): void {
    const at = this.hooks.now();
    this.hooks.heard(at);
    const ev = readEvent(type, message, at);
    if (ev.row) this.table.applyEvent(ev.row, at);
    this.log.push(ev.entry);
    this.hooks.changed(ev.urgent);
  }
}
