import http from 'node:http';
import { hostname } from 'node:os';
import { createMonitor } from '../monitor/monitor.js';
import type { ChildRow, Monitor, MonitorSnapshot } from '../monitor/types.js';
import { packageVersion } from '../package-info.js';
import { TrafficAccumulator } from './accumulator.js';
import { DaemonFeed } from './daemon-feed.js';
import type { ListenAddress } from './listen-address.js';
import { Exposition } from './metrics.js';
import { EventCounts, instanceOf, observation, tally } from './tally.js';
import { aggregate, downReason, type View } from './view.js';

/*
 * `swantop --exporter`: the monitor's store, no screen, and an HTTP server that renders the
 * store's latest snapshot as Prometheus metrics. A scrape never asks the daemon anything; the
 * store's budgeted scheduler decides what is listed and when, on an interval made for
 * scrapes (30 s by default) rather than for a screen.
 */

/** How often the traffic counters are refreshed by default in exporter mode (ms). */
export const EXPORTER_INTERVAL_MS = 30_000;
/**
 * The share of the daemon's time the exporter's listings may take, by default. Lower than the
 * screen's 5 %: an exporter runs all day on every gateway, not for the minutes someone watches,
 * and at 5,000 SAs 5 % is a tenth of what listing on every 5-s scrape costs (the bench's
 * reference), where the exporter should stay under a twenty-fifth. Below ~1,000 SAs a full
 * listing every interval fits either way; beyond, full listings are spaced further apart.
 */
export const EXPORTER_BUDGET = 0.02;
const PRUNE_EVERY_MS = 60_000;
const WALK_EVERY_MS = 1_000;

export interface ExporterOptions {
  /** The daemon's vici socket; strongSwan's default if absent. */
  uri?: string;
  listen: ListenAddress;
  /** How often stats and SAs are refreshed (ms); default EXPORTER_INTERVAL_MS. */
  intervalMs?: number;
  /** Share of the daemon's time listings may take (0..1); default EXPORTER_BUDGET. */
  budget?: number;
  /** Add strongswan_sa_info, one series per CHILD_SA (small site-to-site setups only). */
  saInfo?: boolean;
}

/** The exporter cannot serve (port taken, no permission); the message is one line. */
export class ExporterError extends Error {
  override name = 'ExporterError';
}

export class Exporter {
  readonly monitor: Monitor;
  private readonly feed: DaemonFeed;
  private readonly traffic = new TrafficAccumulator();
  private readonly counts = new EventCounts();
  private readonly exposition: Exposition;
  private readonly saInfo: boolean;
  private readonly version = swantopVersion();
  private server: http.Server | undefined;
  private off: (() => void) | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private lastIkes: MonitorSnapshot['ikes'] | undefined;
  private lastConns: MonitorSnapshot['conns'] | undefined;
  private seen = new WeakSet<ChildRow>();
  private walkTimer: NodeJS.Timeout | undefined;
  /** The last scrape's aggregate, kept while the rows and connections are the same objects. */
  private aggregated:
    | {
        ikes: MonitorSnapshot['ikes'];
        conns: MonitorSnapshot['conns'];
        agg: ReturnType<typeof aggregate>;
      }
    | undefined;
  private wasLive = false;
  /** Set once the link was live: the next time it is live again counts as a reconnect. */
  private reconnectable = false;
  private reconnects = 0;

  constructor(private readonly opts: ExporterOptions) {
    const intervalMs = opts.intervalMs ?? EXPORTER_INTERVAL_MS;
    this.saInfo = opts.saInfo ?? false;
    this.monitor = createMonitor({
      uri: opts.uri,
      intervalMs,
      budget: opts.budget ?? EXPORTER_BUDGET,
      readOnly: true,
      host: hostname(),
      // Nobody reads the feed's text here; keep only a little of it.
      eventCapacity: 256,
    });
    this.feed = new DaemonFeed({
      uri: opts.uri,
      intervalMs,
      budget: opts.budget ?? EXPORTER_BUDGET,
      onEvent: (ev, at) => tally(ev, at, this.counts, this.traffic),
    });
    this.exposition = new Exposition(this.saInfo);
  }

  /** Connect to the daemon and listen; resolves with the address bound. */
  async start(): Promise<ListenAddress> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(listenError(err, this.opts.listen)),
      );
      server.listen(this.opts.listen.port, this.opts.listen.host, () => resolve());
    });
    this.server = server;
    this.off = this.monitor.subscribe(() => this.onSnapshot(this.monitor.getSnapshot(), false));
    this.monitor.start();
    this.feed.start();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    const a = server.address();
    return typeof a === 'object' && a ? { host: a.address, port: a.port } : this.opts.listen;
  }

  async stop(): Promise<void> {
    this.off?.();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    if (this.walkTimer) clearTimeout(this.walkTimer);
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    await Promise.allSettled([
      new Promise<void>((r) => (server ? server.close(() => r()) : r())),
      this.monitor.stop(),
      this.feed.stop(),
    ]);
  }

  /** The text a scrape gets now. */
  scrape(): Promise<string> {
    return this.exposition.render(this.view());
  }

  get contentType(): string {
    return this.exposition.contentType;
  }

  private view(): View {
    const started = performance.now();
    const snap = this.monitor.getSnapshot();
    this.onSnapshot(snap, true);
    const reason = downReason(snap);
    const live = reason === undefined;
    const agg: ReturnType<typeof aggregate> = live
      ? this.aggregate(snap)
      : { conns: new Map(), children: new Map() };
    return {
      now: Date.now(),
      snap,
      live,
      reason,
      conns: agg.conns,
      children: agg.children,
      saInfo: agg.saInfo,
      traffic: this.traffic.totals(),
      counts: this.counts,
      reconnects: this.reconnects,
      pools: this.feed.pools,
      counters: this.feed.counters,
      eventsDropped: this.feed.dropped,
      swantopVersion: this.version,
      builtMs: performance.now() - started,
    };
  }

  private aggregate(snap: MonitorSnapshot): ReturnType<typeof aggregate> {
    const a = this.aggregated;
    if (a && a.ikes === snap.ikes && a.conns === snap.conns) return a.agg;
    const agg = aggregate(snap, this.saInfo);
    this.aggregated = { ikes: snap.ikes, conns: snap.conns, agg };
    return agg;
  }

  /** Fold a snapshot's counters in; rows the store did not touch keep their objects and are skipped. */
  private onSnapshot(s: MonitorSnapshot, now: boolean): void {
    const live = s.link.kind === 'live';
    if (live && !this.wasLive && this.reconnectable) this.reconnects++;
    if (live) this.reconnectable = true;
    this.wasLive = live;
    if (s.conns !== this.lastConns) {
      this.lastConns = s.conns;
      for (const conn of s.conns) {
        const children = conn.children.map((c) => c.name);
        this.counts.declare(conn.name, children);
        for (const child of children) this.traffic.declare(conn.name, child);
      }
    }
    if (s.ikes === this.lastIkes) return;
    // During a listing of thousands of SAs the store publishes every 40 ms; walking every row
    // each time is wasted: counters only grow, so the newest reading of each SA is enough.
    // Rows are walked at each scrape, and at most once a second in between (so an SA that
    // leaves without a final event still had its last counts read).
    if (!now) {
      this.walkTimer ??= setTimeout(() => {
        this.walkTimer = undefined;
        this.onSnapshot(this.monitor.getSnapshot(), true);
      }, WALK_EVERY_MS);
      return;
    }
    this.lastIkes = s.ikes;
    const at = Date.now();
    for (const row of s.ikes.values()) {
      for (const c of row.children) {
        if (this.seen.has(c)) continue;
        this.seen.add(c);
        this.traffic.observe(observation(row.sa.name, c.sa), at);
      }
    }
  }

  private prune(): void {
    const live = new Set<string>();
    for (const row of this.monitor.getSnapshot().ikes.values()) {
      for (const c of row.children) live.add(instanceOf(c.sa));
    }
    this.traffic.prune(live, Date.now());
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('GET only\n');
      return;
    }
    try {
      if (path === '/metrics') {
        const body = await this.scrape();
        res
          .writeHead(200, { 'content-type': this.contentType })
          .end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      if (path === '/healthz') {
        // The exporter's own health: it serves whether or not the daemon is up (that is
        // strongswan_up's job), so a liveness probe does not restart it while charon is down.
        const reason = downReason(this.monitor.getSnapshot());
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`ok; daemon: ${reason ?? 'up'}\n`);
        return;
      }
      if (path === '/') {
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(
            '<html><head><title>swantop exporter</title></head><body><h1>swantop exporter</h1><p><a href="/metrics">Metrics</a> · <a href="/healthz">Health</a></p></body></html>\n',
          );
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
    } catch (err) {
      res
        .writeHead(500, { 'content-type': 'text/plain' })
        .end(`${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}

function listenError(err: NodeJS.ErrnoException, at: ListenAddress): Error {
  const where = `${at.host.includes(':') ? `[${at.host}]` : at.host}:${at.port}`;
  if (err.code === 'EADDRINUSE')
    return new ExporterError(`${where} is already in use; pick another with --exporter HOST:PORT`);
  if (err.code === 'EACCES') return new ExporterError(`no permission to listen on ${where}`);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
    return new ExporterError(`${at.host} is not an address of this machine`);
  return new ExporterError(`cannot listen on ${where}: ${err.message}`);
}

function swantopVersion(): string {
  // From package.json, or from the bundle when packaged (no package.json beside it).
  return packageVersion();
}
