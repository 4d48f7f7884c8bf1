import { EventEmitter } from 'node:events';
import { CommandError } from './errors.js';
import type { Encodable, EncodableSection, ViciSection } from './message.js';
import { num, text, texts } from './message.js';
import type { Stream } from './stream.js';
import {
  type Algorithms,
  type Authority,
  type Certificate,
  type Connection,
  type IkeSa,
  type LogEvent,
  type Policy,
  type Pool,
  parseAlgorithms,
  parseCertificate,
  parseCounters,
  parseListAuthorityEvent,
  parseListConnEvent,
  parseListPolicyEvent,
  parseListSaEvent,
  parseLogEvent,
  parsePools,
  parseStats,
  type Stats,
} from './views.js';

export interface CallOptions {
  /** Give up after this long (TimeoutError). Defaults to the session's; 0 or Infinity waits forever. */
  timeoutMs?: number;
  /**
   * Give up when aborted (rejects with the signal's reason). A stream stops at once: nothing
   * buffered is yielded after the abort.
   */
  signal?: AbortSignal;
  /**
   * When this call times out after it was sent, close the session rather than hold the line
   * until the late answer (which is what happens by default). Defaults to the session's.
   */
  closeOnTimeout?: boolean;
}

type Id = string | number;
type Bytes = string | Uint8Array;

// Argument shapes are type aliases, not interfaces: only aliases are assignable to the
// index-signature type the encoder takes.
export type InitiateArgs = {
  child?: string;
  ike?: string;
  /** Milliseconds the daemon waits before answering: 0 (default) until done, -1 at once. */
  timeout?: number;
  'init-limits'?: boolean;
  loglevel?: number;
};
export type TerminateArgs = {
  child?: string;
  ike?: string;
  'child-id'?: Id;
  'ike-id'?: Id;
  force?: boolean;
  timeout?: number;
  loglevel?: number;
};
export type RekeyArgs = {
  child?: string;
  ike?: string;
  'child-id'?: Id;
  'ike-id'?: Id;
  reauth?: boolean;
};
export type RedirectArgs = {
  ike?: string;
  'ike-id'?: Id;
  'peer-ip'?: string;
  'peer-id'?: string;
  gateway: string;
};
export type InstallArgs = { child: string; ike?: string };
export type ListSasArgs = {
  noblock?: boolean;
  ike?: string;
  'ike-id'?: Id;
  child?: string;
  'child-id'?: Id;
};
export type ListPoliciesArgs = {
  drop?: boolean;
  pass?: boolean;
  trap?: boolean;
  child?: string;
  ike?: string;
};
export type ListConnsArgs = { ike?: string };
export type ListCertsArgs = { type?: string; flag?: string; subject?: string };
export type ListAuthoritiesArgs = { name?: string };
export type NameArgs = { name: string };
export type LoadCertArgs = { type: string; flag?: string; data: Bytes };
export type LoadKeyArgs = { type: string; data: Bytes };
export type IdArgs = { id: string };
export type LoadTokenArgs = { handle: string; slot?: number; module?: string; pin?: string };
export type LoadSharedArgs = {
  id?: string;
  type: string;
  data: Bytes;
  owners: readonly string[];
};
export type FlushCertsArgs = { type?: string };
export type GetPoolsArgs = { leases?: boolean; name?: string };
export type CountersArgs = { all?: boolean; name?: string };

export interface VersionInfo {
  daemon: string;
  version: string;
  sysname: string;
  release: string;
  machine: string;
}
export interface MatchesResult {
  matches: number;
}
export interface TerminateResult {
  matches: number;
  terminated: number;
}
export interface KeyIdResult {
  id: string;
}
export type CounterTable = Record<string, Record<string, number>>;

/** Python's vici module treats any `success` other than `yes` as failure; so do we. */
export function checkSuccess(command: string, response: ViciSection): ViciSection {
  const success = response.get('success');
  if (success !== undefined && text(success) !== 'yes') {
    throw new CommandError(command, text(response.get('errmsg')), response);
  }
  return response;
}

const one =
  <T>(parse: (m: ViciSection) => T) =>
  (m: ViciSection): T[] => [parse(m)];
const raw = (m: ViciSection): ViciSection => m;

/**
 * One typed method per VICI command, on top of the two primitives a session provides.
 * Session (session.ts) extends this; the split keeps the transport apart from the catalogue.
 */
export abstract class ViciCommands extends EventEmitter {
  abstract request(
    command: string,
    message?: EncodableSection,
    opts?: CallOptions,
  ): Promise<ViciSection>;

  protected abstract openStream<T, R>(
    command: string,
    event: string,
    message: EncodableSection | undefined,
    opts: CallOptions | undefined,
    items: (message: ViciSection) => T[],
    result: (response: ViciSection) => R,
  ): Stream<T, R>;

  /** A streamed command whose items are its events' bodies, undecoded (each an owned copy). */
  protected abstract openBodyStream<R>(
    command: string,
    event: string,
    message: EncodableSection | undefined,
    opts: CallOptions | undefined,
    result: (response: ViciSection) => R,
  ): Stream<Buffer, R>;

  /** request() plus the `success` check every typed command makes. */
  protected async call(
    command: string,
    message?: EncodableSection,
    opts?: CallOptions,
  ): Promise<ViciSection> {
    return checkSuccess(command, await this.request(command, message, opts));
  }

  protected async callVoid(
    command: string,
    message?: EncodableSection,
    opts?: CallOptions,
  ): Promise<void> {
    await this.call(command, message, opts);
  }

  // --- daemon --------------------------------------------------------------------------------

  async version(opts?: CallOptions): Promise<VersionInfo> {
    const r = await this.call('version', undefined, opts);
    return {
      daemon: text(r.get('daemon')) ?? '',
      version: text(r.get('version')) ?? '',
      sysname: text(r.get('sysname')) ?? '',
      release: text(r.get('release')) ?? '',
      machine: text(r.get('machine')) ?? '',
    };
  }

  async stats(opts?: CallOptions): Promise<Stats> {
    return parseStats(await this.call('stats', undefined, opts));
  }

  reloadSettings(opts?: CallOptions): Promise<void> {
    return this.callVoid('reload-settings', undefined, opts);
  }

  /** The algorithms the loaded plugins provide, and which plugin provides each. */
  async getAlgorithms(opts?: CallOptions): Promise<Algorithms> {
    return parseAlgorithms(await this.call('get-algorithms', undefined, opts));
  }

  async getCounters(args: CountersArgs = {}, opts?: CallOptions): Promise<CounterTable> {
    return parseCounters(await this.call('get-counters', args, opts));
  }

  resetCounters(args: CountersArgs = {}, opts?: CallOptions): Promise<void> {
    return this.callVoid('reset-counters', args, opts);
  }

  // --- SAs -----------------------------------------------------------------------------------

  /** Streams `control-log` lines until the daemon answers (see `timeout`). */
  initiate(args: InitiateArgs, opts?: CallOptions): Stream<LogEvent, ViciSection> {
    return this.openStream('initiate', 'control-log', args, opts, one(parseLogEvent), raw);
  }

  terminate(args: TerminateArgs, opts?: CallOptions): Stream<LogEvent, TerminateResult> {
    return this.openStream('terminate', 'control-log', args, opts, one(parseLogEvent), (r) => ({
      matches: num(r.get('matches')) ?? 0,
      terminated: num(r.get('terminated')) ?? 0,
    }));
  }

  async rekey(args: RekeyArgs, opts?: CallOptions): Promise<MatchesResult> {
    const r = await this.call('rekey', args, opts);
    return { matches: num(r.get('matches')) ?? 0 };
  }

  async redirect(args: RedirectArgs, opts?: CallOptions): Promise<MatchesResult> {
    const r = await this.call('redirect', args, opts);
    return { matches: num(r.get('matches')) ?? 0 };
  }

  install(args: InstallArgs, opts?: CallOptions): Promise<void> {
    return this.callVoid('install', args, opts);
  }

  uninstall(args: InstallArgs, opts?: CallOptions): Promise<void> {
    return this.callVoid('uninstall', args, opts);
  }

  listSas(args: ListSasArgs = {}, opts?: CallOptions): Stream<IkeSa, ViciSection> {
    return this.openStream('list-sas', 'list-sa', args, opts, parseListSaEvent, raw);
  }

  /**
   * `list-sas` with each `list-sa` event's message body as bytes (one Buffer per event, a copy
   * of its own), for callers with a decoder of their own; `decodeMessage(body)` and
   * `parseListSaEvent` give what `listSas` yields. Everything else behaves as in `listSas`.
   */
  listSasBodies(args: ListSasArgs = {}, opts?: CallOptions): Stream<Buffer, ViciSection> {
    return this.openBodyStream('list-sas', 'list-sa', args, opts, raw);
  }

  listPolicies(args: ListPoliciesArgs = {}, opts?: CallOptions): Stream<Policy, ViciSection> {
    return this.openStream('list-policies', 'list-policy', args, opts, parseListPolicyEvent, raw);
  }

  // --- connections ---------------------------------------------------------------------------

  listConns(args: ListConnsArgs = {}, opts?: CallOptions): Stream<Connection, ViciSection> {
    return this.openStream('list-conns', 'list-conn', args, opts, parseListConnEvent, raw);
  }

  /** Names of the connections loaded over vici. */
  async getConns(opts?: CallOptions): Promise<string[]> {
    return texts((await this.call('get-conns', undefined, opts)).get('conns'));
  }

  /** `{ <name>: { ...swanctl.conf connection... } }` */
  loadConn<T extends object>(conns: EncodableShape<T>, opts?: CallOptions): Promise<void> {
    return this.callVoid('load-conn', conns as EncodableSection, opts);
  }

  unloadConn(args: NameArgs, opts?: CallOptions): Promise<void> {
    return this.callVoid('unload-conn', args, opts);
  }

  // --- credentials ---------------------------------------------------------------------------

  listCerts(args: ListCertsArgs = {}, opts?: CallOptions): Stream<Certificate, ViciSection> {
    return this.openStream('list-certs', 'list-cert', args, opts, one(parseCertificate), raw);
  }

  loadCert(args: LoadCertArgs, opts?: CallOptions): Promise<void> {
    return this.callVoid('load-cert', args, opts);
  }

  flushCerts(args: FlushCertsArgs = {}, opts?: CallOptions): Promise<void> {
    return this.callVoid('flush-certs', args, opts);
  }

  async loadKey(args: LoadKeyArgs, opts?: CallOptions): Promise<KeyIdResult> {
    return { id: text((await this.call('load-key', args, opts)).get('id')) ?? '' };
  }

  unloadKey(args: IdArgs, opts?: CallOptions): Promise<void> {
    return this.callVoid('unload-key', args, opts);
  }

  /** Key identifiers of the private keys loaded over vici. */
  async getKeys(opts?: CallOptions): Promise<string[]> {
    return texts((await this.call('get-keys', undefined, opts)).get('keys'));
  }

  async loadToken(args: LoadTokenArgs, opts?: CallOptions): Promise<KeyIdResult> {
    return { id: text((await this.call('load-token', args, opts)).get('id')) ?? '' };
  }

  loadShared(args: LoadSharedArgs, opts?: CallOptions): Promise<void> {
    return this.callVoid('load-shared', args, opts);
  }

  unloadShared(args: IdArgs, opts?: CallOptions): Promise<void> {
    return this.callVoid('unload-shared', args, opts);
  }

  /** Unique identifiers of the shared secrets loaded over vici. */
  async getShared(opts?: CallOptions): Promise<string[]> {
    return texts((await this.call('get-shared', undefined, opts)).get('keys'));
  }

  clearCreds(opts?: CallOptions): Promise<void> {
    return this.callVoid('clear-creds', undefined, opts);
  }

  // --- authorities ---------------------------------------------------------------------------

  listAuthorities(
    args: ListAuthoritiesArgs = {},
    opts?: CallOptions,
  ): Stream<Authority, ViciSection> {
    return this.openStream(
      'list-authorities',
      'list-authority',
      args,
      opts,
      parseListAuthorityEvent,
      raw,
    );
  }

  async getAuthorities(opts?: CallOptions): Promise<string[]> {
    return texts((await this.call('get-authorities', undefined, opts)).get('authorities'));
  }

  /** `{ <name>: { cacert, crl_uris, ... } }` */
  loadAuthority<T extends object>(authority: EncodableShape<T>, opts?: CallOptions): Promise<void> {
    return this.callVoid('load-authority', authority as EncodableSection, opts);
  }

  unloadAuthority(args: NameArgs, opts?: CallOptions): Promise<void> {
    return this.callVoid('unload-authority', args, opts);
  }

  // --- pools ---------------------------------------------------------------------------------

  /** `{ <name>: { addrs, dns: [...], ... } }` */
  loadPool<T extends object>(pool: EncodableShape<T>, opts?: CallOptions): Promise<void> {
    return this.callVoid('load-pool', pool as EncodableSection, opts);
  }

  unloadPool(args: NameArgs, opts?: CallOptions): Promise<void> {
    return this.callVoid('unload-pool', args, opts);
  }

  async getPools(args: GetPoolsArgs = {}, opts?: CallOptions): Promise<Pool[]> {
    return parsePools(await this.call('get-pools', args, opts));
  }
}

/** Every event type strongSwan's vici plugin raises (`alert` from 6.0 on). */
export const EVENTS = [
  'log',
  'control-log',
  'ike-updown',
  'ike-rekey',
  'ike-update',
  'child-updown',
  'child-rekey',
  'alert',
  'list-sa',
  'list-policy',
  'list-conn',
  'list-cert',
  'list-authority',
] as const;

export type KnownEvent = (typeof EVENTS)[number];

/** A known event name, or any other string (a newer daemon's event) given as a `string`. */
export type EventName = KnownEvent | (string & {});

/**
 * listen()'s check of its names: a string literal must be a known event (so 'ike-updwon' is
 * a compile error, with a "did you mean"), while a value typed `string` passes as it is.
 */
export type CheckedEventNames<T extends readonly string[]> = {
  readonly [I in keyof T]: string extends T[I] ? T[I] : T[I] extends KnownEvent ? T[I] : KnownEvent;
};

type ShapeMember<V> = V extends Encodable | undefined
  ? V
  : V extends (...args: never[]) => unknown
    ? never
    : V extends object
      ? EncodableShape<V>
      : never;

/**
 * What load-conn, load-pool and load-authority take: an EncodableSection, or any object whose
 * members are encodable, including a configuration declared as an `interface` (which has no
 * index signature, so is not assignable to EncodableSection itself). Undefined members are
 * left out.
 */
export type EncodableShape<T> =
  T extends ReadonlyMap<string, Encodable> ? T : { readonly [K in keyof T]: ShapeMember<T[K]> };

/** Every command this library has a method for, with the event it streams (if any). */
export const COMMANDS: Readonly<Record<string, string | undefined>> = {
  version: undefined,
  stats: undefined,
  'reload-settings': undefined,
  initiate: 'control-log',
  terminate: 'control-log',
  rekey: undefined,
  redirect: undefined,
  install: undefined,
  uninstall: undefined,
  'list-sas': 'list-sa',
  'list-policies': 'list-policy',
  'list-conns': 'list-conn',
  'get-conns': undefined,
  'list-certs': 'list-cert',
  'list-authorities': 'list-authority',
  'get-authorities': undefined,
  'load-conn': undefined,
  'unload-conn': undefined,
  'load-cert': undefined,
  'load-key': undefined,
  'unload-key': undefined,
  'get-keys': undefined,
  'load-token': undefined,
  'load-shared': undefined,
  'unload-shared': undefined,
  'get-shared': undefined,
  'flush-certs': undefined,
  'clear-creds': undefined,
  'load-authority': undefined,
  'unload-authority': undefined,
  'load-pool': undefined,
  'unload-pool': undefined,
  'get-pools': undefined,
  'get-algorithms': undefined,
  'get-counters': undefined,
  'reset-counters': undefined,
};
