import {
  bool,
  isSectionElement,
  num,
  section,
  text,
  texts,
  type ViciElement,
  type ViciSection,
} from './message.js';

/*
 * Typed readings of the daemon's trees. Every view keeps `raw`, the section it was read from,
 * so fields this version of the library does not know are never lost.
 */

const str = (s: ViciSection, k: string) => text(s.get(k));
const int = (s: ViciSection, k: string) => num(s.get(k));
const flag = (s: ViciSection, k: string) => bool(s.get(k));
const list = (s: ViciSection, k: string) => texts(s.get(k));

/** The algorithms an IKE_SA or CHILD_SA negotiated (both list them under the same keys). */
export interface SaProposal {
  encrAlg?: string;
  encrKeysize?: number;
  integAlg?: string;
  integKeysize?: number;
  prfAlg?: string;
  /** The key exchange method (6.x calls it that; 5.9 a DH group), e.g. CURVE_25519. */
  dhGroup?: string;
  /** Additional key exchanges (RFC 9370, strongSwan 6.x), e.g. ML_KEM_768; absent when none. */
  ake1?: string;
  ake2?: string;
  ake3?: string;
  ake4?: string;
  ake5?: string;
  ake6?: string;
  ake7?: string;
}

export interface ChildSa extends SaProposal {
  /** The key under `child-sas`: unique within the IKE_SA (name plus unique id). */
  key: string;
  name: string;
  uniqueid: string;
  reqid?: number;
  state: string;
  mode?: string;
  protocol?: string;
  encap?: boolean;
  spiIn?: string;
  spiOut?: string;
  cpiIn?: string;
  cpiOut?: string;
  markIn?: string;
  markOut?: string;
  ifIdIn?: string;
  ifIdOut?: string;
  /** `yes` when per-CPU SAs are enabled for this CHILD_SA (strongSwan 6.0.2 and later). */
  perCpuSas?: boolean;
  /** The CPU a per-CPU SA is bound to (6.0.2 and later). */
  cpu?: number;
  /** Hex-encoded security label, if the CHILD_SA has one. */
  label?: string;
  markMaskIn?: string;
  markMaskOut?: string;
  esn?: boolean;
  bytesIn?: number;
  packetsIn?: number;
  /** Seconds since the last inbound packet, as of the listing. */
  useIn?: number;
  bytesOut?: number;
  packetsOut?: number;
  useOut?: number;
  /** Seconds from the listing until the rekey, and until expiry. */
  rekeyTime?: number;
  lifeTime?: number;
  /** Seconds since installation, as of the listing. */
  installTime?: number;
  localTs: string[];
  remoteTs: string[];
  raw: ViciSection;
}

export interface IkeSa extends SaProposal {
  /** The connection name (the section's name in list-sa and the updown events). */
  name: string;
  uniqueid: string;
  version?: number;
  state: string;
  localHost?: string;
  localPort?: number;
  localId?: string;
  remoteHost?: string;
  remotePort?: number;
  remoteId?: string;
  remoteEapId?: string;
  remoteXauthId?: string;
  initiator?: boolean;
  initiatorSpi?: string;
  responderSpi?: string;
  natLocal?: boolean;
  natRemote?: boolean;
  natFake?: boolean;
  natAny?: boolean;
  ifIdIn?: string;
  ifIdOut?: string;
  ppk?: boolean;
  /** Seconds since establishment, as of the listing. */
  established?: number;
  rekeyTime?: number;
  reauthTime?: number;
  localVips: string[];
  remoteVips: string[];
  tasksQueued: string[];
  tasksActive: string[];
  tasksPassive: string[];
  /** In wire order. Empty in ike-updown/ike-rekey events, which carry no children. */
  children: ChildSa[];
  raw: ViciSection;
}

/**
 * The negotiated algorithms, read the same way for IKE_SAs and CHILD_SAs. `ake1`...`ake7` are
 * set only where the daemon sent them, so an SA without them has no such keys.
 */
function proposal(s: ViciSection): SaProposal {
  const out: SaProposal = {
    encrAlg: str(s, 'encr-alg'),
    encrKeysize: int(s, 'encr-keysize'),
    integAlg: str(s, 'integ-alg'),
    integKeysize: int(s, 'integ-keysize'),
    prfAlg: str(s, 'prf-alg'),
    dhGroup: str(s, 'dh-group'),
  };
  const akes = out as Record<string, unknown>;
  for (let i = 1; i <= 7; i++) {
    const v = str(s, `ake${i}`);
    if (v !== undefined) akes[`ake${i}`] = v;
  }
  return out;
}

export function parseChildSa(key: string, s: ViciSection): ChildSa {
  return {
    key,
    name: str(s, 'name') ?? key,
    uniqueid: str(s, 'uniqueid') ?? '',
    reqid: int(s, 'reqid'),
    state: str(s, 'state') ?? 'UNKNOWN',
    mode: str(s, 'mode'),
    protocol: str(s, 'protocol'),
    encap: flag(s, 'encap'),
    spiIn: str(s, 'spi-in'),
    spiOut: str(s, 'spi-out'),
    cpiIn: str(s, 'cpi-in'),
    cpiOut: str(s, 'cpi-out'),
    markIn: str(s, 'mark-in'),
    markOut: str(s, 'mark-out'),
    ifIdIn: str(s, 'if-id-in'),
    ifIdOut: str(s, 'if-id-out'),
    ...proposal(s),
    perCpuSas: flag(s, 'per-cpu-sas'),
    cpu: int(s, 'cpu'),
    label: str(s, 'label'),
    markMaskIn: str(s, 'mark-mask-in'),
    markMaskOut: str(s, 'mark-mask-out'),
    esn: flag(s, 'esn'),
    bytesIn: int(s, 'bytes-in'),
    packetsIn: int(s, 'packets-in'),
    useIn: int(s, 'use-in'),
    bytesOut: int(s, 'bytes-out'),
    packetsOut: int(s, 'packets-out'),
    useOut: int(s, 'use-out'),
    rekeyTime: int(s, 'rekey-time'),
    lifeTime: int(s, 'life-time'),
    installTime: int(s, 'install-time'),
    localTs: list(s, 'local-ts'),
    remoteTs: list(s, 'remote-ts'),
    raw: s,
  };
}

/** One IKE_SA from the section named after its connection. */
export function parseIkeSa(name: string, s: ViciSection): IkeSa {
  const children: ChildSa[] = [];
  const childSas = section(s.get('child-sas'));
  if (childSas) {
    for (const [key, c] of childSas) if (isSectionElement(c)) children.push(parseChildSa(key, c));
  }
  return {
    name,
    uniqueid: str(s, 'uniqueid') ?? '',
    version: int(s, 'version'),
    state: str(s, 'state') ?? 'UNKNOWN',
    localHost: str(s, 'local-host'),
    localPort: int(s, 'local-port'),
    localId: str(s, 'local-id'),
    remoteHost: str(s, 'remote-host'),
    remotePort: int(s, 'remote-port'),
    remoteId: str(s, 'remote-id'),
    remoteEapId: str(s, 'remote-eap-id'),
    remoteXauthId: str(s, 'remote-xauth-id'),
    initiator: flag(s, 'initiator'),
    initiatorSpi: str(s, 'initiator-spi'),
    responderSpi: str(s, 'responder-spi'),
    natLocal: flag(s, 'nat-local'),
    natRemote: flag(s, 'nat-remote'),
    natFake: flag(s, 'nat-fake'),
    natAny: flag(s, 'nat-any'),
    ifIdIn: str(s, 'if-id-in'),
    ifIdOut: str(s, 'if-id-out'),
    ...proposal(s),
    ppk: flag(s, 'ppk'),
    established: int(s, 'established'),
    rekeyTime: int(s, 'rekey-time'),
    reauthTime: int(s, 'reauth-time'),
    localVips: list(s, 'local-vips'),
    remoteVips: list(s, 'remote-vips'),
    tasksQueued: list(s, 'tasks-queued'),
    tasksActive: list(s, 'tasks-active'),
    tasksPassive: list(s, 'tasks-passive'),
    children,
    raw: s,
  };
}

/** The IKE_SAs in one `list-sa` event (one per event in practice, but the tree allows more). */
export function parseListSaEvent(message: ViciSection): IkeSa[] {
  const out: IkeSa[] = [];
  for (const [name, s] of message) if (isSectionElement(s)) out.push(parseIkeSa(name, s));
  return out;
}

/** `ike-updown` and `child-updown`: `up = yes` at top level when up, absent when down. */
export interface UpdownEvent {
  up: boolean;
  ike: IkeSa;
}

export function parseUpdownEvent(message: ViciSection): UpdownEvent | undefined {
  const up = bool(message.get('up')) === true;
  for (const [name, s] of message) {
    if (isSectionElement(s)) return { up, ike: parseIkeSa(name, s) };
  }
  return undefined;
}

export interface IkeRekeyEvent {
  name: string;
  old: IkeSa;
  new: IkeSa;
}

export function parseIkeRekeyEvent(message: ViciSection): IkeRekeyEvent | undefined {
  for (const [name, s] of message) {
    if (!isSectionElement(s)) continue;
    const o = section(s.get('old'));
    const n = section(s.get('new'));
    if (o && n) return { name, old: parseIkeSa(name, o), new: parseIkeSa(name, n) };
  }
  return undefined;
}

export interface ChildRekeyEvent {
  /** The IKE_SA (without children). */
  ike: IkeSa;
  old: ChildSa;
  new: ChildSa;
}

export function parseChildRekeyEvent(message: ViciSection): ChildRekeyEvent | undefined {
  for (const [name, s] of message) {
    if (!isSectionElement(s)) continue;
    const children = section(s.get('child-sas'));
    const ike = parseIkeSa(name, withoutChildren(s));
    for (const [key, c] of children ?? []) {
      if (!isSectionElement(c)) continue;
      const o = section(c.get('old'));
      const n = section(c.get('new'));
      if (o && n) return { ike, old: parseChildSa(key, o), new: parseChildSa(key, n) };
    }
  }
  return undefined;
}

/** `ike-update`: the new endpoints at top level, the IKE_SA (with the old ones) in its section. */
export interface IkeUpdateEvent {
  localHost?: string;
  localPort?: number;
  remoteHost?: string;
  remotePort?: number;
  ike: IkeSa;
}

export function parseIkeUpdateEvent(message: ViciSection): IkeUpdateEvent | undefined {
  for (const [name, s] of message) {
    if (!isSectionElement(s)) continue;
    return {
      localHost: str(message, 'local-host'),
      localPort: int(message, 'local-port'),
      remoteHost: str(message, 'remote-host'),
      remotePort: int(message, 'remote-port'),
      ike: parseIkeSa(name, s),
    };
  }
  return undefined;
}

export interface LogEvent {
  group: string;
  level: number;
  thread?: number;
  ikeName?: string;
  ikeUniqueid?: string;
  msg: string;
  raw: ViciSection;
}

export function parseLogEvent(message: ViciSection): LogEvent {
  return {
    group: str(message, 'group') ?? '',
    level: int(message, 'level') ?? 0,
    thread: int(message, 'thread'),
    ikeName: str(message, 'ikesa-name'),
    ikeUniqueid: str(message, 'ikesa-uniqueid'),
    msg: str(message, 'msg') ?? '',
    raw: message,
  };
}

// --- alerts (strongSwan 6.0.3 and later) ------------------------------------------------------

/**
 * The `type` values of the `alert` event, as strongSwan's vici README lists them (33 in 6.1).
 * A daemon before 6.0.3 has no `alert` event: registering it answers EVENT_UNKNOWN.
 */
export const ALERT_TYPES = [
  'radius-not-responding',
  'shutdown-signal',
  'local-auth-failed',
  'peer-auth-failed',
  'peer-addr-failed',
  'peer-init-unreachable',
  'invalid-ike-spi',
  'parse-error-header',
  'parse-error-body',
  'retransmit-send',
  'retransmit-send-cleared',
  'retransmit-send-timeout',
  'retransmit-receive',
  'half-open-timeout',
  'proposal-mismatch-ike',
  'proposal-mismatch-child',
  'ts-mismatch',
  'ts-narrowed',
  'install-child-sa-failed',
  'install-child-policy-failed',
  'unique-replace',
  'unique-keep',
  'keep-on-child-sa-failure',
  'vip-failure',
  'authorization-failed',
  'ike-sa-expired',
  'cert-expired',
  'cert-revoked',
  'cert-validation-failed',
  'cert-no-issuer',
  'cert-untrusted-root',
  'cert-exceeded-path-len',
  'cert-policy-violation',
] as const;

export type AlertType = (typeof ALERT_TYPES)[number];

/**
 * How bad an alert is for an operator: `error` when something did not come up or was lost
 * (authentication, proposals, selectors, installation, certificates, timeouts), `warning` when
 * something odd happened that may pass (retransmits, garbage from the network, a shutdown, a
 * duplicate kept out), `info` when it resolved itself or is routine (a retransmit answered,
 * selectors narrowed, a reconnecting peer replacing its old IKE_SA).
 */
export type AlertSeverity = 'error' | 'warning' | 'info';

const ALERT_SEVERITY: Record<AlertType, AlertSeverity> = {
  'radius-not-responding': 'error',
  'shutdown-signal': 'warning',
  'local-auth-failed': 'error',
  'peer-auth-failed': 'error',
  'peer-addr-failed': 'error',
  'peer-init-unreachable': 'error',
  'invalid-ike-spi': 'warning',
  'parse-error-header': 'warning',
  'parse-error-body': 'warning',
  'retransmit-send': 'warning',
  'retransmit-send-cleared': 'info',
  'retransmit-send-timeout': 'error',
  'retransmit-receive': 'warning',
  'half-open-timeout': 'error',
  'proposal-mismatch-ike': 'error',
  'proposal-mismatch-child': 'error',
  'ts-mismatch': 'error',
  'ts-narrowed': 'info',
  'install-child-sa-failed': 'error',
  'install-child-policy-failed': 'error',
  'unique-replace': 'info',
  'unique-keep': 'warning',
  'keep-on-child-sa-failure': 'warning',
  'vip-failure': 'error',
  'authorization-failed': 'error',
  'ike-sa-expired': 'error',
  'cert-expired': 'error',
  'cert-revoked': 'error',
  'cert-validation-failed': 'error',
  'cert-no-issuer': 'error',
  'cert-untrusted-root': 'error',
  'cert-exceeded-path-len': 'error',
  'cert-policy-violation': 'error',
};

export function isAlertType(type: string): type is AlertType {
  return Object.hasOwn(ALERT_SEVERITY, type);
}

/** A type this library does not know yet (a newer daemon) counts as a warning, never dropped. */
export function alertSeverity(type: string): AlertSeverity {
  return isAlertType(type) ? ALERT_SEVERITY[type] : 'warning';
}

/** `alert`: its type and, when the alert concerns one, the IKE_SA (without children). */
export interface AlertEvent {
  /** One of ALERT_TYPES, or a newer daemon's type as sent ('' if it sent none). */
  type: AlertType | (string & {});
  severity: AlertSeverity;
  ike?: IkeSa;
  raw: ViciSection;
}

export function parseAlertEvent(message: ViciSection): AlertEvent {
  const type = str(message, 'type') ?? '';
  let ike: IkeSa | undefined;
  for (const [name, s] of section(message.get('ike-sa')) ?? []) {
    if (isSectionElement(s)) {
      ike = parseIkeSa(name, s);
      break;
    }
  }
  return { type, severity: alertSeverity(type), ...(ike ? { ike } : {}), raw: message };
}

// --- connections (list-conn) ----------------------------------------------------------------

export interface AuthRound {
  /** `local`, `local-1`, `remote-2`...: the key as the daemon gave it, in order. */
  key: string;
  class?: string;
  id?: string;
  eapId?: string;
  eapType?: string;
  eapVendor?: string;
  xauth?: string;
  xauthId?: string;
  aaaId?: string;
  caId?: string;
  revocation?: string;
  groups: string[];
  certPolicy: string[];
  certs: string[];
  cacerts: string[];
  raw: ViciSection;
}

/**
 * One configured proposal, as strongSwan 6.1 lists them under `proposals` (IKE) and
 * `esp_proposals`/`ah_proposals` (CHILD): each transform type (`encr`, `integ`, `prf`, `ke`,
 * `ke1`..., `sn`) with its algorithms in order.
 */
export type ConnProposal = Record<string, string[]>;

export interface ConnChild {
  name: string;
  mode?: string;
  label?: string;
  startAction?: string;
  dpdAction?: string;
  closeAction?: string;
  localTs: string[];
  remoteTs: string[];
  rekeyTime?: number;
  rekeyBytes?: number;
  rekeyPackets?: number;
  interface?: string;
  priority?: number;
  /** The configured ESP and AH proposals (strongSwan 6.1; absent before). */
  espProposals?: ConnProposal[];
  ahProposals?: ConnProposal[];
  raw: ViciSection;
}

export interface Connection {
  name: string;
  version?: string;
  localAddrs: string[];
  remoteAddrs: string[];
  /** The configured IKE ports (strongSwan 6.0.3 and later; absent before). */
  localPort?: number;
  remotePort?: number;
  reauthTime?: number;
  rekeyTime?: number;
  unique?: string;
  dpdDelay?: number;
  dpdTimeout?: number;
  ppkId?: string;
  ppkRequired?: boolean;
  /** The configured IKE proposals (strongSwan 6.1; absent before). */
  proposals?: ConnProposal[];
  local: AuthRound[];
  remote: AuthRound[];
  children: ConnChild[];
  raw: ViciSection;
}

/** A proposals section (`0 { encr = [...] ... }`), or undefined where the daemon sent none. */
function proposals(s: ViciSection, key: string): ConnProposal[] | undefined {
  const sec = section(s.get(key));
  if (!sec) return undefined;
  const out: ConnProposal[] = [];
  for (const [, p] of sec) {
    if (!isSectionElement(p)) continue;
    const transforms: ConnProposal = {};
    for (const [t, v] of p) transforms[t] = texts(v);
    out.push(transforms);
  }
  return out;
}

function parseAuth(key: string, s: ViciSection): AuthRound {
  return {
    key,
    class: str(s, 'class'),
    id: str(s, 'id'),
    eapId: str(s, 'eap_id'),
    eapType: str(s, 'eap-type'),
    eapVendor: str(s, 'eap-vendor'),
    xauth: str(s, 'xauth'),
    xauthId: str(s, 'xauth_id'),
    aaaId: str(s, 'aaa_id'),
    caId: str(s, 'ca_id'),
    revocation: str(s, 'revocation'),
    groups: list(s, 'groups'),
    certPolicy: list(s, 'cert_policy'),
    certs: list(s, 'certs'),
    cacerts: list(s, 'cacerts'),
    raw: s,
  };
}

export function parseConnection(name: string, s: ViciSection): Connection {
  const local: AuthRound[] = [];
  const remote: AuthRound[] = [];
  for (const [k, v] of s) {
    if (!isSectionElement(v)) continue;
    if (/^local(-\d+)?$/.test(k)) local.push(parseAuth(k, v));
    else if (/^remote(-\d+)?$/.test(k)) remote.push(parseAuth(k, v));
  }
  const children: ConnChild[] = [];
  for (const [cname, c] of section(s.get('children')) ?? []) {
    if (!isSectionElement(c)) continue;
    const esp = proposals(c, 'esp_proposals');
    const ah = proposals(c, 'ah_proposals');
    children.push({
      name: cname,
      mode: str(c, 'mode'),
      label: str(c, 'label'),
      startAction: str(c, 'start_action'),
      dpdAction: str(c, 'dpd_action'),
      closeAction: str(c, 'close_action'),
      localTs: list(c, 'local-ts'),
      remoteTs: list(c, 'remote-ts'),
      rekeyTime: int(c, 'rekey_time'),
      rekeyBytes: int(c, 'rekey_bytes'),
      rekeyPackets: int(c, 'rekey_packets'),
      interface: str(c, 'interface'),
      priority: int(c, 'priority'),
      ...(esp ? { espProposals: esp } : {}),
      ...(ah ? { ahProposals: ah } : {}),
      raw: c,
    });
  }
  const ike = proposals(s, 'proposals');
  return {
    name,
    version: str(s, 'version'),
    localAddrs: list(s, 'local_addrs'),
    remoteAddrs: list(s, 'remote_addrs'),
    localPort: int(s, 'local_port'),
    remotePort: int(s, 'remote_port'),
    reauthTime: int(s, 'reauth_time'),
    rekeyTime: int(s, 'rekey_time'),
    unique: str(s, 'unique'),
    dpdDelay: int(s, 'dpd_delay'),
    dpdTimeout: int(s, 'dpd_timeout'),
    ppkId: str(s, 'ppk_id'),
    ppkRequired: flag(s, 'ppk_required'),
    ...(ike ? { proposals: ike } : {}),
    local,
    remote,
    children,
    raw: s,
  };
}

export function parseListConnEvent(message: ViciSection): Connection[] {
  const out: Connection[] = [];
  for (const [name, s] of message) if (isSectionElement(s)) out.push(parseConnection(name, s));
  return out;
}

// --- pools, stats, counters, certificates, policies -----------------------------------------

export interface PoolLease {
  address: string;
  identity?: string;
  status?: string;
}

export interface Pool {
  name: string;
  base?: string;
  size?: number;
  online?: number;
  offline?: number;
  leases: PoolLease[];
  raw: ViciSection;
}

export function parsePools(message: ViciSection): Pool[] {
  const out: Pool[] = [];
  for (const [name, s] of message) {
    if (!isSectionElement(s)) continue;
    const leases: PoolLease[] = [];
    for (const [, l] of section(s.get('leases')) ?? []) {
      if (!isSectionElement(l)) continue;
      leases.push({
        address: str(l, 'address') ?? '',
        identity: str(l, 'identity'),
        status: str(l, 'status'),
      });
    }
    out.push({
      name,
      base: str(s, 'base'),
      size: int(s, 'size'),
      online: int(s, 'online'),
      offline: int(s, 'offline'),
      leases,
      raw: s,
    });
  }
  return out;
}

export interface Stats {
  uptimeRunning?: string;
  uptimeSince?: string;
  workersTotal?: number;
  workersIdle?: number;
  workersActive: Record<string, number>;
  queues: Record<string, number>;
  scheduled?: number;
  ikeSasTotal?: number;
  ikeSasHalfOpen?: number;
  plugins: string[];
  raw: ViciSection;
}

function numbers(s: ViciSection | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of s ?? []) {
    const n = num(v as ViciElement);
    if (n !== undefined) out[k] = n;
  }
  return out;
}

export function parseStats(message: ViciSection): Stats {
  const uptime = section(message.get('uptime'));
  const workers = section(message.get('workers'));
  const ikesas = section(message.get('ikesas'));
  return {
    uptimeRunning: uptime ? str(uptime, 'running') : undefined,
    uptimeSince: uptime ? str(uptime, 'since') : undefined,
    workersTotal: workers ? int(workers, 'total') : undefined,
    workersIdle: workers ? int(workers, 'idle') : undefined,
    workersActive: numbers(workers ? section(workers.get('active')) : undefined),
    queues: numbers(section(message.get('queues'))),
    scheduled: int(message, 'scheduled'),
    ikeSasTotal: ikesas ? int(ikesas, 'total') : undefined,
    ikeSasHalfOpen: ikesas ? int(ikesas, 'half-open') : undefined,
    plugins: list(message, 'plugins'),
    raw: message,
  };
}

/** `get-counters`: one section per connection name (or `all`), each counter a number. */
export function parseCounters(message: ViciSection): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [name, s] of section(message.get('counters')) ?? []) {
    if (isSectionElement(s)) out[name] = numbers(s);
  }
  return out;
}

export interface Certificate {
  type?: string;
  flag?: string;
  hasPrivkey?: boolean;
  /** The certificate exactly as the daemon sent it (DER for X.509). */
  data?: Buffer;
  /**
   * Set only for a bare public key (`type: 'PUBKEY'`): charon sends subject, not-before and
   * not-after for those alone, never for an X.509 certificate. For X.509, parse `data` (DER),
   * e.g. with node:crypto's `new X509Certificate(data)`.
   */
  subject?: string;
  /** Bare public keys only (see `subject`); never set for X.509 certificates. */
  notBefore?: string;
  /** Bare public keys only (see `subject`); never set for X.509 certificates. */
  notAfter?: string;
  raw: ViciSection;
}

export function parseCertificate(message: ViciSection): Certificate {
  const data = message.get('data');
  return {
    type: str(message, 'type'),
    flag: str(message, 'flag'),
    hasPrivkey: flag(message, 'has_privkey'),
    data: Buffer.isBuffer(data) ? data : undefined,
    subject: str(message, 'subject'),
    notBefore: str(message, 'not-before'),
    notAfter: str(message, 'not-after'),
    raw: message,
  };
}

export interface Policy {
  /** `<child>/<ike>` style key the daemon uses. */
  key: string;
  child?: string;
  /** The CHILD_SA's reqid (strongSwan 6.0.2 and later send it). */
  reqid?: number;
  ike?: string;
  mode?: string;
  localTs: string[];
  remoteTs: string[];
  raw: ViciSection;
}

export function parseListPolicyEvent(message: ViciSection): Policy[] {
  const out: Policy[] = [];
  for (const [key, s] of message) {
    if (!isSectionElement(s)) continue;
    out.push({
      key,
      child: str(s, 'child'),
      reqid: int(s, 'reqid'),
      ike: str(s, 'ike'),
      mode: str(s, 'mode'),
      localTs: list(s, 'local-ts'),
      remoteTs: list(s, 'remote-ts'),
      raw: s,
    });
  }
  return out;
}

export interface Authority {
  name: string;
  cacert?: string;
  crlUris: string[];
  ocspUris: string[];
  certUriBase?: string;
  raw: ViciSection;
}

export function parseListAuthorityEvent(message: ViciSection): Authority[] {
  const out: Authority[] = [];
  for (const [name, s] of message) {
    if (!isSectionElement(s)) continue;
    out.push({
      name,
      cacert: str(s, 'cacert'),
      crlUris: list(s, 'crl_uris'),
      ocspUris: list(s, 'ocsp_uris'),
      certUriBase: str(s, 'cert_uri_base'),
      raw: s,
    });
  }
  return out;
}

function withoutChildren(s: ViciSection): ViciSection {
  if (!s.has('child-sas')) return s;
  const copy: ViciSection = new Map(s);
  copy.delete('child-sas');
  return copy;
}

// --- get-algorithms ------------------------------------------------------------------------

/** Algorithm name (as charon spells it, e.g. `AES_CBC`) → the plugin that provides it. */
export type AlgorithmTable = Record<string, string>;

/** What get-algorithms answers: one table per algorithm type; a type the daemon left out is empty. */
export interface Algorithms {
  encryption: AlgorithmTable;
  integrity: AlgorithmTable;
  aead: AlgorithmTable;
  hasher: AlgorithmTable;
  prf: AlgorithmTable;
  xof: AlgorithmTable;
  drbg: AlgorithmTable;
  /** Key exchange methods: charon calls the section `dh` before 6.0 and `ke` from 6.0; both land here. */
  ke: AlgorithmTable;
  rng: AlgorithmTable;
  nonceGen: AlgorithmTable;
  /** Every section by the daemon's own name (`nonce-gen`, `dh`...), including any this type does not name. */
  byType: Record<string, AlgorithmTable>;
  raw: ViciSection;
}

export function parseAlgorithms(m: ViciSection): Algorithms {
  const byType: Record<string, AlgorithmTable> = {};
  for (const [type, section] of m) {
    if (!(section instanceof Map)) continue;
    const table: AlgorithmTable = {};
    for (const [alg, plugin] of section) {
      if (Buffer.isBuffer(plugin)) table[alg] = plugin.toString('utf8');
    }
    byType[type] = table;
  }
  const get = (...names: string[]): AlgorithmTable => {
    const out: AlgorithmTable = {};
    for (const n of names) Object.assign(out, byType[n]);
    return out;
  };
  return {
    encryption: get('encryption'),
    integrity: get('integrity'),
    aead: get('aead'),
    hasher: get('hasher'),
    prf: get('prf'),
    xof: get('xof'),
    drbg: get('drbg'),
    ke: get('dh', 'ke'),
    rng: get('rng'),
    nonceGen: get('nonce-gen'),
    byType,
    raw: m,
  };
}
