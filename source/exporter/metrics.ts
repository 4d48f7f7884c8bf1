import { Counter, Gauge, Registry } from 'prom-client';
import { splitKey } from './tally.js';
import type { View } from './view.js';

/*
 * The exposition, in Prometheus' conventions: units in the names, `_total` on counters, labels
 * only from configuration (connection, child, direction, state, pool, priority, alert type).
 * Two registries: `always` holds what stays true while the daemon is gone (our counters, the
 * reason it is gone); `live` holds what the daemon reports now, and is left out entirely while
 * it cannot be asked, so no stale figure is ever served as current.
 */

type Fill<T extends string> = (m: Gauge<T> | Counter<T>, v: View) => void;

export class Exposition {
  readonly always = new Registry();
  readonly live = new Registry();
  private view: View | undefined;
  private lastScrapeS: number | undefined;

  constructor(withSaInfo: boolean) {
    this.define();
    if (withSaInfo) this.defineSaInfo();
  }

  get contentType(): string {
    return this.always.contentType;
  }

  /** The text of one scrape of `v`. */
  async render(v: View): Promise<string> {
    const started = performance.now();
    this.view = { ...v, lastScrapeS: this.lastScrapeS };
    try {
      const always = await this.always.metrics();
      return v.live ? always + (await this.live.metrics()) : always;
    } finally {
      this.view = undefined;
      this.lastScrapeS = (performance.now() - started + v.builtMs) / 1000;
    }
  }

  private metric<T extends string>(
    kind: 'gauge' | 'counter',
    reg: Registry,
    name: string,
    help: string,
    labelNames: readonly T[],
    fill: Fill<T>,
  ): void {
    const self = this;
    const config = {
      name,
      help,
      labelNames,
      registers: [reg],
      collect(this: Gauge<T> | Counter<T>) {
        this.reset();
        if (self.view) fill(this, self.view);
      },
    };
    if (kind === 'gauge') new Gauge<T>(config);
    else new Counter<T>(config);
  }

  private define(): void {
    const g = <T extends string>(
      reg: Registry,
      n: string,
      h: string,
      l: readonly T[],
      f: Fill<T>,
    ) => this.metric('gauge', reg, n, h, l, f);
    const c = <T extends string>(
      reg: Registry,
      n: string,
      h: string,
      l: readonly T[],
      f: Fill<T>,
    ) => this.metric('counter', reg, n, h, l, f);
    const { always, live } = this;

    // --- always -----------------------------------------------------------------------------
    g(
      always,
      'strongswan_up',
      'Whether the daemon answers and its figures below are current (1) or not (0).',
      [],
      (m, v) => set(m, {}, v.live ? 1 : 0),
    );
    g(
      always,
      'strongswan_down_info',
      'Present while strongswan_up is 0: why.',
      ['reason'],
      (m, v) => {
        if (!v.live) set(m, { reason: v.reason ?? 'unknown' }, 1);
      },
    );
    g(always, 'swantop_build_info', "The exporter's version.", ['version'], (m, v) =>
      set(m, { version: v.swantopVersion }, 1),
    );
    c(
      always,
      'swantop_exporter_reconnects_total',
      'Times the exporter connected to the daemon again after losing it.',
      [],
      (m, v) => inc(m, {}, v.reconnects),
    );
    c(
      always,
      'swantop_exporter_events_dropped_total',
      'Daemon events the exporter could not take in time (its counts may miss them).',
      [],
      (m, v) => inc(m, {}, v.eventsDropped + v.snap.events.undelivered),
    );
    c(
      always,
      'strongswan_child_sa_bytes_total',
      'Bytes carried per connection, child and direction, added up across CHILD_SA rekeys, tunnels going down and up, and daemon restarts.',
      ['connection', 'child', 'direction'],
      (m, v) => {
        for (const t of v.traffic) {
          inc(m, { connection: t.conn, child: t.child, direction: 'in' }, t.bytesIn);
          inc(m, { connection: t.conn, child: t.child, direction: 'out' }, t.bytesOut);
        }
      },
    );
    c(
      always,
      'strongswan_child_sa_packets_total',
      'Packets carried per connection, child and direction, added up like strongswan_child_sa_bytes_total.',
      ['connection', 'child', 'direction'],
      (m, v) => {
        for (const t of v.traffic) {
          inc(m, { connection: t.conn, child: t.child, direction: 'in' }, t.packetsIn);
          inc(m, { connection: t.conn, child: t.child, direction: 'out' }, t.packetsOut);
        }
      },
    );
    c(
      always,
      'strongswan_ike_sa_events_total',
      'IKE_SA events per connection: up, down, rekey.',
      ['connection', 'event'],
      (m, v) => {
        for (const [k, n] of v.counts.ike) {
          const [connection = '', event = ''] = splitKey(k);
          inc(m, { connection, event }, n);
        }
      },
    );
    c(
      always,
      'strongswan_child_sa_events_total',
      'CHILD_SA events per connection and child: up, down, rekey.',
      ['connection', 'child', 'event'],
      (m, v) => {
        for (const [k, n] of v.counts.child) {
          const [connection = '', child = '', event = ''] = splitKey(k);
          inc(m, { connection, child, event }, n);
        }
      },
    );
    c(
      always,
      'strongswan_alerts_total',
      "The daemon's alert events by type (strongSwan 5.9.9 and later).",
      ['type'],
      (m, v) => {
        for (const [type, n] of v.counts.alerts) inc(m, { type }, n);
      },
    );
    g(
      always,
      'swantop_exporter_last_listing_timestamp_seconds',
      'When the traffic counters were last refreshed by a full listing of the SAs (events refresh them in between).',
      [],
      (m, v) => {
        if (v.snap.poll.lastFullAt !== undefined) set(m, {}, v.snap.poll.lastFullAt / 1000);
      },
    );

    g(
      always,
      'swantop_exporter_next_listing_timestamp_seconds',
      "When the store's scheduler plans the next full listing: with thousands of SAs it spaces them out to keep within the daemon's budget.",
      [],
      (m, v) => {
        if (v.snap.poll.nextFullAt !== undefined) set(m, {}, v.snap.poll.nextFullAt / 1000);
      },
    );
    g(
      always,
      'swantop_exporter_scrape_duration_seconds',
      'How long the previous scrape took to build and render (the exposition, prom-client included).',
      [],
      (m, v) => {
        if (v.lastScrapeS !== undefined) set(m, {}, v.lastScrapeS);
      },
    );

    // --- live -------------------------------------------------------------------------------
    g(
      live,
      'strongswan_build_info',
      "The daemon's name and version, and the system it runs on.",
      ['daemon', 'version', 'sysname', 'release', 'machine'],
      (m, v) => {
        const d = v.snap.daemon;
        if (d)
          set(
            m,
            {
              daemon: d.daemon ?? '',
              version: d.version ?? '',
              sysname: d.sysname ?? '',
              release: d.release ?? '',
              machine: d.machine ?? '',
            },
            1,
          );
      },
    );
    g(
      live,
      'strongswan_start_time_seconds',
      'When the daemon started (s since the epoch).',
      [],
      (m, v) => {
        const t = startTime(v.snap.stats?.uptimeSince);
        if (t !== undefined) set(m, {}, t);
      },
    );
    g(
      live,
      'strongswan_worker_threads',
      'Worker threads: idle, and active by the priority of their job (their sum is the pool).',
      ['state'],
      (m, v) => {
        const st = v.snap.stats;
        if (!st) return;
        if (st.workersIdle !== undefined) set(m, { state: 'idle' }, st.workersIdle);
        for (const [p, n] of Object.entries(st.workersActive)) set(m, { state: p }, n);
      },
    );
    g(
      live,
      'strongswan_job_queue_jobs',
      'Jobs waiting for a worker, by priority.',
      ['priority'],
      (m, v) => {
        for (const [p, n] of Object.entries(v.snap.stats?.queues ?? {})) set(m, { priority: p }, n);
      },
    );
    g(live, 'strongswan_scheduled_jobs', 'Jobs scheduled for later.', [], (m, v) => {
      if (v.snap.stats?.scheduled !== undefined) set(m, {}, v.snap.stats.scheduled);
    });
    g(live, 'strongswan_ike_sas', 'IKE_SAs the daemon holds (its own count).', [], (m, v) => {
      if (v.snap.stats?.ikeSasTotal !== undefined) set(m, {}, v.snap.stats.ikeSasTotal);
    });
    g(live, 'strongswan_ike_sas_half_open', 'IKE_SAs half open (its own count).', [], (m, v) => {
      if (v.snap.stats?.ikeSasHalfOpen !== undefined) set(m, {}, v.snap.stats.ikeSasHalfOpen);
    });
    g(live, 'strongswan_pool_addresses', 'Addresses in each virtual IP pool.', ['pool'], (m, v) => {
      for (const p of v.pools ?? []) if (p.size !== undefined) set(m, { pool: p.name }, p.size);
    });
    g(
      live,
      'strongswan_pool_leases',
      'Leases of each pool: online (in use) and offline (kept for a returning client).',
      ['pool', 'state'],
      (m, v) => {
        for (const p of v.pools ?? []) {
          if (p.online !== undefined) set(m, { pool: p.name, state: 'online' }, p.online);
          if (p.offline !== undefined) set(m, { pool: p.name, state: 'offline' }, p.offline);
        }
      },
    );
    c(
      live,
      'strongswan_ike_messages_total',
      'IKE messages by exchange, direction and request/response (get-counters; needs the counters plugin).',
      ['exchange', 'direction', 'kind'],
      (m, v) => {
        for (const [name, n] of Object.entries(v.counters ?? {})) {
          const x = MESSAGE.exec(name);
          if (x) inc(m, { exchange: x[1]!, direction: x[2]!, kind: x[3]! }, n);
        }
      },
    );
    c(
      live,
      'strongswan_ike_message_events_total',
      'The other get-counters counts: ike-rekey-init, ike-rekey-resp, child-rekey, invalid, invalid-spi.',
      ['event'],
      (m, v) => {
        for (const [name, n] of Object.entries(v.counters ?? {})) {
          if (!MESSAGE.test(name)) inc(m, { event: name }, n);
        }
      },
    );
    g(
      live,
      'strongswan_connection_configured',
      'Connections loaded (list-conns): 1 each.',
      ['connection'],
      (m, v) => {
        for (const conn of v.snap.conns) set(m, { connection: conn.name }, 1);
      },
    );
    g(
      live,
      'strongswan_child_configured',
      'CHILD_SA configs loaded (list-conns): 1 each.',
      ['connection', 'child'],
      (m, v) => {
        for (const conn of v.snap.conns)
          for (const ch of conn.children) set(m, { connection: conn.name, child: ch.name }, 1);
      },
    );
    g(
      live,
      'strongswan_connection_ike_sas_up',
      'IKE_SAs ESTABLISHED per connection (0 for a configured one that is down).',
      ['connection'],
      (m, v) => {
        for (const a of v.conns.values()) set(m, { connection: a.conn }, a.up);
      },
    );
    g(
      live,
      'strongswan_connection_ike_sas',
      'IKE_SAs per connection and state.',
      ['connection', 'state'],
      (m, v) => {
        for (const a of v.conns.values())
          for (const [state, n] of a.states) set(m, { connection: a.conn, state }, n);
      },
    );
    g(
      live,
      'strongswan_child_sas_up',
      'CHILD_SAs INSTALLED per connection and child (0 for a configured one that is down).',
      ['connection', 'child'],
      (m, v) => {
        for (const a of v.children.values()) set(m, { connection: a.conn, child: a.child }, a.up);
      },
    );
    g(
      live,
      'strongswan_ike_sa_established_timestamp_seconds',
      "When the connection's newest ESTABLISHED IKE_SA was established.",
      ['connection'],
      (m, v) => {
        for (const a of v.conns.values())
          if (a.establishedAt !== undefined) set(m, { connection: a.conn }, a.establishedAt);
      },
    );
    g(
      live,
      'strongswan_child_sa_installed_timestamp_seconds',
      "When the child's newest INSTALLED CHILD_SA was installed.",
      ['connection', 'child'],
      (m, v) => {
        for (const a of v.children.values())
          if (a.installedAt !== undefined)
            set(m, { connection: a.conn, child: a.child }, a.installedAt);
      },
    );
    g(
      live,
      'swantop_exporter_daemon_share_ratio',
      "Share of the daemon's time the exporter's listings took over the last minute.",
      [],
      (m, v) => set(m, {}, v.snap.poll.share),
    );
  }

  private defineSaInfo(): void {
    this.metric(
      'gauge',
      this.live,
      'strongswan_sa_info',
      'One per CHILD_SA with its ids, addresses, identity, selectors and SPIs (opt-in: one series per SA, changing at every rekey).',
      [
        'connection',
        'child',
        'ike_id',
        'child_id',
        'state',
        'local_host',
        'remote_host',
        'remote_id',
        'local_ts',
        'remote_ts',
        'spi_in',
        'spi_out',
      ],
      (m, v) => {
        for (const s of v.saInfo ?? []) {
          set(
            m,
            {
              connection: s.conn,
              child: s.child,
              ike_id: s.ikeId,
              child_id: s.childId,
              state: s.state,
              local_host: s.localHost,
              remote_host: s.remoteHost,
              remote_id: s.remoteId,
              local_ts: s.localTs,
              remote_ts: s.remoteTs,
              spi_in: s.spiIn,
              spi_out: s.spiOut,
            },
            1,
          );
        }
      },
    );
  }
}

/** get-counters' message counters: `ike-init-in-req`, `create-child-out-resp`... */
const MESSAGE = /^(.+)-(in|out)-(req|resp)$/;

function set<T extends string>(
  m: Gauge<T> | Counter<T>,
  labels: Partial<Record<T, string>>,
  value: number,
): void {
  if (!Number.isFinite(value)) return;
  (m as Gauge<T>).set(labels, value);
}

function inc<T extends string>(
  m: Gauge<T> | Counter<T>,
  labels: Partial<Record<T, string>>,
  value: number,
): void {
  if (!Number.isFinite(value) || value < 0) return;
  (m as Counter<T>).inc(labels, value);
}

/** stats' `since` ("Dec 01 21:30:00 2026", local time) as s since the epoch. */
export function startTime(since: string | undefined): number | undefined {
  if (!since) return undefined;
  const ms = Date.parse(since);
  return Number.isFinite(ms) ? Math.round(ms / 1000) : undefined;
}
