import type { IkeRow, MonitorSnapshot } from '../monitor/types.js';
import type { Pool } from '../vici/index.js';
import type { SeriesTotals } from './accumulator.js';
import type { EventCounts } from './tally.js';

/*
 * What one scrape shows, gathered once per scrape from the store's snapshot and the feed.
 * Everything SA-shaped is folded into series named by configuration here, so the number of
 * series follows the number of connections, not of SAs.
 */

export interface ChildAggregate {
  conn: string;
  child: string;
  /** CHILD_SAs INSTALLED now. */
  up: number;
  /** Newest install time among them (s since epoch). */
  installedAt?: number;
}

export interface ConnAggregate {
  conn: string;
  /** IKE_SAs by state. */
  states: Map<string, number>;
  /** IKE_SAs ESTABLISHED now. */
  up: number;
  /** Newest establishment time among them (s since epoch). */
  establishedAt?: number;
}

export interface SaInfo {
  conn: string;
  child: string;
  ikeId: string;
  childId: string;
  state: string;
  localHost: string;
  remoteHost: string;
  remoteId: string;
  localTs: string;
  remoteTs: string;
  spiIn: string;
  spiOut: string;
}

export interface View {
  now: number;
  snap: MonitorSnapshot;
  /** The daemon answers and the store vouches for its rows. */
  live: boolean;
  /** Why not, when not live. */
  reason?: string;
  conns: Map<string, ConnAggregate>;
  children: Map<string, ChildAggregate>;
  traffic: readonly SeriesTotals[];
  counts: EventCounts;
  reconnects: number;
  pools?: readonly Pool[];
  counters?: Readonly<Record<string, number>>;
  eventsDropped: number;
  saInfo?: SaInfo[];
  swantopVersion: string;
  /** How long building this view took (ms): part of the scrape's cost. */
  builtMs: number;
  /** The previous scrape's whole duration (s), filled in by the exposition. */
  lastScrapeS?: number;
}

/** Why the exporter cannot vouch for the daemon right now, or undefined when it can. */
export function downReason(s: MonitorSnapshot): string | undefined {
  switch (s.link.kind) {
    case 'connecting':
      return 'connecting to the daemon';
    case 'reconnecting':
      return s.link.reason;
    case 'closed':
      return 'the exporter is stopping';
  }
  if (s.stalled) return `the daemon does not answer: ${s.stalled.reason}`;
  if (s.stale) return 'waiting for the first listing since the daemon came back';
  return undefined;
}

const key = (...parts: string[]) => parts.join('\u0000');

/** Per connection and child: how many SAs are up, and since when the newest. */
export function aggregate(
  s: MonitorSnapshot,
  withInfo: boolean,
): {
  conns: Map<string, ConnAggregate>;
  children: Map<string, ChildAggregate>;
  saInfo?: SaInfo[];
} {
  const conns = new Map<string, ConnAggregate>();
  const children = new Map<string, ChildAggregate>();
  const connOf = (name: string) => {
    let c = conns.get(name);
    if (!c) {
      c = { conn: name, states: new Map(), up: 0 };
      conns.set(name, c);
    }
    return c;
  };
  const childOf = (conn: string, child: string) => {
    const k = key(conn, child);
    let c = children.get(k);
    if (!c) {
      c = { conn, child, up: 0 };
      children.set(k, c);
    }
    return c;
  };
  // Configured ones first, at zero: a tunnel that is down reads 0 instead of vanishing.
  for (const conn of s.conns) {
    connOf(conn.name);
    for (const ch of conn.children) childOf(conn.name, ch.name);
  }
  const saInfo: SaInfo[] | undefined = withInfo ? [] : undefined;
  for (const row of s.ikes.values()) add(row, connOf, childOf, saInfo);
  return { conns, children, saInfo };
}

function add(
  row: IkeRow,
  connOf: (n: string) => ConnAggregate,
  childOf: (c: string, n: string) => ChildAggregate,
  saInfo: SaInfo[] | undefined,
): void {
  const sa = row.sa;
  const c = connOf(sa.name);
  c.states.set(sa.state, (c.states.get(sa.state) ?? 0) + 1);
  if (sa.state === 'ESTABLISHED') {
    c.up++;
    if (sa.established !== undefined) {
      const at = Math.round(row.listedAt / 1000 - sa.established);
      c.establishedAt = Math.max(c.establishedAt ?? at, at);
    }
  }
  for (const ch of row.children) {
    const agg = childOf(sa.name, ch.sa.name);
    if (ch.sa.state === 'INSTALLED') {
      agg.up++;
      if (ch.sa.installTime !== undefined) {
        const at = Math.round(ch.listedAt / 1000 - ch.sa.installTime);
        agg.installedAt = Math.max(agg.installedAt ?? at, at);
      }
    }
    saInfo?.push({
      conn: sa.name,
      child: ch.sa.name,
      ikeId: sa.uniqueid,
      childId: ch.sa.uniqueid,
      state: ch.sa.state,
      localHost: sa.localHost ?? '',
      remoteHost: sa.remoteHost ?? '',
      remoteId: sa.remoteId ?? '',
      localTs: ch.sa.localTs.join(','),
      remoteTs: ch.sa.remoteTs.join(','),
      spiIn: ch.sa.spiIn ?? '',
      spiOut: ch.sa.spiOut ?? '',
    });
  }
}
