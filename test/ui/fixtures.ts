import type { Key } from 'ink';
import type {
  ChildRow,
  EventEntry,
  IkeRow,
  MonitorSnapshot,
  Totals,
} from '../../source/monitor/types.js';
import { decodeMessage, type EncodableSection, encodeMessage } from '../../source/vici/message.js';
import {
  type Connection,
  type IkeSa,
  parseListConnEvent,
  parseListSaEvent,
} from '../../source/vici/views.js';

/*
 * Real-shaped data for the UI tests: trees as the daemon sends them (field names from
 * vici_query.c's list-sa/list-conns), encoded to bytes, decoded, and read by views.ts — the
 * same path the store's rows take.
 */

export const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);

export function childTree(
  name: string,
  uniqueid: number,
  extra: EncodableSection = {},
): EncodableSection {
  return {
    name,
    uniqueid: String(uniqueid),
    reqid: '1',
    state: 'INSTALLED',
    mode: 'TUNNEL',
    protocol: 'ESP',
    'spi-in': `c${String(uniqueid).padStart(7, '0')}`,
    'spi-out': `d${String(uniqueid).padStart(7, '0')}`,
    'encr-alg': 'AES_GCM_16',
    'encr-keysize': '256',
    'bytes-in': '123456',
    'packets-in': '100',
    'use-in': '2',
    'bytes-out': '654321',
    'packets-out': '120',
    'use-out': '1',
    'rekey-time': '3000',
    'life-time': '3500',
    'install-time': '600',
    'local-ts': ['10.1.0.0/16'],
    'remote-ts': [`10.${100 + (uniqueid % 100)}.0.0/16`],
    ...extra,
  };
}

export function ikeTree(
  uniqueid: number,
  extra: EncodableSection = {},
  children?: Record<string, EncodableSection>,
): EncodableSection {
  return {
    uniqueid: String(uniqueid),
    version: '2',
    state: 'ESTABLISHED',
    'local-host': '192.0.2.1',
    'local-port': '4500',
    'local-id': 'gw.example.test',
    'remote-host': `198.51.100.${uniqueid % 250}`,
    'remote-port': '4500',
    'remote-id': `peer${uniqueid}.example.test`,
    initiator: 'yes',
    'initiator-spi': '1122334455667788',
    'responder-spi': '99aabbccddeeff00',
    'encr-alg': 'AES_CBC',
    'encr-keysize': '256',
    'integ-alg': 'HMAC_SHA2_256_128',
    'prf-alg': 'PRF_HMAC_SHA2_256',
    'dh-group': 'CURVE_25519',
    established: '7200',
    'rekey-time': '5000',
    'reauth-time': '0',
    'child-sas': children ?? { [`net-${uniqueid * 10}`]: childTree('net', uniqueid * 10) },
    ...extra,
  };
}

export function parseIke(name: string, tree: EncodableSection): IkeSa {
  return parseListSaEvent(decodeMessage(encodeMessage({ [name]: tree })))[0]!;
}

export function ikeRow(sa: IkeSa, listedAt = T0, rate?: { in: number; out: number }): IkeRow {
  const children: ChildRow[] = sa.children.map((c) => ({
    key: `${sa.uniqueid}/${c.uniqueid}`,
    sa: c,
    bytesInTotal: c.bytesIn ?? 0,
    bytesOutTotal: c.bytesOut ?? 0,
    packetsInTotal: c.packetsIn ?? 0,
    packetsOutTotal: c.packetsOut ?? 0,
    rateIn: rate?.in,
    rateOut: rate?.out,
    listedAt,
  }));
  return {
    key: sa.uniqueid,
    sa,
    children,
    listedAt,
    updatedAt: listedAt,
    rateIn: rate ? rate.in * children.length : undefined,
    rateOut: rate ? rate.out * children.length : undefined,
  };
}

export function conns(): Connection[] {
  return parseListConnEvent(
    decodeMessage(
      encodeMessage({
        'gw-gw': {
          local_addrs: ['192.0.2.1'],
          remote_addrs: ['198.51.100.1'],
          version: 'IKEv2',
          local_port: '500',
          remote_port: '500',
          'local-1': {
            class: 'public key',
            id: 'gw.example.test',
            groups: [],
            certs: [],
            cacerts: [],
          },
          'remote-1': {
            class: 'public key',
            id: 'peer.example.test',
            groups: [],
            certs: [],
            cacerts: [],
          },
          children: {
            net: {
              mode: 'TUNNEL',
              start_action: 'none',
              rekey_time: '3600',
              'local-ts': ['10.1.0.0/16'],
              'remote-ts': ['10.2.0.0/16'],
            },
            dmz: { mode: 'TUNNEL', 'local-ts': ['10.3.0.0/24'], 'remote-ts': ['10.4.0.0/24'] },
          },
        },
        roadwarrior: {
          local_addrs: ['%any'],
          remote_addrs: ['%any'],
          version: 'IKEv2',
          'local-1': { class: 'public key' },
          'remote-1': { class: 'EAP' },
          children: { rw: { mode: 'TUNNEL', 'local-ts': ['0.0.0.0/0'], 'remote-ts': ['dynamic'] } },
        },
      }),
    ),
  );
}

export function totals(ikes: ReadonlyMap<string, IkeRow>): Totals {
  let established = 0;
  let connecting = 0;
  let child = 0;
  for (const r of ikes.values()) {
    if (r.sa.state === 'ESTABLISHED') established++;
    if (r.sa.state === 'CONNECTING') connecting++;
    child += r.children.length;
  }
  return {
    ike: ikes.size,
    established,
    connecting,
    halfOpen: 0,
    child,
    rateIn: 2048,
    rateOut: 1024,
  };
}

export function snapshot(rows: IkeRow[], over: Partial<MonitorSnapshot> = {}): MonitorSnapshot {
  const ikes = new Map(rows.map((r) => [r.key, r]));
  return {
    version: 1,
    host: 'moon.lab',
    daemon: {
      daemon: 'charon',
      version: '5.9.8',
      sysname: 'Linux',
      release: '6.1.0',
      machine: 'x86_64',
    },
    link: { kind: 'live', since: T0 - 60_000 },
    stale: false,
    ikes,
    totals: totals(ikes),
    stats: undefined,
    conns: [],
    events: { entries: [], capacity: 1000, dropped: 0, undelivered: 0, total: 0 },
    poll: { mode: 'full', share: 0.01, budget: 0.1 },
    lastUpdateAt: T0,
    intervalMs: 1000,
    readOnly: false,
    ...over,
  };
}

let seq = 0;
export function event(text: string, over: Partial<EventEntry> = {}): EventEntry {
  seq += 1;
  return { seq, at: T0 + seq, kind: 'log', level: 1, group: 'IKE', tone: 'plain', text, ...over };
}

export function sampleRows(n: number, listedAt = T0): IkeRow[] {
  const out: IkeRow[] = [];
  for (let i = 1; i <= n; i++)
    out.push(ikeRow(parseIke(`conn-${i}`, ikeTree(i)), listedAt, { in: 1000 * i, out: 500 * i }));
  return out;
}

/** A Key with nothing pressed, to spread special keys onto. */
export const noKey: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};
