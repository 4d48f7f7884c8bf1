// The public surface of `swantop/vici`.
export {
  type CallOptions,
  type CheckedEventNames,
  COMMANDS,
  type CountersArgs,
  type CounterTable,
  checkSuccess,
  type EncodableShape,
  EVENTS,
  type EventName,
  type FlushCertsArgs,
  type GetPoolsArgs,
  type IdArgs,
  type InitiateArgs,
  type InstallArgs,
  type KeyIdResult,
  type KnownEvent,
  type ListAuthoritiesArgs,
  type ListCertsArgs,
  type ListConnsArgs,
  type ListPoliciesArgs,
  type ListSasArgs,
  type LoadCertArgs,
  type LoadKeyArgs,
  type LoadSharedArgs,
  type LoadTokenArgs,
  type MatchesResult,
  type NameArgs,
  type RedirectArgs,
  type RekeyArgs,
  type TerminateArgs,
  type TerminateResult,
  type VersionInfo,
} from './commands.js';
export * from './errors.js';
export {
  DEFAULT_HIGH_WATER_MARK,
  type ListenEvent,
  Listener,
  type ListenOptions,
} from './listener.js';
export * from './message.js';
export {
  decodePacket,
  encodePacket,
  FrameReader,
  MAX_SEGMENT_BYTES,
  PACKET,
  type Packet,
  type PacketType,
} from './packet.js';
export {
  type ConnectOptions,
  Session,
  type SessionCounters,
  type SessionEvents,
  type SessionOptions,
} from './session.js';
export { Stream } from './stream.js';
export { defaultUri, formatTarget, parseUri, UriError, type ViciTarget } from './uri.js';
export * from './views.js';
