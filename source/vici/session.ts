import { stat } from 'node:fs/promises';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import {
  type CallOptions,
  type CheckedEventNames,
  checkSuccess,
  type EventName,
  ViciCommands,
} from './commands.js';
import {
  CommandUnknownError,
  ConnectError,
  ConnectionClosedError,
  EncodeError,
  EventUnknownError,
  NotASocketError,
  ProtocolError,
  TimeoutError,
} from './errors.js';
import { Listener, type ListenerHost, type ListenOptions, type Subscription } from './listener.js';
import {
  decodeMessage,
  type EncodableSection,
  encodeMessage,
  type ViciSection,
} from './message.js';
import {
  decodePacket,
  encodePacket,
  FrameReader,
  PACKET,
  type Packet,
  type PacketType,
} from './packet.js';
import { abortReason, EventItem, Stream, type StreamHost } from './stream.js';
import { defaultUri, formatTarget, parseUri, type ViciTarget } from './uri.js';

export interface ConnectOptions extends SessionOptions {
  /** unix:///path, tcp://host:port or a bare path; default unix:///var/run/charon.vici. */
  uri?: string;
  /** Bounds the connect, and is the default timeout of every call. Undefined waits forever. */
  timeoutMs?: number;
}

export interface SessionOptions {
  /** Default timeout of every call; undefined (like Python's module) waits forever. */
  timeoutMs?: number;
  /**
   * Close the session when a command that was already sent times out, instead of holding the
   * line until its late answer (the default). Every queued call then fails at once with
   * ConnectionClosedError naming the timeout, and `close` fires with it: reconnect from there.
   * A call's own `closeOnTimeout` overrides this.
   */
  closeOnTimeout?: boolean;
}

/** The events a Session emits. */
export interface SessionEvents {
  /** Exactly once: with the error when the connection died, without one after close(). */
  close: [err?: Error];
}

export interface SessionCounters {
  /** Events that arrived for a name nobody was subscribed to any more. */
  undeliveredEvents: number;
  /** Events a listener had no room for (its highWaterMark was reached). */
  droppedEvents: number;
  /** Malformed bytes from the daemon (framing, packets, message bodies). */
  protocolErrors: number;
}

interface EventSinkLike {
  push(item: EventItem): void;
}

/** What the daemon sent back for one operation. */
interface Reply {
  type: PacketType;
  body: Buffer;
  /** Where `body` starts in the byte stream. */
  offset: number;
}

type OpKind = 'command' | 'register' | 'unregister';

/** The stream whose command an operation is: it takes the events of its name while on the wire. */
interface StreamSink {
  readonly event: string;
  push(item: EventItem): boolean;
}

/** One packet we send and the one packet that answers it. */
interface Op {
  kind: OpKind;
  name: string;
  packet: Buffer;
  state: 'queued' | 'sent' | 'done';
  /** A streamed command's stream. */
  stream: StreamSink | undefined;
  /** When it went on the wire (performance.now()), for "still waiting for" messages. */
  sentAt: number;
  /** Set when its caller gave up on it (timeout or abort) after it was sent. */
  abandoned: string | undefined;
  prev: Op | undefined;
  next: Op | undefined;
  /** Last chance to refuse sending (e.g. the event it needs turned out to be unknown). */
  beforeSend: (() => Error | undefined) | undefined;
  /** Called exactly once: with the answer, or with why there will be none. */
  settle(result: Reply | Error): void;
}

/** A doubly linked list: O(1) append, prepend, and removal of a call that timed out in line. */
class OpQueue {
  private head: Op | undefined;
  private tail: Op | undefined;

  pushBack(op: Op): void {
    op.prev = this.tail;
    op.next = undefined;
    if (this.tail) this.tail.next = op;
    else this.head = op;
    this.tail = op;
  }

  pushFront(op: Op): void {
    op.next = this.head;
    op.prev = undefined;
    if (this.head) this.head.prev = op;
    else this.tail = op;
    this.head = op;
  }

  remove(op: Op): void {
    if (op.prev) op.prev.next = op.next;
    else if (this.head === op) this.head = op.next;
    if (op.next) op.next.prev = op.prev;
    else if (this.tail === op) this.tail = op.prev;
    op.prev = op.next = undefined;
  }

  shift(): Op | undefined {
    const op = this.head;
    if (op) this.remove(op);
    return op;
  }
}

/**
 * One daemon-side registration of an event name, shared by every listener and stream that
 * wants that name. Listeners are its sinks (they want every event of the name); a stream only
 * holds a reference, and gets events while its own command is in flight (see route()). A new
 * one is made when the count goes 0 → 1 after the previous was dropped, so register/unregister
 * pairs reach the daemon in order.
 */
class Registration {
  refs = 0;
  readonly sinks = new Set<EventSinkLike>();
  state: 'pending' | 'confirmed' | 'failed' = 'pending';
  error: Error | undefined;
  readonly confirmed: Promise<void>;
  private resolve!: () => void;
  private reject!: (e: Error) => void;

  constructor(readonly name: string) {
    this.confirmed = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.confirmed.catch(() => {});
  }

  confirm(): void {
    if (this.state !== 'pending') return;
    this.state = 'confirmed';
    this.resolve();
  }

  fail(err: Error): void {
    if (this.state !== 'pending') return;
    this.state = 'failed';
    this.error = err;
    this.reject(err);
  }
}

interface Hold extends Subscription {
  readonly registration: Registration;
}

/**
 * (Un)registrations do not take the session's call timeout. One that waits behind a slow
 * command is not failing, it goes out once the line is free; timing it out would leave a
 * listener silently deaf (or, for an unregistration, the daemon registered twice). While a
 * listener's registrations are outstanding it yields nothing, not even heartbeats; a
 * registration that fails rejects `ready` and ends the listener with the error.
 */
const NO_TIMEOUT: CallOptions = { timeoutMs: 0 };

const PACKET_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(PACKET).map(([k, v]) => [v, k]),
);

/**
 * Command and event names must be printable ASCII: charon drops a packet whose name holds a
 * control or non-ASCII byte without any answer ("invalid vici request message" in its log), so
 * sending one would hold the line for good.
 */
function checkName(kind: 'command' | 'event', name: string): void {
  if (typeof name !== 'string' || name === '') throw new EncodeError(`a ${kind} name is empty`);
  if (Buffer.byteLength(name, 'utf8') > 255) {
    throw new EncodeError(`${kind} name "${name.slice(0, 40)}..." is longer than 255 bytes`);
  }
  const bad = /[^\x20-\x7e]/.exec(name);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new EncodeError(
      `${kind} name ${JSON.stringify(name.slice(0, 40))} has U+${code} at ${bad.index}: names must be printable ASCII`,
    );
  }
}

/** Typed `on`/`once`/`off`/`emit`: an event name the session does not emit is a type error. */
export interface Session {
  on<E extends keyof SessionEvents>(event: E, listener: (...args: SessionEvents[E]) => void): this;
  once<E extends keyof SessionEvents>(
    event: E,
    listener: (...args: SessionEvents[E]) => void,
  ): this;
  off<E extends keyof SessionEvents>(event: E, listener: (...args: SessionEvents[E]) => void): this;
  addListener<E extends keyof SessionEvents>(
    event: E,
    listener: (...args: SessionEvents[E]) => void,
  ): this;
  removeListener<E extends keyof SessionEvents>(
    event: E,
    listener: (...args: SessionEvents[E]) => void,
  ): this;
  prependListener<E extends keyof SessionEvents>(
    event: E,
    listener: (...args: SessionEvents[E]) => void,
  ): this;
  prependOnceListener<E extends keyof SessionEvents>(
    event: E,
    listener: (...args: SessionEvents[E]) => void,
  ): this;
  emit<E extends keyof SessionEvents>(event: E, ...args: SessionEvents[E]): boolean;
}

/**
 * A body of its own: exactly its bytes in an ArrayBuffer of its own. The body is a view into
 * a socket chunk that holds other packets too, and Buffer.from would put a small copy in a
 * shared pool slab (8 KiB on Node 20, 64 KiB on Node 24): a caller that keeps some bodies of
 * each listing (a monitor keeps the unchanged rows' ones) would keep whole slabs alive.
 */
function ownCopy(body: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(body.length);
  body.copy(out);
  return out;
}

/**
 * A VICI connection. One command in flight at a time (VICI has no sequence numbers); a queue
 * serialises commands and (un)registrations; one reader routes every packet that arrives.
 * Emits 'close' (err?: Error) exactly once.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above only narrows methods EventEmitter implements
export class Session extends ViciCommands implements ListenerHost, StreamHost {
  readonly counters: SessionCounters = {
    undeliveredEvents: 0,
    droppedEvents: 0,
    protocolErrors: 0,
  };

  private readonly socket: Duplex;
  private readonly defaultTimeoutMs: number | undefined;
  private readonly closeOnTimeout: boolean;
  private readonly frames = new FrameReader();
  /** Bytes of the stream already framed, for error offsets. */
  private streamPos = 0;
  private readonly queue = new OpQueue();
  private inFlight: Op | undefined;
  private readonly registrations = new Map<string, Registration>();
  private readonly openListeners = new Set<Listener>();
  private isClosed = false;
  private closeError: Error | undefined;
  private readonly socketGone: Promise<void>;

  /** Connect to a daemon; fails with ConnectError and a message a user can act on. */
  static async connect(opts: ConnectOptions = {}): Promise<Session> {
    const uri = opts.uri ?? defaultUri();
    const target = parseUri(uri);
    const socket = await openSocket(target, opts.timeoutMs);
    return new Session(socket, { timeoutMs: opts.timeoutMs, closeOnTimeout: opts.closeOnTimeout });
  }

  constructor(socket: net.Socket | Duplex, opts: SessionOptions = {}) {
    super();
    this.socket = socket;
    const t = opts.timeoutMs;
    this.defaultTimeoutMs = t !== undefined && t > 0 && Number.isFinite(t) ? t : undefined;
    this.closeOnTimeout = opts.closeOnTimeout === true;
    this.socketGone = new Promise<void>((resolve) => {
      if (socket.destroyed) resolve();
      else socket.once('close', () => resolve());
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.die(new ConnectionClosedError('the daemon closed the connection')));
    socket.on('close', () =>
      this.die(new ConnectionClosedError('the connection to the daemon closed')),
    );
    socket.on('error', (err: Error) =>
      this.die(new ConnectionClosedError(`the connection to the daemon failed: ${err.message}`)),
    );
    if (socket.destroyed) this.die(new ConnectionClosedError('the socket was already closed'));
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Ends the connection; pending and queued calls reject ConnectionClosedError, listeners end. */
  close(): Promise<void> {
    this.die(undefined);
    return this.socketGone;
  }

  /** A raw command. Rejects CommandUnknownError on CMD_UNKNOWN; does not look at `success`. */
  async request(
    command: string,
    message?: EncodableSection,
    opts?: CallOptions,
  ): Promise<ViciSection> {
    checkName('command', command);
    const packet = encodePacket(PACKET.CMD_REQUEST, command, encodeMessage(message ?? {}));
    const reply = await this.exchange('command', command, packet, opts);
    return this.commandReply(command, reply);
  }

  /** A raw streamed command: events of `event` until the response. */
  streamedRequest(
    command: string,
    event: string,
    message?: EncodableSection,
    opts?: CallOptions,
  ): Stream<ViciSection, ViciSection> {
    return this.openStream(
      command,
      event,
      message,
      opts,
      (m) => [m],
      (r) => r,
    );
  }

  /**
   * Events of `types` (and a null heartbeat after `timeoutMs` without one). A name written as
   * a literal must be a known event (a typo does not compile); pass others typed `string`.
   */
  listen<const T extends readonly EventName[]>(
    types: CheckedEventNames<T>,
    opts: ListenOptions = {},
  ): Listener {
    for (const t of types) checkName('event', t);
    const listener = new Listener(types, this, opts);
    if (this.isClosed) {
      listener.sessionClosed(this.closeError);
      return listener;
    }
    this.openListeners.add(listener);
    return listener;
  }

  // --- ListenerHost / StreamHost -------------------------------------------------------------

  /** @internal a hold on the registration of `name`; with a sink, every event of it goes there. */
  subscribe(name: string, sink?: EventSinkLike): Hold {
    let reg = this.registrations.get(name);
    if (!reg) reg = this.register(name);
    const registration = reg;
    registration.refs++;
    if (sink) registration.sinks.add(sink);
    let released: Promise<void> | undefined;
    return {
      registration,
      confirmed: registration.confirmed,
      release: () => {
        released ??= this.unsubscribe(registration, sink);
        return released;
      },
    };
  }

  /** @internal */
  detach(listener: Listener): void {
    this.openListeners.delete(listener);
  }

  /** @internal */
  countProtocolError(): void {
    this.counters.protocolErrors++;
  }

  /** @internal */
  countDropped(): void {
    this.counters.droppedEvents++;
  }

  protected openStream<T, R>(
    command: string,
    event: string,
    message: EncodableSection | undefined,
    opts: CallOptions | undefined,
    items: (message: ViciSection) => T[],
    result: (response: ViciSection) => R,
  ): Stream<T, R> {
    return this.openEventStream(command, event, message, opts, (ev) => items(ev.message()), result);
  }

  protected openBodyStream<R>(
    command: string,
    event: string,
    message: EncodableSection | undefined,
    opts: CallOptions | undefined,
    result: (response: ViciSection) => R,
  ): Stream<Buffer, R> {
    return this.openEventStream(command, event, message, opts, (ev) => [ownCopy(ev.body)], result);
  }

  private openEventStream<T, R>(
    command: string,
    event: string,
    message: EncodableSection | undefined,
    opts: CallOptions | undefined,
    items: (event: EventItem) => T[],
    result: (response: ViciSection) => R,
  ): Stream<T, R> {
    const stream = new Stream<T, R>(command, event, this, items, opts?.signal);
    let packet: Buffer;
    try {
      checkName('command', command);
      checkName('event', event);
      packet = encodePacket(PACKET.CMD_REQUEST, command, encodeMessage(message ?? {}));
    } catch (err) {
      stream.fail(err as Error);
      return stream;
    }
    // The hold only keeps the registration up (its register packet goes out before this
    // command); the stream itself receives events only while its command is in flight.
    const hold = this.subscribe(event);
    const reg = hold.registration;
    this.exchange('command', command, packet, opts, {
      stream,
      beforeSend: () => (reg.state === 'failed' ? reg.error : undefined),
      gaveUp: (err) => stream.cancel(err),
      // Runs when the answer is really in (even after a timeout): from here on events of this
      // name are no longer the stream's, and the unregistration goes out next.
      settled: () => void hold.release(),
    }).then(
      (reply) => {
        try {
          const response = checkSuccess(command, this.commandReply(command, reply));
          stream.finish(result(response));
        } catch (err) {
          stream.fail(err as Error);
        }
      },
      (err: Error) => stream.fail(err),
    );
    return stream;
  }

  // --- the queue -----------------------------------------------------------------------------

  private exchange(
    kind: OpKind,
    name: string,
    packet: Buffer,
    call: CallOptions | undefined,
    hooks: {
      stream?: StreamSink;
      beforeSend?: () => Error | undefined;
      /** The caller gave up (timeout, abort) before the answer came; `settled` still follows. */
      gaveUp?: (err: Error) => void;
      settled?: (result: Reply | Error) => void;
      front?: boolean;
    } = {},
  ): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let gaveUp = false;
      const signal = call?.signal;
      const onAbort = () => giveUp(abortReason(signal), 'it was aborted');
      const op: Op = {
        kind,
        name,
        packet,
        state: 'queued',
        stream: hooks.stream,
        sentAt: 0,
        abandoned: undefined,
        prev: undefined,
        next: undefined,
        beforeSend: hooks.beforeSend,
        settle: (result) => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          hooks.settled?.(result);
          if (gaveUp) return;
          if (result instanceof Error) reject(result);
          else resolve(result);
        },
      };
      const giveUp = (err: Error, why: string) => {
        if (gaveUp || op.state === 'done') return;
        gaveUp = true;
        hooks.gaveUp?.(err);
        reject(err);
        // Not sent yet: it never will be. Sent: it stays in flight until its late answer
        // arrives and is dropped, so that answer cannot be taken for the next call's.
        if (op.state === 'queued') {
          this.queue.remove(op);
          op.state = 'done';
          op.settle(err);
        } else {
          op.abandoned = why;
        }
      };
      if (this.isClosed) {
        op.state = 'done';
        op.settle(this.closeError ?? new ConnectionClosedError());
        return;
      }
      if (signal?.aborted) {
        op.state = 'done';
        op.settle(abortReason(signal));
        return;
      }
      const ms = call?.timeoutMs ?? this.defaultTimeoutMs;
      if (ms !== undefined && ms > 0 && Number.isFinite(ms)) {
        const closing = call?.closeOnTimeout ?? this.closeOnTimeout;
        timer = setTimeout(() => {
          const sent = op.state === 'sent';
          const err = sent
            ? new TimeoutError(describeOp(op), ms)
            : new TimeoutError(describeOp(op), ms, false, this.holder());
          giveUp(err, `it timed out after ${ms} ms`);
          if (sent && closing) {
            this.die(
              new ConnectionClosedError(
                `closed the connection: ${describeOp(op)} got no answer within ${ms} ms`,
              ),
            );
          }
        }, ms);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      if (hooks.front) this.queue.pushFront(op);
      else this.queue.pushBack(op);
      this.pump();
    });
  }

  /** What holds the line, for the error of a call that timed out before it could be sent. */
  private holder(): string | undefined {
    const op = this.inFlight;
    if (!op) return undefined;
    const secs = ((performance.now() - op.sentAt) / 1000).toFixed(1);
    return `${describeOp(op)} (sent ${secs} s ago${op.abandoned ? `; ${op.abandoned}` : ''})`;
  }

  private pump(): void {
    while (this.inFlight === undefined && !this.isClosed) {
      const op = this.queue.shift();
      if (!op) return;
      const refusal = op.beforeSend?.();
      if (refusal) {
        op.state = 'done';
        op.settle(refusal);
        continue;
      }
      op.state = 'sent';
      op.sentAt = performance.now();
      this.inFlight = op;
      this.socket.write(op.packet);
    }
  }

  private commandReply(command: string, reply: Reply): ViciSection {
    if (reply.type === PACKET.CMD_UNKNOWN) throw new CommandUnknownError(command);
    try {
      return decodeMessage(reply.body, reply.offset);
    } catch (err) {
      this.counters.protocolErrors++;
      throw err;
    }
  }

  // --- registrations -------------------------------------------------------------------------

  private register(name: string): Registration {
    const reg = new Registration(name);
    if (this.isClosed) {
      reg.fail(this.closeError ?? new ConnectionClosedError());
      return reg;
    }
    this.registrations.set(name, reg);
    // Settled synchronously in the reader, before the next queued operation is looked at: a
    // streamed command waiting behind this registration must already see whether it failed.
    this.exchange('register', name, encodePacket(PACKET.EVENT_REGISTER, name), NO_TIMEOUT, {
      settled: (reply) => {
        if (reply instanceof Error) this.dropRegistration(reg, reply);
        else if (reply.type === PACKET.EVENT_UNKNOWN) {
          this.dropRegistration(reg, new EventUnknownError(name));
        } else reg.confirm();
      },
    }).catch(() => {});
    return reg;
  }

  private dropRegistration(reg: Registration, err: Error): void {
    if (this.registrations.get(reg.name) === reg) this.registrations.delete(reg.name);
    reg.fail(err);
  }

  private unsubscribe(reg: Registration, sink: EventSinkLike | undefined): Promise<void> {
    if (sink) reg.sinks.delete(sink);
    reg.refs--;
    if (reg.refs > 0) return Promise.resolve();
    if (this.registrations.get(reg.name) === reg) this.registrations.delete(reg.name);
    if (reg.state === 'failed' || this.isClosed) return Promise.resolve();
    // A confirmed registration can go first in line (fewer stray events); a pending one must
    // stay behind its own register packet.
    return this.exchange(
      'unregister',
      reg.name,
      encodePacket(PACKET.EVENT_UNREGISTER, reg.name),
      NO_TIMEOUT,
      { front: reg.state === 'confirmed' },
    ).then(
      () => {},
      () => {},
    );
  }

  // --- the reader ----------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.isClosed) return;
    let segments: Buffer[];
    try {
      segments = this.frames.push(chunk);
    } catch (err) {
      this.protocolFailure(err);
      return;
    }
    for (const segment of segments) {
      const offset = this.streamPos + 4;
      this.streamPos = offset + segment.length;
      let packet: Packet;
      try {
        packet = decodePacket(segment, offset);
      } catch (err) {
        this.protocolFailure(err);
        return;
      }
      this.route(packet, offset + segment.length - packet.body.length);
      if (this.isClosed) return;
    }
  }

  private route(packet: Packet, bodyOffset: number): void {
    const type = packet.type;
    if (type === PACKET.EVENT) {
      const name = packet.name!;
      const item = new EventItem(name, packet.body, bodyOffset);
      let delivered = false;
      const reg = this.registrations.get(name);
      if (reg) {
        for (const sink of reg.sinks) {
          sink.push(item);
          delivered = true;
        }
      }
      // One command in flight at a time, and the daemon sends a streamed command's events
      // before its answer: an event of the stream's name now belongs to that command alone.
      // A stream its caller left (break, abort, timeout) takes nothing: those drain to nobody.
      const stream = this.inFlight?.stream;
      if (stream && stream.event === name && stream.push(item)) delivered = true;
      if (!delivered) this.counters.undeliveredEvents++;
      return;
    }
    const op = this.inFlight;
    const answersCommand = type === PACKET.CMD_RESPONSE || type === PACKET.CMD_UNKNOWN;
    const answersRegistration = type === PACKET.EVENT_CONFIRM || type === PACKET.EVENT_UNKNOWN;
    if (!answersCommand && !answersRegistration) {
      this.protocolFailure(
        new ProtocolError(`the daemon sent a ${PACKET_NAMES[type]} packet`, bodyOffset - 1),
      );
      return;
    }
    if (!op || (op.kind === 'command') !== answersCommand) {
      const waiting = op
        ? `while waiting for the answer to ${op.kind} "${op.name}"`
        : 'with nothing asked';
      this.protocolFailure(
        new ProtocolError(`unexpected ${PACKET_NAMES[type]} ${waiting}`, bodyOffset - 1),
      );
      return;
    }
    this.inFlight = undefined;
    op.state = 'done';
    op.settle({ type, body: packet.body, offset: bodyOffset });
    this.pump();
  }

  private protocolFailure(err: unknown): void {
    this.counters.protocolErrors++;
    this.die(err instanceof Error ? err : new ProtocolError(String(err), this.streamPos));
  }

  /** The one way a session ends. `undefined` means the user closed it. */
  private die(err: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const failure = err ?? new ConnectionClosedError('the session was closed');
    this.closeError = failure;
    const failed: Op[] = [];
    if (this.inFlight) failed.push(this.inFlight);
    this.inFlight = undefined;
    for (let op = this.queue.shift(); op; op = this.queue.shift()) failed.push(op);
    for (const op of failed) {
      op.state = 'done';
      op.settle(failure);
    }
    for (const reg of this.registrations.values()) reg.fail(failure);
    this.registrations.clear();
    const listeners = [...this.openListeners];
    this.openListeners.clear();
    for (const l of listeners) l.sessionClosed(err);
    this.socket.destroy();
    this.emit('close', err);
  }
}

/** `command "initiate"`, `register of event "log"`: how errors name an operation. */
function describeOp(op: Op): string {
  return op.kind === 'command' ? `command "${op.name}"` : `${op.kind} of event "${op.name}"`;
}

/**
 * Linux answers a connect to a regular file or a directory with ECONNREFUSED, the same as a
 * socket nobody listens on; look first, so each case gets its own reason.
 */
async function checkSocketPath(target: ViciTarget & { kind: 'unix' }, uri: string): Promise<void> {
  if (process.platform === 'win32') return; // named pipes are not files to stat
  let kind: string;
  try {
    const st = await stat(target.path);
    if (st.isSocket()) return;
    kind = st.isDirectory()
      ? 'a directory'
      : st.isFile()
        ? 'a regular file'
        : st.isFIFO()
          ? 'a named pipe (FIFO)'
          : st.isCharacterDevice() || st.isBlockDevice()
            ? 'a device'
            : 'something else';
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOTDIR') {
      throw new ConnectError(
        uri,
        'ENOTDIR',
        `no vici socket at ${target.path}: part of that path is a file, not a directory`,
      );
    }
    throw connectError(target, uri, err);
  }
  throw new NotASocketError(uri, target.path, kind);
}

/** Open the socket, turning system errors into one actionable line. */
async function openSocket(target: ViciTarget, timeoutMs: number | undefined): Promise<net.Socket> {
  const uri = formatTarget(target);
  if (target.kind === 'unix') await checkSocketPath(target, uri);
  return new Promise<net.Socket>((resolve, reject) => {
    const socket =
      target.kind === 'unix'
        ? net.createConnection({ path: target.path })
        : net.createConnection({ host: target.host, port: target.port });
    let timer: NodeJS.Timeout | undefined;
    const fail = (err: ConnectError) => {
      if (timer) clearTimeout(timer);
      socket.removeAllListeners('connect');
      socket.destroy();
      reject(err);
    };
    socket.once('error', (e: NodeJS.ErrnoException) => fail(connectError(target, uri, e)));
    socket.once('connect', () => {
      if (timer) clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    if (timeoutMs !== undefined && timeoutMs > 0 && Number.isFinite(timeoutMs)) {
      timer = setTimeout(
        () =>
          fail(new ConnectError(uri, 'ETIMEDOUT', `no answer from ${uri} within ${timeoutMs} ms`)),
        timeoutMs,
      );
    }
  });
}

function connectError(target: ViciTarget, uri: string, e: NodeJS.ErrnoException): ConnectError {
  const where = target.kind === 'unix' ? target.path : uri;
  switch (e.code) {
    case 'ENOENT':
      return new ConnectError(
        uri,
        e.code,
        `no vici socket at ${where}: is charon running with the vici plugin?`,
      );
    case 'EACCES':
    case 'EPERM':
      return new ConnectError(
        uri,
        e.code,
        `permission denied on ${where}: the vici socket is root-only; run as root`,
      );
    case 'ECONNREFUSED':
      return new ConnectError(
        uri,
        e.code,
        `connection refused at ${uri}: nothing listens there; is charon running with the vici plugin?`,
      );
    case 'ENOTSOCK':
      return new ConnectError(uri, e.code, `${where} is not a socket: check the vici uri`);
    default:
      return new ConnectError(uri, e.code, `cannot connect to ${uri}: ${e.message}`);
  }
}
