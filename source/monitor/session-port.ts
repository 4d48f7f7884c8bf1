import type { ViciSection } from '../vici/message.js';
import type { Connection, LogEvent, Stats } from '../vici/views.js';

/*
 * The part of vici's Session the store uses, as a structural type: the store depends on these
 * few methods only, and tests can put a recording stand-in at exactly this boundary.
 */

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface StreamPort<T> extends AsyncIterable<T> {
  /** The final response; rejects with CommandError on `success = no`. */
  readonly result: Promise<unknown>;
}

export interface ListenerPort extends AsyncIterable<{ type: string; message: ViciSection } | null> {
  /** Events lost to a full buffer. */
  readonly dropped: number;
  /** Settles once the daemon answered every registration. */
  readonly ready?: Promise<void>;
  close(): Promise<void>;
}

export interface VersionInfo {
  daemon?: string;
  version?: string;
  sysname?: string;
  release?: string;
  machine?: string;
}

export interface SessionPort {
  readonly closed: boolean;
  readonly counters: { readonly undeliveredEvents: number; readonly droppedEvents: number };
  on(event: 'close', listener: (err?: Error) => void): unknown;
  close(): Promise<void>;
  version(opts?: CallOptions): Promise<VersionInfo>;
  stats(opts?: CallOptions): Promise<Stats>;
  /** The listing's list-sa bodies, undecoded (each its own copy): sa-decoder.ts reads them. */
  listSasBodies(
    args?: { noblock?: boolean; ike?: string; 'ike-id'?: string | number },
    opts?: CallOptions,
  ): StreamPort<Buffer>;
  listConns(args?: { ike?: string }, opts?: CallOptions): StreamPort<Connection>;
  listen(
    types: readonly string[],
    opts?: { timeoutMs?: number; highWaterMark?: number; signal?: AbortSignal },
  ): ListenerPort;
  rekey(
    args: { 'ike-id'?: string | number; 'child-id'?: string | number },
    opts?: CallOptions,
  ): Promise<{ matches?: number }>;
  terminate(
    args: {
      'ike-id'?: string | number;
      'child-id'?: string | number;
      timeout?: number;
      force?: boolean;
    },
    opts?: CallOptions,
  ): StreamPort<LogEvent>;
  redirect(
    args: { 'ike-id'?: string | number; gateway: string },
    opts?: CallOptions,
  ): Promise<{ matches?: number }>;
  initiate(
    args: { child?: string; ike?: string; timeout?: number; loglevel?: number },
    opts?: CallOptions,
  ): StreamPort<LogEvent>;
}

/** How long a closing connection may wait for what is still in flight (see closeQuietly). */
export const QUIET_CLOSE_MS = 500;

/**
 * Close a connection without leaving an answer unread. charon logs "vici header read error:
 * Connection reset by peer" for every connection closed with bytes still unread on our side,
 * as when a streamed command's unregistration is answered after its result (every --once and
 * every quit did this). One last cheap command queues behind whatever is in flight; once it
 * is answered nothing is left unread, and the close is as quiet as swanctl's. Bounded, so a
 * daemon that does not answer never holds up a quit.
 */
export async function closeQuietly(s: SessionPort, waitMs = QUIET_CLOSE_MS): Promise<void> {
  if (!s.closed) await s.version({ timeoutMs: waitMs }).catch(() => {});
  await s.close().catch(() => {});
}
