import path from 'node:path';
import type { DaemonRoot } from './roots.js';

/** The daemons of the lab. venus only initiates the scale clients (carol stays clean). */
export const HOSTS = ['moon', 'sun', 'carol', 'dave', 'venus'] as const;
export type LabHost = (typeof HOSTS)[number];

/** Every namespace of a lab: one per host plus the LAN that bridges them. */
export const NAMESPACE_ROLES = ['lan', ...HOSTS] as const;
export type NamespaceRole = (typeof NAMESPACE_ROLES)[number];

export const DEFAULT_DIR = '/run/swantop-lab';
export const DEFAULT_PREFIX = 'swl';

/**
 * Addresses exist only inside the lab's namespaces (the LAN bridge and each host's lo),
 * so two labs can use the same ones side by side. The LAN is 192.168.0.0/24; moon and sun
 * protect 10.1.0.0/16 and 10.2.0.0/16; scale clients take /32s from 10.5.0.0/16.
 */
export const ADDRESSES = {
  lan: '192.168.0.0/24',
  moonIp: '192.168.0.1',
  sunIp: '192.168.0.2',
  venusIp: '192.168.0.50',
  carolIp: '192.168.0.100',
  daveIp: '192.168.0.200',
  moonNet: '10.1.0.0/16',
  sunNet: '10.2.0.0/16',
  /** moon's address inside its protected subnet (on its lo), the tunnel's source. */
  moonInner: '10.1.0.1',
  /** sun's address inside its protected subnet (on its lo). */
  sunInner: '10.2.0.1',
  /** moon hands out virtual IPs to carol and dave from here (pool rw_pool). */
  moonPool: '10.3.0.0/24',
  /** sun's pool (sun_pool), for dave after a redirect. */
  sunPool: '10.4.0.0/24',
  /** The scale clients' own addresses, one /32 each on venus' lo. */
  clientNet: '10.5.0.0/16',
} as const;

export type LabAddresses = typeof ADDRESSES;

export const HOST_IPS: Record<LabHost, string> = {
  moon: ADDRESSES.moonIp,
  sun: ADDRESSES.sunIp,
  carol: ADDRESSES.carolIp,
  dave: ADDRESSES.daveIp,
  venus: ADDRESSES.venusIp,
};

/** Addresses on a host's lo: the one inside its protected subnet, which libipsec needs. */
export const INNER_IPS: Partial<Record<LabHost, string>> = {
  moon: ADDRESSES.moonInner,
  sun: ADDRESSES.sunInner,
};

/** Names of the connections and CHILD_SAs each host's swanctl.conf defines. */
export const CONNS = {
  /** moon and sun: the site-to-site tunnel (IKE and CHILD both named net-net). */
  netNet: 'net-net',
  /** moon and sun: the responder side of the road warriors (CHILD named rw). */
  rw: 'rw',
  /** carol and dave: their connection to the gateway (CHILD named home). */
  home: 'home',
  /** moon: the responder side of the scale clients (CHILD named scale). */
  scale: 'scale',
} as const;

export interface LabInfo {
  /** Where the sockets, configs, certificates and logs live. */
  dir: string;
  /** Namespace prefix; namespaces are `<prefix>-<role>`. */
  prefix: string;
  /** Absolute path of each daemon's vici socket (reachable from the root namespace). */
  sockets: Record<LabHost, string>;
  /** The same sockets as URIs (`unix:///...`), for Session.connect and swantop --uri. */
  uris: Record<LabHost, string>;
  /** Network namespace of each host and of the LAN bridge. */
  ns: Record<NamespaceRole, string>;
  addresses: LabAddresses;
  /** Each daemon's charon log (filelog). */
  logs: Record<LabHost, string>;
  /** Each daemon's strongswan.conf and swanctl.conf as written into the lab dir. */
  configs: Record<LabHost, { strongswanConf: string; swanctlConf: string }>;
  conns: typeof CONNS;
  /** How many scale clients venus has brought up so far. */
  clients: number;
  /** Whether moon's half-open limits were raised for scale runs. */
  scale: boolean;
  /** Which strongSwan each host's charon is, and the Debian root it runs from (if not the host's). */
  strongswan: Record<LabHost, DaemonRoot>;
}

export function nsName(prefix: string, role: NamespaceRole): string {
  return `${prefix}-${role}`;
}

export function hostDir(dir: string, host: LabHost): string {
  return path.join(dir, host);
}

/** Where no root was resolved (stopping a lab needs only names): the host's own charon. */
const HOST_CHARON: DaemonRoot = { release: '5.9', version: 'host' };

export function describeLab(
  dir: string,
  prefix: string,
  clients: number,
  scale: boolean,
  strongswan?: Record<LabHost, DaemonRoot>,
): LabInfo {
  const per = <T>(f: (h: LabHost) => T): Record<LabHost, T> =>
    Object.fromEntries(HOSTS.map((h) => [h, f(h)])) as Record<LabHost, T>;
  const sockets = per((h) => path.join(dir, `${h}.vici`));
  return {
    dir,
    prefix,
    sockets,
    uris: per((h) => `unix://${sockets[h]}`),
    ns: Object.fromEntries(NAMESPACE_ROLES.map((r) => [r, nsName(prefix, r)])) as Record<
      NamespaceRole,
      string
    >,
    addresses: ADDRESSES,
    logs: per((h) => path.join(hostDir(dir, h), 'charon.log')),
    configs: per((h) => ({
      strongswanConf: path.join(hostDir(dir, h), 'strongswan.conf'),
      swanctlConf: path.join(hostDir(dir, h), 'swanctl.conf'),
    })),
    conns: CONNS,
    clients,
    scale,
    strongswan: strongswan ?? per(() => HOST_CHARON),
  };
}
