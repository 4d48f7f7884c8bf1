import { backoffMs, smooth } from '../monitor/scheduler.js';
import {
  CommandUnknownError,
  EventUnknownError,
  type ListenEvent,
  type Listener,
  type Pool,
  Session,
} from '../vici/index.js';

/*
 * What the exporter needs beyond the monitor's store, on one connection of its own:
 * - the SA events, for what the store's rows cannot say: the final counts of a CHILD_SA as it
 *   goes down or is rekeyed away, and up/down/rekey counts per connection and child. Events
 *   are pushed by the daemon and cost it next to nothing; nothing is listed for them;
 * - `get-pools` and `get-counters`, each cheap, asked on the exporter's interval and slowed
 *   down like the store's list-conns should one ever cost a noticeable share of the budget.
 * A scrape asks the daemon nothing: it reads what this holds.
 */

export const FEED_EVENTS = ['ike-updown', 'child-updown', 'ike-rekey', 'child-rekey'] as const;

export interface FeedOptions {
  uri?: string;
  /** How often pools and IKE counters are read (ms). */
  intervalMs: number;
  /** Share of the daemon's time these reads may take (0..1). */
  budget: number;
  onEvent(ev: ListenEvent, at: number): void;
  now?: () => number;
  connectTimeoutMs?: number;
}

const CALL_TIMEOUT_MS = 5_000;

export class DaemonFeed {
  pools: readonly Pool[] | undefined;
  poolsAt: number | undefined;
  /** `get-counters`' global table; undefined until read, or when the plugin is not loaded. */
  counters: Readonly<Record<string, number>> | undefined;
  countersAt: number | undefined;
  /** False once the daemon said it has no counters plugin (or no get-pools). */
  countersKnown: boolean | undefined;
  poolsKnown: boolean | undefined;
  alertKnown: boolean | undefined;
  /** Events the feed's listeners had to drop (a slow exporter); never silently lost. */
  dropped = 0;

  private readonly now: () => number;
  private session: Session | undefined;
  private listeners: Listener[] = [];
  private stopped = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private readMs: number | undefined;

  constructor(private readonly opts: FeedOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    void this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    const s = this.session;
    this.session = undefined;
    await Promise.allSettled(this.listeners.map((l) => l.close()));
    await s?.close().catch(() => {});
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let session: Session | undefined;
      try {
        session = await Session.connect({
          uri: this.opts.uri,
          timeoutMs: this.opts.connectTimeoutMs ?? 5_000,
        });
        if (this.stopped) break;
        this.session = session;
        this.failures = 0;
        const closed = new Promise<void>((resolve) => session!.on('close', () => resolve()));
        this.listen(session);
        await Promise.race([this.poll(session), closed]);
      } catch {
        // The store says why the daemon is gone; this only retries.
      }
      await Promise.allSettled(this.listeners.splice(0).map((l) => l.close()));
      await session?.close().catch(() => {});
      this.session = undefined;
      this.pools = undefined;
      this.counters = undefined;
      if (this.stopped) break;
      this.failures++;
      await this.sleep(backoffMs(this.failures));
    }
  }

  private listen(session: Session): void {
    const main = session.listen(FEED_EVENTS);
    this.listeners.push(main);
    void this.read(main, false);
    if (this.alertKnown !== false) {
      const alert = session.listen(['alert']);
      this.listeners.push(alert);
      void this.read(alert, true);
    }
  }

  private async read(listener: Listener, optional: boolean): Promise<void> {
    try {
      for await (const ev of listener) {
        if (optional) this.alertKnown = true;
        if (ev) this.opts.onEvent(ev, this.now());
      }
    } catch (err) {
      // 5.9.8 has no `alert` event: go on without it.
      if (optional && err instanceof EventUnknownError) this.alertKnown = false;
    } finally {
      this.dropped += listener.dropped;
    }
  }

  private async poll(session: Session): Promise<void> {
    while (!this.stopped && !session.closed) {
      const started = this.now();
      if (this.poolsKnown !== false) {
        try {
          this.pools = await session.getPools({}, { timeoutMs: CALL_TIMEOUT_MS });
          this.poolsAt = this.now();
          this.poolsKnown = true;
        } catch (err) {
          if (!(err instanceof CommandUnknownError)) throw err;
          this.poolsKnown = false;
        }
      }
      if (this.countersKnown !== false) {
        try {
          const table = await session.getCounters({}, { timeoutMs: CALL_TIMEOUT_MS });
          // 5.9.8 names the global section "", later versions "all".
          this.counters = table[''] ?? table.all ?? {};
          this.countersAt = this.now();
          this.countersKnown = true;
        } catch (err) {
          // Without the counters plugin the command does not exist.
          if (!(err instanceof CommandUnknownError)) throw err;
          this.countersKnown = false;
        }
      }
      this.readMs = smooth(this.readMs, this.now() - started);
      // Cheap, but never more than a tenth of the budget, like the store's list-conns.
      await this.sleep(
        Math.max(this.opts.intervalMs, (this.readMs ?? 0) / (this.opts.budget * 0.1)),
      );
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        if (this.timer) clearTimeout(this.timer);
        this.wake = undefined;
        resolve();
      };
      this.timer = setTimeout(() => this.wake?.(), ms);
    });
  }
}
