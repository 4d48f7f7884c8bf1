import { hostname } from 'node:os';
import { Session } from '../vici/session.js';
import type { Stats } from '../vici/views.js';
import { type Listed, RowTable } from './row-table.js';
import { decodeListSa } from './sa-decoder.js';
import { closeQuietly, type SessionPort } from './session-port.js';
import { computeTotals, MonitorStore } from './store.js';
import type { DaemonInfo, IkeRow, Monitor, Totals } from './types.js';

export { Commander, describeTarget, validGateway } from './commander.js';
export { EventRing } from './event-log.js';
export { firstLine } from './first-line.js';
export { gatewayIsSelf, gatewayProblem } from './gateway.js';
export { type IndexDelta, LiveIndex } from './live-index.js';
export { readEvent } from './read-event.js';
export { RowTable } from './row-table.js';
export * from './scheduler.js';
export { closeQuietly, type SessionPort } from './session-port.js';
export { computeTotals, MonitorStore } from './store.js';
export type * from './types.js';

export interface MonitorOptions {
  /** The daemon's vici socket (unix:///path, tcp://host:port or a path); strongSwan's default if absent. */
  uri?: string;
  /** Opens one connection; replaces `uri` (tests, other transports). Called three times per link. */
  connect?: () => Promise<SessionPort>;
  /** Poll interval (ms), default 2000. */
  intervalMs?: number;
  /** Refuse every action (the Commander sends nothing). */
  readOnly?: boolean;
  /** Share of the daemon's time our listings may take (0..1), default 0.05. */
  budget?: number;
  /** The wall clock (ms since epoch); injectable for tests. */
  now?: () => number;
  /** What the header calls the daemon; default the uri, else this machine's name. */
  host?: string;
  /** Entries kept in the events feed, default 10,000. */
  eventCapacity?: number;
  /** Bounds each connection attempt (ms), default 5000. */
  connectTimeoutMs?: number;
}

function connector(uri: string | undefined, timeoutMs: number): () => Promise<SessionPort> {
  return () => Session.connect({ uri, timeoutMs });
}

/** The live store. Call `start()` to connect; `stop()` closes every connection. */
export function createMonitor(opts: MonitorOptions = {}): Monitor {
  return new MonitorStore({
    connect: opts.connect ?? connector(opts.uri, opts.connectTimeoutMs ?? 5_000),
    host: opts.host ?? opts.uri ?? hostname(),
    intervalMs: opts.intervalMs,
    readOnly: opts.readOnly,
    budget: opts.budget,
    now: opts.now,
    eventCapacity: opts.eventCapacity,
  });
}

export interface OnceSnapshot {
  host: string;
  daemon?: DaemonInfo;
  /** In the daemon's order, built exactly like the live store's rows. */
  ikes: IkeRow[];
  totals: Totals;
  stats?: Stats;
  /** When the listing finished (ms). */
  listedAt: number;
}

/**
 * One listing for `--once`: connect, list every SA, close. Rejects with the vici error
 * (ConnectError, TimeoutError, CommandError) whose message is one line for the user.
 */
export async function snapshotOnce(opts: {
  uri?: string;
  connect?: () => Promise<SessionPort>;
  timeoutMs?: number;
  host?: string;
  now?: () => number;
}): Promise<OnceSnapshot> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const now = opts.now ?? Date.now;
  const session = await (opts.connect ?? connector(opts.uri, timeoutMs))();
  try {
    const v = await session.version({ timeoutMs });
    const stats = await session.stats({ timeoutMs });
    const startedAt = now();
    const listed: Listed[] = [];
    // One listing, so it may wait for busy IKE_SAs (no `noblock`): the answer is complete.
    const stream = session.listSasBodies({}, { timeoutMs });
    for await (const body of stream) {
      const at = now();
      for (const ike of decodeListSa(body)) listed.push({ ike, at });
    }
    await stream.result;
    const table = new RowTable();
    table.applyFull(listed, startedAt);
    const rows = table.snapshot();
    return {
      host: opts.host ?? opts.uri ?? hostname(),
      daemon: {
        daemon: v.daemon,
        version: v.version,
        sysname: v.sysname,
        release: v.release,
        machine: v.machine,
      },
      ikes: [...rows.values()],
      totals: computeTotals(rows, stats),
      stats,
      listedAt: now(),
    };
  } finally {
    await closeQuietly(session);
  }
}
