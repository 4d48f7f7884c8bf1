/*
 * A daemon in memory behind the store's SessionPort, for tests on virtual time (vitest's fake
 * timers). Its SAs are real-shaped trees read by views.ts (monitor-trees.ts); it can answer,
 * stop answering (as under SIGSTOP: calls wait for their own timeouts), or die (as under
 * kill -9: every connection closes). Every call is recorded.
 */
import type { ListenerPort, SessionPort, StreamPort } from '../../source/monitor/session-port.js';
import {
  CommandError,
  ConnectionClosedError,
  EventUnknownError,
  TimeoutError,
} from '../../source/vici/errors.js';
import {
  type EncodableSection,
  encodeMessage,
  type ViciSection,
} from '../../source/vici/message.js';
import { parseStats } from '../../source/vici/views.js';
import { type IkeSpec, ikeTree, roundTrip } from './monitor-trees.js';

export interface FakeCall {
  port: number;
  method: string;
  args: unknown;
}

type EventItem = { type: string; message: ViciSection } | null;

class FakeListener implements ListenerPort {
  readonly dropped = 0;
  readonly ready = Promise.resolve();
  private readonly queue: EventItem[] = [];
  private wake: (() => void) | undefined;
  private ended: Error | undefined | 'done';

  constructor(readonly types: readonly string[]) {}

  push(item: EventItem): void {
    this.queue.push(item);
    this.wake?.();
  }

  end(err?: Error): void {
    this.ended ??= err ?? 'done';
    this.wake?.();
  }

  async close(): Promise<void> {
    this.end();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<EventItem> {
    for (;;) {
      const next = this.queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.ended === 'done') return;
      if (this.ended) throw this.ended;
      await new Promise<void>((r) => {
        this.wake = r;
      });
      this.wake = undefined;
    }
  }
}

export class FakeDaemon {
  ikes: IkeSpec[] = [];
  /** What `stats` says of the daemon's uptime. */
  uptime = { running: '1 hour', since: 'Dec 01 20:57:32 2026' };
  /** false: every call waits until its own timeout, as a SIGSTOPped charon. */
  answering = true;
  readonly calls: FakeCall[] = [];
  readonly ports: FakePort[] = [];
  /** Refuse new connections (no socket) with this error. */
  refuse: Error | undefined;
  /** Events this daemon does not know (5.9.8 has no `alert`). */
  unknownEvents = new Set(['alert']);
  /** Commands the daemon refuses (success = no), with its errmsg. */
  refused = new Map<string, string>();

  connect = async (): Promise<SessionPort> => {
    if (this.refuse) throw this.refuse;
    const p = new FakePort(this, this.ports.length);
    this.ports.push(p);
    return p;
  };

  /** kill -9: every connection closes under the store. */
  kill(): void {
    for (const p of this.ports)
      p.die(new ConnectionClosedError('the daemon closed the connection'));
    this.refuse = new Error('no vici socket (the daemon is gone)');
  }

  /** Started again after kill(): it accepts connections (the old ones stay dead). */
  revive(): void {
    this.refuse = undefined;
    this.answering = true;
  }

  /** Calls made on one connection, by method name. */
  methodsOn(port: number): string[] {
    return this.calls.filter((c) => c.port === port).map((c) => c.method);
  }

  /** An event to every listener registered for it. */
  emit(type: string, tree: EncodableSection): void {
    const message = roundTrip(tree);
    for (const p of this.ports) p.deliver(type, message);
  }

  openPorts(): FakePort[] {
    return this.ports.filter((p) => !p.closed);
  }
}

export class FakePort implements SessionPort {
  closed = false;
  readonly counters = { undeliveredEvents: 0, droppedEvents: 0 };
  private readonly closeListeners: ((err?: Error) => void)[] = [];
  private readonly listeners: FakeListener[] = [];
  private readonly pending = new Set<() => void>();

  constructor(
    private readonly daemon: FakeDaemon,
    readonly index: number,
  ) {}

  on(_event: 'close', listener: (err?: Error) => void): this {
    this.closeListeners.push(listener);
    return this;
  }

  die(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.listeners) l.end(err ?? new ConnectionClosedError());
    for (const p of [...this.pending]) p();
    for (const l of this.closeListeners) l(err);
  }

  async close(): Promise<void> {
    this.record('close', undefined);
    this.die(undefined);
  }

  deliver(type: string, message: ViciSection): void {
    if (this.closed) return;
    for (const l of this.listeners) if (l.types.includes(type)) l.push({ type, message });
  }

  private record(method: string, args: unknown): void {
    this.daemon.calls.push({ port: this.index, method, args });
  }

  /** An answer, or (daemon not answering) a wait until the call's own timeout. */
  private answer<T>(
    op: string,
    opts: { timeoutMs?: number; signal?: AbortSignal } | undefined,
    f: () => T,
  ): Promise<T> {
    if (this.closed) return Promise.reject(new ConnectionClosedError());
    const errmsg = this.daemon.refused.get(op);
    if (errmsg !== undefined && this.daemon.answering) {
      return Promise.reject(new CommandError(op, errmsg, new Map()));
    }
    if (this.daemon.answering) {
      try {
        return Promise.resolve(f());
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return new Promise<T>((_resolve, reject) => {
      const done = (err: Error) => {
        clearTimeout(timer);
        this.pending.delete(onClose);
        opts?.signal?.removeEventListener('abort', onAbort);
        reject(err);
      };
      const onClose = () => done(new ConnectionClosedError());
      const onAbort = () => {
        const e = new Error('aborted');
        e.name = 'AbortError';
        done(e);
      };
      const timer =
        opts?.timeoutMs !== undefined
          ? setTimeout(() => done(new TimeoutError(op, opts.timeoutMs!)), opts.timeoutMs)
          : undefined;
      this.pending.add(onClose);
      opts?.signal?.addEventListener('abort', onAbort);
    });
  }

  private stream<T>(
    op: string,
    opts: { timeoutMs?: number; signal?: AbortSignal } | undefined,
    items: () => T[],
  ): StreamPort<T> {
    const all = this.answer(op, opts, items);
    all.catch(() => {});
    const result = all.then(() => ({}));
    // As vici's Stream: a result nobody awaits must not be an unhandled rejection.
    result.catch(() => {});
    return {
      result,
      async *[Symbol.asyncIterator]() {
        for (const i of await all) yield i;
      },
    };
  }

  version(opts?: { timeoutMs?: number }) {
    this.record('version', undefined);
    return this.answer('version', opts, () => ({
      daemon: 'charon',
      version: '5.9.8',
      sysname: 'Linux',
      release: '6.1.0',
      machine: 'x86_64',
    }));
  }

  stats(opts?: { timeoutMs?: number }) {
    this.record('stats', undefined);
    return this.answer('stats', opts, () =>
      parseStats(
        roundTrip({
          uptime: { ...this.daemon.uptime },
          workers: { total: 16, idle: 11, active: { critical: 4, high: 0, medium: 1, low: 0 } },
          queues: { critical: 0, high: 0, medium: 0, low: 0 },
          scheduled: 3,
          ikesas: { total: this.daemon.ikes.length, 'half-open': 0 },
          plugins: ['vici'],
        }),
      ),
    );
  }

  /** Each IKE_SA as the daemon's list-sa event body, encoded by the real encoder. */
  listSasBodies(
    args?: { noblock?: boolean; ike?: string; 'ike-id'?: string | number },
    opts?: object,
  ) {
    this.record('list-sas', args);
    return this.stream('list-sas', opts, () => {
      const id = args?.['ike-id'] === undefined ? undefined : String(args['ike-id']);
      return this.daemon.ikes
        .filter((i) => id === undefined || i.uniqueid === id)
        .map((i) => encodeMessage({ [i.name ?? 'net-net']: ikeTree(i) }));
    });
  }

  listConns(args?: object, opts?: object) {
    this.record('list-conns', args);
    return this.stream('list-conns', opts, () => []);
  }

  listen(types: readonly string[]): ListenerPort {
    this.record('listen', types);
    const l = new FakeListener(types);
    const unknown = types.find((t) => this.daemon.unknownEvents.has(t));
    if (unknown) l.end(new EventUnknownError(unknown));
    else if (this.closed) l.end(new ConnectionClosedError());
    else this.listeners.push(l);
    return l;
  }

  rekey(args: object, opts?: object) {
    this.record('rekey', args);
    return this.answer('rekey', opts, () => ({ matches: 1 }));
  }

  terminate(args: object, opts?: object) {
    this.record('terminate', args);
    return this.stream('terminate', opts, () => []);
  }

  redirect(args: object, opts?: object) {
    this.record('redirect', args);
    return this.answer('redirect', opts, () => ({ matches: 1 }));
  }

  initiate(args: object, opts?: object) {
    this.record('initiate', args);
    return this.stream('initiate', opts, () => []);
  }
}
