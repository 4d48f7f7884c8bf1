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
 * Stream exists. Events are buffered until iterated. The session hands a stream only the
 * events that arrive while its own command is on the wire, so two streams of one event name
 * never see each other's items. Leaving `for await` early only stops delivery here; the
 * session still consumes the rest and the final response, and counts the rest as undelivered.
 * An abort or a timeout stops the iteration at once: nothing buffered is yielded after it.
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

  /** @internal a Session makes its streams (listSas, listSasBodies, initiate...). */
  constructor(
    readonly command: string,
    readonly event: string,
    private readonly host: StreamHost,
    /** An event's items: its decoded message mapped (most streams), or its body as it is. */
    private readonly map: (event: EventItem) => T[],
    /** The call's signal: once aborted, next() throws its reason even if items are buffered. */
    private readonly signal?: AbortSignal,
  ) {
    this.result = new Promise<R>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // Fire-and-forget streams (an initiate nobody awaits) must not crash the process.
    this.result.catch(() => {});
  }

  /** @internal the session delivers one event of this stream's type; false: nobody takes it. */
  push(item: EventItem): boolean {
    if (this.state !== 'running' || this.abandoned) return false;
    this.events.push(item);
    this.wake();
    return true;
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

  /**
   * @internal the call gave up (timeout, abort): fail, and drop what is buffered, so the
   * consumer's next step is the error rather than items of a listing it no longer waits for.
   */
  cancel(error: Error): void {
    if (this.state !== 'running') return;
    this.events.clear();
    this.ready.clear();
    this.fail(error);
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
      // The command may have answered before the abort (a small listing is all buffered by
      // then); the caller still asked to stop, so stop.
      if (this.signal?.aborted) {
        this.abandon();
        throw abortReason(this.signal);
      }
      const item = this.ready.shift();
      if (item !== undefined) return { done: false, value: item };
      const ev = this.events.shift();
      if (ev !== undefined) {
        let mapped: T[];
        try {
          mapped = this.map(ev);
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

/** The signal's reason as an Error (an AbortError when it gave none). */
export function abortReason(signal: AbortSignal | undefined): Error {
  const r: unknown = signal?.reason;
  if (r instanceof Error) return r;
  const e = new Error(r === undefined ? 'the operation was aborted' : String(r));
  e.name = 'AbortError';
  return e;
}
