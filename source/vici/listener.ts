import { EventUnknownError } from './errors.js';
import type { ViciSection } from './message.js';
import { type EventItem, Fifo } from './stream.js';

export interface ListenEvent {
  type: string;
  message: ViciSection;
}

export interface ListenOptions {
  /**
   * Yield `null` (a heartbeat) whenever this long passed without an event, once the
   * registrations are confirmed (a listener that is not registered yet yields nothing).
   */
  timeoutMs?: number;
  /** Events buffered for a slow consumer before further ones are dropped (and counted). */
  highWaterMark?: number;
  /** Closes the listener when aborted (as close() does); its handler goes with the listener. */
  signal?: AbortSignal;
}

/** Something that receives the events of one name from the session's reader loop. */
export interface EventSink {
  push(item: EventItem): void;
}

/** One hold on a refcounted registration. */
export interface Subscription {
  /** Settles when the daemon answered this name's registration; rejects EventUnknownError. */
  readonly confirmed: Promise<void>;
  /** Drop the hold; resolves once any resulting unregistration has been answered. Never rejects. */
  release(): Promise<void>;
}

/** What a Listener needs from its session; kept narrow so listener.ts never imports session.ts. */
export interface ListenerHost {
  subscribe(name: string, sink: EventSink): Subscription;
  countProtocolError(): void;
  countDropped(): void;
  /** The listener closed itself; forget it. */
  detach(listener: Listener): void;
}

export const DEFAULT_HIGH_WATER_MARK = 10_000;

interface Waiter {
  resolve(r: IteratorResult<ListenEvent | null>): void;
  reject(e: unknown): void;
}

const DONE: IteratorResult<ListenEvent | null> = { done: true, value: undefined };

/**
 * The events of some names, as an async iterator. Several listeners and streamed commands share
 * one session; the registrations underneath are refcounted by the session.
 */
export class Listener implements AsyncIterableIterator<ListenEvent | null>, EventSink {
  /** Events lost because the buffer was at highWaterMark. */
  dropped = 0;
  readonly types: readonly string[];
  /**
   * Resolves when the daemon has answered every registration. An unknown name does not reject
   * it (the iterator throws EventUnknownError once and the other names keep flowing); any other
   * failure to register (the connection ended first...) rejects it and ends the listener with
   * that error, so a listener is never silently deaf.
   */
  readonly ready: Promise<void>;

  private readonly buffer = new Fifo<EventItem>();
  private readonly waiters = new Fifo<Waiter>();
  private readonly errors: Error[] = [];
  private readonly subs = new Map<string, Subscription>();
  private readonly highWaterMark: number;
  private readonly heartbeatMs: number | undefined;
  private state: 'open' | 'closed' | 'failed' = 'open';
  private finalError: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastYield = performance.now();
  private closing: Promise<void> | undefined;
  private isReady = false;
  private signal: AbortSignal | undefined;
  private readonly onAbort = () => void this.close();

  constructor(
    types: readonly string[],
    private readonly host: ListenerHost,
    opts: ListenOptions = {},
  ) {
    this.types = [...new Set(types)];
    this.highWaterMark = Math.max(1, opts.highWaterMark ?? DEFAULT_HIGH_WATER_MARK);
    const t = opts.timeoutMs;
    this.heartbeatMs = t !== undefined && t > 0 && Number.isFinite(t) ? t : undefined;
    const confirmations: Promise<void>[] = [];
    for (const type of this.types) {
      const sub = host.subscribe(type, this);
      this.subs.set(type, sub);
      confirmations.push(
        sub.confirmed.then(
          () => {},
          (err: unknown) => {
            if (!(err instanceof EventUnknownError)) {
              // Not registered, so not listening: say so rather than wait (or beat) forever.
              const e = err instanceof Error ? err : new Error(String(err));
              this.fail(e);
              throw e;
            }
            if (this.subs.get(type) === sub) {
              this.subs.delete(type);
              void sub.release();
            }
            this.raise(err);
          },
        ),
      );
    }
    this.ready = Promise.all(confirmations).then(() => {
      this.isReady = true;
    });
    // A caller who never awaits `ready` still learns of a failure from the iterator.
    this.ready.catch(() => {});
    const signal = opts.signal;
    if (signal) {
      if (signal.aborted) void this.close();
      else {
        this.signal = signal;
        signal.addEventListener('abort', this.onAbort, { once: true });
      }
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ListenEvent | null>> {
    // Until every registration is answered nothing is yielded, so an unknown name is reported
    // first, whatever order the answers and early events came in.
    if (!this.isReady && this.state === 'open') {
      return this.ready.then(
        () => this.next(),
        () => this.next(),
      );
    }
    const err = this.errors.shift();
    if (err) return Promise.reject(err);
    const item = this.buffer.shift();
    if (item) return this.deliver(item);
    if (this.state === 'failed') {
      const final = this.finalError;
      this.state = 'closed';
      this.finalError = undefined;
      return Promise.reject(final);
    }
    if (this.state === 'closed') return Promise.resolve(DONE);
    if (this.subs.size === 0) {
      // Every name was unknown (each reported once above): nothing can ever arrive, so end
      // rather than beat forever while deaf.
      void this.close();
      return Promise.resolve(DONE);
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.armHeartbeat();
    });
  }

  async return(): Promise<IteratorResult<ListenEvent | null>> {
    await this.close();
    return DONE;
  }

  async throw(err?: unknown): Promise<IteratorResult<ListenEvent | null>> {
    await this.close();
    throw err;
  }

  /** Stop listening: unregisters (refcounted) and ends the iterator. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.state = 'closed';
    this.dropSignal();
    this.stopHeartbeat();
    this.buffer.clear();
    this.errors.length = 0;
    for (let w = this.waiters.shift(); w; w = this.waiters.shift()) w.resolve(DONE);
    this.host.detach(this);
    const releases = [...this.subs.values()].map((s) => s.release());
    this.subs.clear();
    this.closing = Promise.all(releases).then(() => {});
    return this.closing;
  }

  /** @internal an event of one of our types. */
  push(item: EventItem): void {
    if (this.state !== 'open') return;
    const w = this.waiters.shift();
    if (w) {
      this.deliver(item).then(w.resolve, w.reject);
      return;
    }
    if (this.buffer.length >= this.highWaterMark) {
      this.dropped++;
      this.host.countDropped();
      return;
    }
    this.buffer.push(item);
  }

  /** @internal the session ended: with an error, iteration throws it once buffered events are read. */
  sessionClosed(err?: Error): void {
    if (this.state !== 'open') return;
    this.dropSignal();
    this.stopHeartbeat();
    this.subs.clear();
    this.closing = Promise.resolve();
    this.end(err);
  }

  /** A registration failed (not as unknown): release the rest and end with the error. */
  private fail(err: Error): void {
    if (this.state !== 'open') return;
    this.dropSignal();
    this.stopHeartbeat();
    this.host.detach(this);
    const releases = [...this.subs.values()].map((s) => s.release());
    this.subs.clear();
    this.closing = Promise.all(releases).then(() => {});
    this.end(err);
  }

  private end(err: Error | undefined): void {
    if (!err) {
      this.state = 'closed';
      for (let w = this.waiters.shift(); w; w = this.waiters.shift()) w.resolve(DONE);
      return;
    }
    const first = this.waiters.shift();
    if (first) {
      this.state = 'closed';
      first.reject(err);
      for (let w = this.waiters.shift(); w; w = this.waiters.shift()) w.resolve(DONE);
      return;
    }
    this.state = 'failed';
    this.finalError = err;
  }

  private dropSignal(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    this.signal = undefined;
  }

  private raise(err: Error): void {
    if (this.state !== 'open') return;
    const w = this.waiters.shift();
    if (w) w.reject(err);
    else this.errors.push(err);
  }

  private deliver(item: EventItem): Promise<IteratorResult<ListenEvent | null>> {
    this.lastYield = performance.now();
    try {
      return Promise.resolve({ done: false, value: { type: item.type, message: item.message() } });
    } catch (err) {
      this.host.countProtocolError();
      return Promise.reject(err);
    }
  }

  // One timer per listener, armed only while someone waits; events never touch it, so a
  // burst of thousands of events costs no timer work.
  private armHeartbeat(): void {
    if (this.heartbeatMs === undefined || this.timer) return;
    const wait = Math.max(0, this.lastYield + this.heartbeatMs - performance.now());
    this.timer = setTimeout(() => this.beat(), wait);
  }

  private beat(): void {
    this.timer = undefined;
    if (this.waiters.length === 0 || this.heartbeatMs === undefined) return;
    const remaining = this.lastYield + this.heartbeatMs - performance.now();
    if (remaining > 1) {
      this.timer = setTimeout(() => this.beat(), remaining);
      return;
    }
    this.lastYield = performance.now();
    this.waiters.shift()?.resolve({ done: false, value: null });
    if (this.waiters.length > 0) this.armHeartbeat();
  }

  private stopHeartbeat(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
