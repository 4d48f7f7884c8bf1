import type { Stats } from '../vici/views.js';
import { Commander } from './commander.js';
import { DeltaJournal } from './delta-journal.js';
import { Feed } from './feed.js';
import { firstLine } from './first-line.js';
import { DaemonLink } from './link.js';
import { Poller } from './poller.js';
import { RowTable } from './row-table.js';
import type { SessionPort } from './session-port.js';
import type {
  ActionResult,
  ActionStatus,
  Figures,
  IkeDelta,
  IkeRow,
  Monitor,
  MonitorActions,
  MonitorSnapshot,
  PollInfo,
  Progress,
  Totals,
} from './types.js';

/*
 * The store: composes the link (connections, reconnects, stalls), the feed (events → rows and
 * the event log), the poller (listings → rows, within the budget) and the Commander (actions)
 * around one row table, and publishes snapshots of them: the figures in a snapshot are fixed,
 * its `ikes` is a view of the live table, and its deltas (with a journal behind
 * `changesSince`) say which rows changed, so no publish copies or walks every row.
 */

export interface StoreOptions {
  /** Opens one connection to the daemon; called once per connection (three per link). */
  connect: () => Promise<SessionPort>;
  /** What the header calls the daemon. */
  host: string;
  intervalMs?: number;
  readOnly?: boolean;
  /** Share of the daemon's time our listings may take (0..1); default 0.05. */
  budget?: number;
  /** The wall clock (ms); injectable for tests. */
  now?: () => number;
  /**
   * CPU time this process has used (ms), to tell the daemon's part of a listing's wall time
   * from ours. Default: process.cpuUsage(); with an injected `now`, none (tests' virtual time).
   */
  cpuMs?: () => number;
  /** Entries kept in the events feed. */
  eventCapacity?: number;
}

/** Ordinary changes are published at most this often; up/down/rekey go out at once. */
const PUBLISH_EVERY_MS = 40;
const NO_CHANGE: IkeDelta = Object.freeze({ changed: [], gone: [], reordered: false });

export function computeTotals(ikes: ReadonlyMap<string, IkeRow>, stats?: Stats): Totals {
  return tally(ikes, stats).totals;
}

/** The totals, and whether any row has a rate yet (else the header's rate is unknown). */
function tally(
  ikes: ReadonlyMap<string, IkeRow>,
  stats?: Stats,
): { totals: Totals; rated: boolean } {
  let rated = false;
  const t: Totals = {
    ike: ikes.size,
    established: 0,
    connecting: 0,
    halfOpen: stats?.ikeSasHalfOpen ?? 0,
    child: 0,
    rateIn: 0,
    rateOut: 0,
  };
  for (const row of ikes.values()) {
    if (row.sa.state === 'ESTABLISHED') t.established++;
    else if (row.sa.state === 'CONNECTING') t.connecting++;
    // Ghosts (rekeyed away, going down) are shown for a moment but are not CHILD_SAs any more.
    t.child += row.childCount ?? row.children.filter((c) => !c.ghost).length;
    t.rateIn += row.rateIn ?? 0;
    t.rateOut += row.rateOut ?? 0;
    if (row.rateIn !== undefined || row.rateOut !== undefined) rated = true;
  }
  return { totals: t, rated };
}

export class MonitorStore implements Monitor {
  readonly actions: MonitorActions;

  private readonly now: () => number;
  private readonly readOnly: boolean;
  private readonly host: string;
  private readonly subscribers = new Set<() => void>();
  private readonly table = new RowTable();
  private readonly journal = new DeltaJournal();
  private readonly link: DaemonLink;
  private readonly feed: Feed;
  private readonly poller: Poller;
  private readonly commander: Commander;

  private snap: MonitorSnapshot;
  private stopped = false;
  /** The one status channel: every action's outcome, and the link's stall and recovery. */
  private status: ActionStatus | undefined;
  private progress: Progress | undefined;
  /** When the daemon last said anything (listing, stats, event). */
  private lastUpdateAt: number | undefined;
  /** Conditions actions wait for (an SA going down, coming up), checked as the rows change. */
  private readonly watchers = new Set<() => void>();

  private publishTimer: NodeJS.Timeout | undefined;
  private publishNow: NodeJS.Immediate | undefined;
  private lastPublishAt = 0;

  constructor(opts: StoreOptions) {
    const now = opts.now ?? Date.now;
    this.now = now;
    const cpuMs = opts.cpuMs ?? (opts.now ? () => 0 : ownCpuMs);
    this.readOnly = opts.readOnly ?? false;
    this.host = opts.host;
    const changed = (urgent: boolean) => this.changed(urgent);
    const note = (tone: 'plain' | 'warn' | 'error', text: string) => this.feed.note(tone, text);
    const heard = (at: number) => {
      this.lastUpdateAt = at;
    };
    this.link = new DaemonLink(opts.connect, {
      now,
      note,
      changed,
      up: async (s) => {
        await this.feed.start(s);
        if (this.link.alive(s)) void this.poller.run(s);
      },
      distrust: () => {
        this.table.markUntrusted();
        this.poller.distrust();
      },
      status: (level, text) => {
        this.status = { at: now(), level, text };
      },
    });
    this.feed = new Feed(
      this.table,
      {
        now,
        alive: (s) => this.link.alive(s),
        lose: (gen, err) => this.link.lose(gen, err),
        heard,
        changed,
      },
      opts.eventCapacity ?? 10_000,
    );
    this.poller = new Poller(
      this.table,
      {
        now,
        cpuMs,
        alive: (s) => this.link.alive(s),
        stall: (reason, at) => this.link.stall(reason, at),
        stalled: () => this.link.stalled !== undefined,
        recovered: () => this.link.recovered(),
        heard,
        lastHeard: () => this.lastUpdateAt,
        restarted: () => this.table.forgetLineages(),
        note,
        changed,
      },
      { intervalMs: opts.intervalMs, budget: opts.budget },
    );
    this.commander = new Commander({
      readOnly: this.readOnly,
      session: () => this.link.actions(),
      openPrivate: () => this.link.openPrivate(),
      now,
      status: (s) => {
        this.status = s;
        this.changed(true);
      },
      progress: (p) => {
        this.progress = p;
        this.changed(true);
      },
      refresh: (ids) => this.poller.refresh(ids),
      localHost: (id) => this.table.get(id)?.sa.localHost,
      whenGone: (id, ms) => this.watch(() => (this.table.get(id) ? undefined : now()), ms),
      idsOf: (conn, child) => {
        const ids = new Set<string>();
        for (const r of this.table.snapshot().values()) {
          if (r.sa.name !== conn) continue;
          for (const c of r.children) if (c.sa.name === child) ids.add(c.sa.uniqueid);
        }
        return ids;
      },
      whenUp: async (conn, child, known, ms) =>
        (await this.watch(() => (this.cameUp(conn, child, known) ? true : undefined), ms)) === true,
    });
    this.actions = {
      rekey: (t) => this.outcome('rekey', this.commander.rekey(t)),
      terminate: (t) => this.outcome('terminate', this.commander.terminate(t)),
      redirect: (t, gw) => this.outcome('redirect', this.commander.redirect(t, gw)),
      initiate: (c) => this.outcome('initiate', this.commander.initiate(c)),
      refreshConns: () => this.poller.refreshConns(),
      setIntervalMs: (ms) => {
        if (this.poller.setIntervalMs(ms)) this.changed(false);
      },
      setVisible: (ids) => this.poller.setVisible(ids),
      clearProgress: () => {
        if (!this.progress) return;
        this.progress = undefined;
        this.changed(false);
      },
    };
    this.snap = this.build(0);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.subscribers.add(listener);
    return () => {
      this.subscribers.delete(listener);
    };
  };

  getSnapshot = (): MonitorSnapshot => this.snap;

  start(): void {
    if (this.stopped) return;
    this.link.start();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const closing = this.link.stop();
    this.poller.wake();
    for (const w of [...this.watchers]) w();
    await closing;
    this.publish();
    if (this.publishTimer) clearTimeout(this.publishTimer);
    if (this.publishNow) clearImmediate(this.publishNow);
  }

  /**
   * The Commander reports every outcome on `status` itself; should it ever throw instead, the
   * failure still reaches the status line, once, and the caller gets it as a result.
   */
  private async outcome(action: string, p: Promise<ActionResult>): Promise<ActionResult> {
    try {
      return await p;
    } catch (err) {
      const result = { ok: false, text: `${action} failed: ${firstLine(err)}` };
      this.status = { at: this.now(), level: 'error', text: result.text };
      this.changed(true);
      return result;
    }
  }

  // --- what actions wait for ---------------------------------------------------------------

  /** Resolves with `check`'s first defined value as the rows change, or undefined after `ms`. */
  private watch<T>(check: () => T | undefined, ms: number): Promise<T | undefined> {
    return new Promise((resolve) => {
      const done = (v: T | undefined) => {
        clearTimeout(timer);
        this.watchers.delete(run);
        resolve(v);
      };
      const run = () => {
        if (this.stopped) return done(undefined);
        const v = check();
        if (v !== undefined) done(v);
      };
      const timer = setTimeout(() => done(undefined), ms);
      this.watchers.add(run);
      run();
    });
  }

  /** A CHILD_SA `child` not in `known` is installed under an established IKE_SA of `conn`. */
  private cameUp(conn: string, child: string, known: ReadonlySet<string>): boolean {
    for (const r of this.table.snapshot().values()) {
      if (r.sa.name !== conn || r.sa.state !== 'ESTABLISHED') continue;
      for (const c of r.children) {
        if (c.sa.name === child && c.sa.state === 'INSTALLED' && !known.has(c.sa.uniqueid)) {
          return true;
        }
      }
    }
    return false;
  }

  // --- publishing --------------------------------------------------------------------------

  /** Something changed: publish at once when urgent, otherwise with the next batch. */
  private changed(urgent: boolean): void {
    if (this.stopped) return;
    if (this.watchers.size > 0) for (const w of [...this.watchers]) w();
    if (urgent) {
      if (!this.publishNow) {
        this.publishNow = setImmediate(() => {
          this.publishNow = undefined;
          this.publish();
        });
      }
      return;
    }
    if (this.publishTimer || this.publishNow) return;
    const wait = Math.max(0, this.lastPublishAt + PUBLISH_EVERY_MS - performance.now());
    this.publishTimer = setTimeout(() => {
      this.publishTimer = undefined;
      this.publish();
    }, wait);
  }

  private publish(): void {
    if (this.publishTimer) {
      clearTimeout(this.publishTimer);
      this.publishTimer = undefined;
    }
    this.lastPublishAt = performance.now();
    const next = this.build(this.snap.version + 1);
    if (sameSnapshot(this.snap, next)) return;
    this.journal.record(next.version, next.delta ?? NO_CHANGE);
    this.snap = next;
    for (const listener of [...this.subscribers]) {
      try {
        listener();
      } catch {
        // A subscriber's failure is its own; the others still hear about the change.
      }
    }
  }

  private build(version: number): MonitorSnapshot {
    const prev = this.snap as MonitorSnapshot | undefined;
    const ikes = this.table.snapshot();
    const stats = this.poller.stats;
    // Kept by the table as rows change: no pass over every row per publish.
    let totals = this.table.totals(stats?.ikeSasHalfOpen ?? 0);
    if (prev && sameTotals(prev.totals, totals)) totals = prev.totals;
    const delta = prev && prev.ikes === ikes ? NO_CHANGE : this.table.takeDelta();
    const journal = this.journal;
    const changesSince = (since: number) => journal.between(since, version);
    const poll = this.poller.info();
    const link = this.link.state;
    const stale = !this.poller.trusted || this.link.stalled !== undefined || link.kind !== 'live';
    return {
      version,
      host: this.host,
      daemon: this.link.daemon,
      link,
      stale,
      ikes,
      totals,
      figures: this.figures(totals, stale, prev?.figures),
      delta,
      changesSince,
      stats,
      statsAt: this.poller.statsAt,
      conns: this.poller.conns,
      connsAt: this.poller.connsAt,
      events: this.feed.snapshot(this.link.undelivered()),
      poll: prev && samePoll(prev.poll, poll) ? prev.poll : poll,
      lastUpdateAt: this.lastUpdateAt,
      confirmedAt: this.table.refreshedTimes,
      status: this.status,
      stalled: this.link.stalled,
      progress: this.progress,
      intervalMs: this.poller.intervalMs,
      readOnly: this.readOnly,
    };
  }

  /** What the header may show as known, and whether it is live (see Figures). */
  private figures(totals: Totals, stale: boolean, prev: Figures | undefined): Figures {
    const counted = this.poller.listedOnce;
    const live = !stale && counted;
    const rated = live && this.table.rated;
    const f: Figures = {
      ike: counted ? totals.ike : null,
      established: counted ? totals.established : null,
      connecting: counted ? totals.connecting : null,
      halfOpen: this.poller.stats?.ikeSasHalfOpen ?? null,
      child: counted ? totals.child : null,
      rateIn: rated ? totals.rateIn : null,
      rateOut: rated ? totals.rateOut : null,
      stale: !live,
      asOf: this.lastUpdateAt,
    };
    if (prev && (Object.keys(f) as (keyof Figures)[]).every((k) => prev[k] === f[k])) return prev;
    return f;
  }
}

function sameTotals(a: Totals, b: Totals): boolean {
  return (Object.keys(b) as (keyof Totals)[]).every((k) => a[k] === b[k]);
}

function samePoll(a: PollInfo, b: PollInfo): boolean {
  return (
    a.mode === b.mode &&
    a.reason === b.reason &&
    a.lastFullAt === b.lastFullAt &&
    a.lastFullMs === b.lastFullMs &&
    a.nextFullAt === b.nextFullAt &&
    a.share === b.share &&
    a.budget === b.budget
  );
}

function sameSnapshot(a: MonitorSnapshot, b: MonitorSnapshot): boolean {
  for (const k of Object.keys(b) as (keyof MonitorSnapshot)[]) {
    // A new version and its own view of the journal, but nothing a reader would see.
    if (k === 'version' || k === 'changesSince') continue;
    if (a[k] !== b[k]) return false;
  }
  return true;
}

function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
