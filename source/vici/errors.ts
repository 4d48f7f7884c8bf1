import type { ViciSection } from './message.js';

/** The root of every error this library raises, so callers can catch VICI trouble by type. */
export class ViciError extends Error {
  override name = 'ViciError';
}

/** The daemon answered `success = no`. */
export class CommandError extends ViciError {
  override name = 'CommandError';
  constructor(
    readonly command: string,
    readonly errmsg: string | undefined,
    readonly response: ViciSection,
  ) {
    super(`${command} failed: ${errmsg ?? 'the daemon gave no reason'}`);
  }
}

/** The daemon does not know this command (an older strongSwan, or a typo in request()). */
export class CommandUnknownError extends ViciError {
  override name = 'CommandUnknownError';
  constructor(readonly command: string) {
    super(`the daemon does not know the command "${command}"`);
  }
}

/** The daemon does not know this event type (e.g. `alert` before strongSwan 6.0). */
export class EventUnknownError extends ViciError {
  override name = 'EventUnknownError';
  constructor(readonly event: string) {
    super(`the daemon does not know the event "${event}"`);
  }
}

/** Bytes that do not follow the protocol; `offset` is where in the message or stream it went wrong. */
export class ProtocolError extends ViciError {
  override name = 'ProtocolError';
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`protocol error at byte ${offset}: ${reason}`);
  }
}

/** A message we refuse to send because the daemon would refuse it (name, value or segment too long). */
export class EncodeError extends ViciError {
  override name = 'EncodeError';
}

/**
 * A call gave up after `timeoutMs`. `sent` says whether it ever reached the daemon; when it did
 * not, `waitingFor` names the operation that still holds the line (VICI allows one command in
 * flight, and a sent command that timed out keeps it until its late answer arrives).
 */
export class TimeoutError extends ViciError {
  override name = 'TimeoutError';
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
    readonly sent = true,
    readonly waitingFor?: string,
  ) {
    super(
      sent
        ? `${operation} got no answer within ${timeoutMs} ms`
        : `${operation} not sent within ${timeoutMs} ms: ${
            waitingFor ? `still waiting for the answer to ${waitingFor}` : 'the line was busy'
          }`,
    );
  }
}

export class ConnectionClosedError extends ViciError {
  override name = 'ConnectionClosedError';
  constructor(readonly reason = 'the connection to the daemon closed') {
    super(reason);
  }
}

/** Could not reach the socket at all; `code` is the system error (ENOENT, EACCES, ECONNREFUSED...). */
export class ConnectError extends ViciError {
  override name = 'ConnectError';
  constructor(
    readonly uri: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** The socket path exists but is a file, a directory or something else that is not a socket. */
export class NotASocketError extends ConnectError {
  override name = 'NotASocketError';
  constructor(
    uri: string,
    readonly path: string,
    readonly kind: string,
  ) {
    super(uri, 'ENOTSOCK', `${path} is ${kind}, not a socket: check the vici uri`);
  }
}
