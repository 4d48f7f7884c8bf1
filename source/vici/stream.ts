import { decodeMessage, type ViciSection } from './message.js';

/**
 * A queue with O(1) push and shift. Array.shift() is linear, and a 5,000-event list-sas
 * buffered behind a slow consumer would make it quadratic.
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

/**
 * One EVENT packet as it came off the wire. The body is decoded on first demand and the
 * result shared by every subscriber, so events nobody reads cost no decoding at all.
 */
export class EventItem {
  private decoded: ViciSection | undefined;

  constructor(
    readonly type: string,
    readonly body: Buffer,
    /** Where the body starts in the byte stream, for ProtocolError offsets. */
    readonly offset: number,
  ) {}

  message(): ViciSection {
    if (this.decoded === undefined) this.decoded = decodeMessage(this.body, this.offset);
    return this.decoded;
  }
}

/** What a Stream needs from its session; kept narrow so stream.ts never imports session.ts. */
export interface StreamHost {
  countProtocolError(): void;
}

/**
 * A streamed command (list-sas, initiate...). Eager: the command is already queued when the
 * Stream exists. Events are buffered until iterated. Leaving `for await` early only stops
 * delivery here; the session still consumes the rest and the final response.
 */
export class Stream<T, R = ViciSection> implements AsyncIterable<T> {
  /** The final response, mapped; rejects with CommandError on `success = no`. */
  readonly result: Promise<R>;

  private readonly events = new Fifo<EventItem>();
  private readonly ready = new Fifo<T>();
  private state: 'running' | 'done' | 'failed' = 'running';
  private error: Error | undefined;
  private abandoned = false;
  private waiters: (() => void)[] = [];
  private resolveResult!: (r: R) => void;
  private rejectResult!: (e: Error) => void;

  constructor(
    readonly command: string,
    readonly event: string,
    private readonly host: StreamHost,
    private readonly map: (message: ViciSection) => T[],
  ) {
    this.result = new Promise<R>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // Fire-and-forget streams (an initiate nobody awaits) must not crash the process.
    this.result.catch(() => {});
  }

  /** @internal the session delivers one event of this stream's type. */
  push(item: EventItem): void {
    if (this.state !== 'running' || this.abandoned) return;
    this.events.push(item);
    this.wake();
  }

  /** @internal the final response arrived and was accepted. */
  finish(result: R): void {
    if (this.state !== 'running') return;
    this.state = 'done';
    this.resolveResult(result);
    this.wake();
  }

  /** @internal the command failed (CommandError, timeout, closed connection...). */
  fail(error: Error): void {
    if (this.state !== 'running') return;
    this.state = 'failed';
    this.error = error;
    this.rejectResult(error);
    this.wake();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: async () => {
        this.abandon();
        return { done: true, value: undefined };
      },
      throw: async (err?: unknown) => {
        this.abandon();
        throw err;
      },
    };
  }

  /** Every item, then the result is checked: a failed command throws after the last item. */
  async collect(): Promise<T[]> {
    const out: T[] = [];
    for await (const item of this) out.push(item);
    return out;
  }

  private async next(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.abandoned) return { done: true, value: undefined };
      const item = this.ready.shift();
      if (item !== undefined) return { done: false, value: item };
      const ev = this.events.shift();
      if (ev !== undefined) {
        let mapped: T[];
        try {
          mapped = this.map(ev.message());
        } catch (err) {
          this.host.countProtocolError();
          this.abandon();
          throw err;
        }
        for (const m of mapped) this.ready.push(m);
        continue;
      }
      if (this.state === 'done') return { done: true, value: undefined };
      if (this.state === 'failed') {
        this.abandoned = true;
        throw this.error;
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
      });
    }
  }

  private abandon(): void {
    this.abandoned = true;
    this.events.clear();
    this.ready.clear();
    this.wake();
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }
}
