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

export interface ChildSa {
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
  encrAlg?: string;
  encrKeysize?: number;
  integAlg?: string;
  integKeysize?: number;
  prfAlg?: string;
  dhGroup?: string;
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

export interface IkeSa {
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
  encrAlg?: string;
  encrKeysize?: number;
  integAlg?: string;
  integKeysize?: number;
  prfAlg?: string;
  dhGroup?: string;
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
    encrAlg: str(s, 'encr-alg'),
    encrKeysize: int(s, 'encr-keysize'),
    integAlg: str(s, 'integ-alg'),
    integKeysize: int(s, 'integ-keysize'),
    prfAlg: str(s, 'prf-alg'),
    dhGroup: str(s, 'dh-group'),
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
    encrAlg: str(s, 'encr-alg'),
    encrKeysize: int(s, 'encr-keysize'),
    integAlg: str(s, 'integ-alg'),
    integKeysize: int(s, 'integ-keysize'),
    prfAlg: str(s, 'prf-alg'),
    dhGroup: str(s, 'dh-group'),
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

// --- connections (list-conn) ----------------------------------------------------------------

export interface AuthRound {
  /** `local`, `local-1`, `remote-2`...: the key as the daemon gave it, in order. */
  key: string;
  class?: string;
  id?: string;
  eapId?: string;
  groups: string[];
  certs: string[];
  cacerts: string[];
  raw: ViciSection;
}

export interface ConnChild {
  name: string;
  mode?: string;
  startAction?: string;
  dpdAction?: string;
  closeAction?: string;
  localTs: string[];
  remoteTs: string[];
  rekeyTime?: number;
  raw: ViciSection;
}

export interface Connection {
  name: string;
  version?: string;
  localAddrs: string[];
  remoteAddrs: string[];
  localPort?: number;
  remotePort?: number;
  local: AuthRound[];
  remote: AuthRound[];
  children: ConnChild[];
  raw: ViciSection;
}

function parseAuth(key: string, s: ViciSection): AuthRound {
  return {
    key,
    class: str(s, 'class'),
    id: str(s, 'id'),
    eapId: str(s, 'eap_id'),
    groups: list(s, 'groups'),
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
    children.push({
      name: cname,
      mode: str(c, 'mode'),
      startAction: str(c, 'start_action'),
      dpdAction: str(c, 'dpd_action'),
      closeAction: str(c, 'close_action'),
      localTs: list(c, 'local-ts'),
      remoteTs: list(c, 'remote-ts'),
      rekeyTime: int(c, 'rekey_time'),
      raw: c,
    });
  }
  return {
    name,
    version: str(s, 'version'),
    localAddrs: list(s, 'local_addrs'),
    remoteAddrs: list(s, 'remote_addrs'),
    localPort: int(s, 'local_port'),
    remotePort: int(s, 'remote_port'),
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
