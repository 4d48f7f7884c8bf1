/*
 * Real-shaped VICI trees for the store's tests: built as the daemon lays them out (field names
 * and nesting of charon 5.9.8's list-sa, ike-updown, child-updown, ike-rekey, child-rekey and
 * ike-update), sent through the real encoder and decoder, and read by views.ts.
 */

import type { Listed, RowEvent } from '../../source/monitor/row-table.js';
import { decodeMessage, type EncodableSection, encodeMessage } from '../../source/vici/message.js';
import {
  parseChildRekeyEvent,
  parseIkeRekeyEvent,
  parseIkeUpdateEvent,
  parseListSaEvent,
  parseUpdownEvent,
} from '../../source/vici/views.js';

export interface ChildSpec {
  name?: string;
  uniqueid: string;
  state?: string;
  spiIn?: string;
  spiOut?: string;
  bytesIn?: number;
  bytesOut?: number;
  packetsIn?: number;
  packetsOut?: number;
  installTime?: number;
  rekeyTime?: number;
  lifeTime?: number;
}

export interface IkeSpec {
  name?: string;
  uniqueid: string;
  state?: string;
  localHost?: string;
  remoteHost?: string;
  established?: number;
  rekeyTime?: number;
  children?: ChildSpec[];
}

export function childTree(c: ChildSpec): EncodableSection {
  return {
    name: c.name ?? 'net-net',
    uniqueid: c.uniqueid,
    reqid: 1,
    state: c.state ?? 'INSTALLED',
    mode: 'TUNNEL',
    protocol: 'ESP',
    encap: 'yes',
    'spi-in': c.spiIn ?? `c${c.uniqueid.padStart(7, '0')}`,
    'spi-out': c.spiOut ?? `d${c.uniqueid.padStart(7, '0')}`,
    'encr-alg': 'AES_CBC',
    'encr-keysize': 128,
    'integ-alg': 'HMAC_SHA2_256_128',
    'dh-group': 'CURVE_25519',
    'bytes-in': c.bytesIn ?? 0,
    'packets-in': c.packetsIn ?? 0,
    'bytes-out': c.bytesOut ?? 0,
    'packets-out': c.packetsOut ?? 0,
    'rekey-time': c.rekeyTime ?? 3000,
    'life-time': c.lifeTime ?? 3600,
    'install-time': c.installTime ?? 10,
    'local-ts': ['10.1.0.0/16'],
    'remote-ts': ['10.2.0.0/16'],
  };
}

/** The IKE_SA section, without the `child-sas` the updown/rekey events leave out. */
export function ikeFields(i: IkeSpec): Record<string, string | number> {
  return {
    uniqueid: i.uniqueid,
    version: 2,
    state: i.state ?? 'ESTABLISHED',
    'local-host': i.localHost ?? '192.168.0.1',
    'local-port': 4500,
    'local-id': 'moon.swantop.test',
    'remote-host': i.remoteHost ?? '192.168.0.2',
    'remote-port': 4500,
    'remote-id': 'sun.swantop.test',
    initiator: 'yes',
    'initiator-spi': `a1b2c3d4${i.uniqueid.padStart(8, '0')}`,
    'responder-spi': `e5f6a7b8${i.uniqueid.padStart(8, '0')}`,
    'encr-alg': 'AES_CBC',
    'encr-keysize': 128,
    'integ-alg': 'HMAC_SHA2_256_128',
    'prf-alg': 'PRF_HMAC_SHA2_256',
    'dh-group': 'CURVE_25519',
    established: i.established ?? 100,
    'rekey-time': i.rekeyTime ?? 10_000,
  };
}

function childSas(children: readonly ChildSpec[]): EncodableSection {
  const out: Record<string, EncodableSection> = {};
  for (const c of children) out[`${c.name ?? 'net-net'}-${c.uniqueid}`] = childTree(c);
  return out;
}

export function ikeTree(i: IkeSpec): EncodableSection {
  return { ...ikeFields(i), 'child-sas': childSas(i.children ?? []) };
}

export const roundTrip = (m: EncodableSection) => decodeMessage(encodeMessage(m));

/** One full listing: each IKE_SA as its own list-sa event, arriving at `at`. */
export function listing(ikes: readonly IkeSpec[], at: number): Listed[] {
  return ikes.flatMap((i) =>
    parseListSaEvent(roundTrip({ [i.name ?? 'net-net']: ikeTree(i) })).map((ike) => ({ ike, at })),
  );
}

export function ikeUpdown(up: boolean, i: IkeSpec): RowEvent {
  const tree: EncodableSection = {
    ...(up ? { up: 'yes' } : {}),
    [i.name ?? 'net-net']: ikeFields(i),
  };
  const ev = parseUpdownEvent(roundTrip(tree))!;
  return { kind: 'ike-updown', up: ev.up, ike: ev.ike };
}

/** child-updown: the IKE_SA section with only that CHILD_SA under child-sas. */
export function childUpdown(up: boolean, i: IkeSpec, c: ChildSpec): RowEvent {
  const tree: EncodableSection = {
    ...(up ? { up: 'yes' } : {}),
    [i.name ?? 'net-net']: { ...ikeFields(i), 'child-sas': childSas([c]) },
  };
  const ev = parseUpdownEvent(roundTrip(tree))!;
  return { kind: 'child-updown', up: ev.up, ike: ev.ike };
}

export function ikeRekey(old: IkeSpec, next: IkeSpec): RowEvent {
  const ev = parseIkeRekeyEvent(
    roundTrip({ [old.name ?? 'net-net']: { old: ikeFields(old), new: ikeFields(next) } }),
  )!;
  return { kind: 'ike-rekey', old: ev.old, new: ev.new };
}

export function childRekey(i: IkeSpec, old: ChildSpec, next: ChildSpec): RowEvent {
  const ev = parseChildRekeyEvent(
    roundTrip({
      [i.name ?? 'net-net']: {
        ...ikeFields(i),
        'child-sas': { [old.name ?? 'net-net']: { old: childTree(old), new: childTree(next) } },
      },
    }),
  )!;
  return { kind: 'child-rekey', ike: ev.ike, old: ev.old, new: ev.new };
}

export function ikeUpdate(i: IkeSpec, remoteHost: string, remotePort: number): RowEvent {
  const ev = parseIkeUpdateEvent(
    roundTrip({
      'local-host': i.localHost ?? '192.168.0.1',
      'local-port': 4500,
      'remote-host': remoteHost,
      'remote-port': remotePort,
      [i.name ?? 'net-net']: ikeFields(i),
    }),
  )!;
  return { kind: 'ike-update', ...ev };
}
