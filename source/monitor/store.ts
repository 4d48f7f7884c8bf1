import { EventUnknownError, TimeoutError } from '../vici/errors.js';
import type { ViciSection } from '../vici/message.js';
import type { Connection, IkeSa, Stats } from '../vici/views.js';
import { Commander } from './commander.js';
import { EventRing } from './event-log.js';
import { FEED_EVENTS, note, readEvent } from './events.js';
import { firstLine } from './first-line.js';
import { type Listed, RowTable } from './rows.js';
import {
  backoffMs,
  CostWindow,
  DEFAULT_BUDGET,
  daemonPartOfListing,
  fullCostEstimate,
  nextStep,
  type Plan,
  plan,
  smooth,
} from './scheduler.js';
import { closeQuietly, type ListenerPort, type SessionPort } from './session-port.js';
import type {
  ActionStatus,
  DaemonInfo,
  Figures,
  IkeRow,
  LinkState,
  Monitor,
  MonitorActions,
  MonitorSnapshot,
  PollInfo,
  Progress,
  Totals,
} from './types.js';
import { daemonRestarted, type UptimeSample } from './uptime.js';

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
const STATS_TIMEOUT_MS = 5_000;
/** A listing that delivers nothing for this long means a daemon that stopped answering. */
const LISTING_SILENCE_MS = 8_000;
const FILTERED_TIMEOUT_MS = 10_000;
const CONNS_EVERY_MS = 30_000;
const CONNS_TIMEOUT_MS = 15_000;
/** How long to wait for the event registrations before the first listing starts regardless. */
const REGISTER_WAIT_MS = 3_000;
const MAX_URGENT = 64;
const MIN_INTERVAL_MS = 250;
const MAX_INTERVAL_MS = 3_600_000;

interface Link {
  gen: number;
  poll: SessionPort;
  events: SessionPort;
  actions: SessionPort;
  listeners: ListenerPort[];
}

function isTimeout(err: unknown): boolean {
  return (
    err instanceof TimeoutError ||
    (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'))
  );
}

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

  private readonly connectFn: () => Promise<SessionPort>;
  private readonly now: () => number;
  private readonly cpuMs: () => number;
  private readonly budget: number;
  private readonly readOnly: boolean;
  private readonly host: string;
  private readonly subscribers = new Set<() => void>();
  private readonly table = new RowTable();
  private readonly log: EventRing;
  private readonly commander: Commander;
  private readonly costs: CostWindow;

  private snap: MonitorSnapshot;
  private link: LinkState;
  private gen = 0;
  private current: Link | undefined;
  /** Failed attempts since the link was last live. */
  private failures = 0;
  private started = false;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  private untrusted = true;
  private stalled: { since: number; reason: string } | undefined;
  /** The link was live at least once: only then can it be "lost". */
  private hadLink = false;
  /** A full listing finished at least once: only then are the counts known. */
  private listedOnce = false;
  /** Some row has a rate (from the last tally). */
  private rated = false;
  private daemon: DaemonInfo | undefined;
  /** The daemon's last `uptime`, across links, to tell a restart from a reconnect. */
  private uptime: UptimeSample | undefined;
  /** Conditions actions wait for (an SA going down, coming up), checked as the rows change. */
  private readonly watchers = new Set<() => void>();
  private stats: Stats | undefined;
  private statsAt: number | undefined;
  private conns: readonly Connection[] = [];
  private connsAt: number | undefined;
  private connsDue = true;
  private connsMs: number | undefined;
  private status: ActionStatus | undefined;
  private progress: Progress | undefined;
  private lastUpdateAt: number | undefined;
  private intervalMs: number;
  private visible: readonly string[] = [];
  private urgent: string[] = [];
  private needFull = true;
  private statsDueAt = 0;
  private fullMs: number | undefined;
  private lastFullMs: number | undefined;
  private fullSamples = 0;
  private filteredMs: number | undefined;
  private lastFullStartAt: number | undefined;
  private lastFullEndAt: number | undefined;
  private lastFilteredEndAt: number | undefined;
  private planned: Plan;
  private undeliveredBefore = 0;
  private alertKnown: boolean | undefined;

  private wakeLoop: (() => void) | undefined;
  private publishTimer: NodeJS.Timeout | undefined;
  private publishNow: NodeJS.Immediate | undefined;
  private lastPublishAt = 0;

  constructor(opts: StoreOptions) {
    this.connectFn = opts.connect;
    this.now = opts.now ?? Date.now;
    this.cpuMs = opts.cpuMs ?? (opts.now ? () => 0 : ownCpuMs);
    const budget = opts.budget ?? DEFAULT_BUDGET;
    this.budget = Number.isFinite(budget) && budget > 0 ? Math.min(1, budget) : DEFAULT_BUDGET;
    this.readOnly = opts.readOnly ?? false;
    this.host = opts.host;
    this.intervalMs = clampInterval(opts.intervalMs ?? 2000);
    this.log = new EventRing(opts.eventCapacity ?? 10_000);
    this.costs = new CostWindow(60_000, this.now());
    this.planned = plan({
      n: 0,
      intervalMs: this.intervalMs,
      budget: this.budget,
      visible: 0,
    });
    this.link = { kind: 'connecting', since: this.now(), attempt: 1 };
    this.commander = new Commander({
      readOnly: this.readOnly,
      session: () =>
        this.current && !this.current.actions.closed ? this.current.actions : undefined,
      openPrivate: () => this.connectFn(),
      now: this.now,
      status: (s) => {
        this.status = s;
        this.changed(true);
      },
      progress: (p) => {
        this.progress = p;
        this.changed(true);
      },
      refresh: (ids) => this.refresh(ids),
      localHost: (id) => this.table.get(id)?.sa.localHost,
      whenGone: (id, ms) => this.watch(() => (this.table.get(id) ? undefined : this.now()), ms),
      idsOf: (conn) => {
        const ids = new Set<string>();
        for (const r of this.table.snapshot().values()) if (r.sa.name === conn) ids.add(r.key);
        return ids;
      },
      whenUp: async (conn, child, known, ms) =>
        (await this.watch(() => (this.cameUp(conn, child, known) ? true : undefined), ms)) === true,
    });
    this.actions = {
      rekey: (t) => this.commander.rekey(t),
      terminate: (t) => this.commander.terminate(t),
      redirect: (t, gw) => this.commander.redirect(t, gw),
      initiate: (c) => this.commander.initiate(c),
      refreshConns: () => {
        this.connsDue = true;
        this.wake();
      },
      setIntervalMs: (ms) => {
        const next = clampInterval(ms);
        if (next === this.intervalMs) return;
        this.intervalMs = next;
        this.statsDueAt = Math.min(this.statsDueAt, this.now() + next);
        this.changed(false);
        this.wake();
      },
      setVisible: (ids) => {
        if (ids.length === this.visible.length && ids.every((id, i) => id === this.visible[i])) {
          return;
        }
        this.visible = [...ids];
        this.wake();
      },
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
    if (this.started || this.stopped) return;
    this.started = true;
    void this.open();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.gen++;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.wake();
    const link = this.current;
    this.current = undefined;
    this.link = { kind: 'closed', since: this.now() };
    for (const w of [...this.watchers]) w();
    if (link) await closeLink(link);
    this.publish();
    if (this.publishTimer) clearTimeout(this.publishTimer);
    if (this.publishNow) clearImmediate(this.publishNow);
  }

  // --- the link ----------------------------------------------------------------------------

  private async open(): Promise<void> {
    const gen = ++this.gen;
    const opened: SessionPort[] = [];
    try {
      // Three connections: listings can take seconds at scale, and must never delay the
      // events or a user's terminate (VICI runs one command per connection at a time).
      const results = await Promise.allSettled([
        this.connectFn(),
        this.connectFn(),
        this.connectFn(),
      ]);
      for (const r of results) if (r.status === 'fulfilled') opened.push(r.value);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      if (gen !== this.gen) {
        for (const s of opened) void s.close().catch(() => {});
        return;
      }
      const [poll, events, actions] = opened as [SessionPort, SessionPort, SessionPort];
      const link: Link = { gen, poll, events, actions, listeners: [] };
      this.current = link;
      for (const s of opened) {
        s.on('close', (err?: Error) =>
          this.lose(gen, err ?? new Error('the daemon closed the connection')),
        );
      }
      // A daemon that accepts but never answers is not live: version is the first proof.
      const v = await poll.version({ timeoutMs: STATS_TIMEOUT_MS });
      if (gen !== this.gen) return;
      this.daemon = {
        daemon: v.daemon,
        version: v.version,
        sysname: v.sysname,
        release: v.release,
        machine: v.machine,
      };
      this.failures = 0;
      this.hadLink = true;
      this.link = { kind: 'live', since: this.now() };
      this.stalled = undefined;
      this.log.push(
        note(this.now(), 'plain', `connected to ${v.daemon ?? 'charon'} ${v.version ?? ''}`.trim()),
      );
      this.changed(true);
      // Events first, so nothing that happens during the first listing goes unseen.
      await this.startEvents(link);
      if (gen !== this.gen) return;
      this.needFull = true;
      this.statsDueAt = 0;
      this.connsDue = true;
      void this.pollLoop(link);
    } catch (err) {
      // Lose first: closing a session fires its 'close' handler at once, which would report
      // "the daemon closed the connection" instead of the real reason (a timeout, bad bytes).
      this.lose(gen, err);
      for (const s of opened) void s.close().catch(() => {});
    }
  }

  private lose(gen: number, err: unknown): void {
    if (this.stopped || gen !== this.gen) return;
    this.gen++;
    const link = this.current;
    this.current = undefined;
    if (link) {
      this.undeliveredBefore += undeliveredOf(link);
      void closeLink(link);
    }
    this.untrusted = true;
    this.stalled = undefined;
    this.table.markUntrusted();
    this.failures++;
    const delay = backoffMs(this.failures);
    const reason = firstLine(err);
    const at = this.now();
    const since = this.link.kind === 'reconnecting' ? this.link.since : at;
    if (this.link.kind !== 'reconnecting' || this.link.reason !== reason) {
      // Before the first answer there was no daemon to lose, only one not reached yet.
      const what = this.hadLink ? 'lost the daemon' : 'cannot reach the daemon';
      this.log.push(note(at, 'error', `${what}: ${reason}`));
    }
    this.link = {
      kind: 'reconnecting',
      retryAt: at + delay,
      attempt: this.failures + 1,
      reason,
      since,
    };
    this.changed(true);
    this.wake();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped) void this.open();
    }, delay);
  }

  // --- events ------------------------------------------------------------------------------

  private async startEvents(link: Link): Promise<void> {
    const main = link.events.listen(FEED_EVENTS);
    link.listeners.push(main);
    void this.readEvents(link, main, false);
    if (this.alertKnown !== false) {
      const alert = link.events.listen(['alert']);
      link.listeners.push(alert);
      void this.readEvents(link, alert, true);
    }
    if (main.ready) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        main.ready,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, REGISTER_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
    }
  }

  private async readEvents(link: Link, listener: ListenerPort, optional: boolean): Promise<void> {
    const it = listener[Symbol.asyncIterator]();
    for (;;) {
      let r: IteratorResult<{ type: string; message: ViciSection } | null>;
      try {
        r = await it.next();
      } catch (err) {
        if (link.gen !== this.gen) return;
        if (err instanceof EventUnknownError) {
          // An older daemon: go on with the events it has (5.9.8 has no `alert`).
          if (optional) this.alertKnown = false;
          this.log.push(note(this.now(), 'plain', `${err.message}; going on without it`));
          this.changed(false);
          if (optional) return;
          continue;
        }
        if (!optional) this.lose(link.gen, err);
        return;
      }
      if (r.done || link.gen !== this.gen) return;
      if (optional) this.alertKnown = true;
      if (r.value) this.onEvent(r.value.type, r.value.message);
    }
  }

  private onEvent(type: string, message: ViciSection): void {
    const at = this.now();
    this.lastUpdateAt = at;
    const ev = readEvent(type, message, at);
    if (ev.row) this.table.applyEvent(ev.row, at);
    this.log.push(ev.entry);
    this.changed(ev.urgent);
  }

  // --- polling -----------------------------------------------------------------------------

  private async pollLoop(link: Link): Promise<void> {
    const s = link.poll;
    const alive = () => link.gen === this.gen && !this.stopped;
    while (alive()) {
      const now = this.now();
      if (this.table.expireRetired(now)) this.changed(false);
      try {
        if (this.stalled) {
          await this.probe(link);
          if (this.stalled && alive()) await this.sleep(this.intervalMs);
          continue;
        }
        if (now >= this.statsDueAt) {
          await this.readStats(link);
          continue;
        }
        this.planned = this.replan(Math.max(this.table.size, this.stats?.ikeSasTotal ?? 0));
        if (!this.needFull && (this.connsDue || now >= (this.connsAt ?? 0) + this.connsPeriod())) {
          await this.readConns(link);
          continue;
        }
        const step = nextStep({
          now,
          plan: this.planned,
          intervalMs: this.intervalMs,
          needFull: this.needFull,
          lastFullStartAt: this.lastFullStartAt,
          lastFilteredEndAt: this.lastFilteredEndAt,
          urgent: this.urgent,
          // Ids the UI still shows but the table no longer has would be listed in vain.
          visible: this.visible
            .filter((id) => this.table.get(id) !== undefined)
            .map((id) => ({ id, refreshedAt: this.table.refreshedAt(id) })),
        });
        if (step.kind === 'full') await this.listFull(link);
        else if (step.kind === 'filtered') await this.listOne(link, step.id);
        else await this.sleep(Math.max(1, Math.min(step.ms, this.statsDueAt - now)));
      } catch (err) {
        if (!alive() || s.closed) return;
        if (isTimeout(err)) {
          this.stall(firstLine(err));
          continue;
        }
        // A command the daemon refused: say so and go on, without spinning.
        this.log.push(note(this.now(), 'warn', `polling: ${firstLine(err)}`));
        this.changed(false);
        await this.sleep(this.intervalMs);
      }
    }
  }

  private async readStats(link: Link): Promise<void> {
    this.statsDueAt = this.now() + this.intervalMs;
    const stats = await link.poll.stats({ timeoutMs: STATS_TIMEOUT_MS });
    if (link.gen !== this.gen) return;
    const at = this.now();
    const uptime = { running: stats.uptimeRunning, since: stats.uptimeSince, at };
    // `since` flickers by a second between calls; only an uptime that went backwards is a
    // restart (uptime.ts). A restarted daemon counts unique ids from 1 again, so the
    // lineages that carry counters over CHILD_SA rekeys would match strangers.
    if (this.uptime && daemonRestarted(this.uptime, uptime)) {
      this.table.forgetLineages();
      this.log.push(
        note(at, 'warn', `the daemon restarted (up since ${stats.uptimeSince ?? '?'})`),
      );
    }
    this.uptime = uptime;
    this.stats = stats;
    this.statsAt = at;
    this.lastUpdateAt = at;
    this.changed(false);
  }

  private connsPeriod(): number {
    // list-conns is cheap, but not free with thousands of connections loaded.
    const cost = this.connsMs ?? 0;
    return Math.max(CONNS_EVERY_MS, cost / (this.budget * 0.1));
  }

  private async readConns(link: Link): Promise<void> {
    this.connsDue = false;
    const started = this.now();
    this.connsAt = started;
    const conns: Connection[] = [];
    const stream = link.poll.listConns({}, { timeoutMs: CONNS_TIMEOUT_MS });
    for await (const c of stream) conns.push(c);
    await stream.result;
    if (link.gen !== this.gen) return;
    const at = this.now();
    this.connsMs = smooth(this.connsMs, at - started);
    this.conns = conns;
    this.connsAt = at;
    this.changed(false);
  }

  /** Read a listing, aborting when the daemon falls silent for too long. */
  private async drain(
    link: Link,
    args: Parameters<SessionPort['listSas']>[0],
    timeoutMs: number,
    onItem: (ike: IkeSa, at: number) => void,
  ): Promise<void> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), LISTING_SILENCE_MS);
    };
    arm();
    try {
      const stream = link.poll.listSas(args, { timeoutMs, signal: controller.signal });
      for await (const ike of stream as AsyncIterable<IkeSa>) {
        arm();
        if (link.gen === this.gen) onItem(ike, this.now());
      }
      await stream.result;
    } catch (err) {
      if (controller.signal.aborted) {
        throw new TimeoutError('list-sas', LISTING_SILENCE_MS);
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async listFull(link: Link): Promise<void> {
    const startedAt = this.now();
    const cpuAtStart = this.cpuMs();
    // Generous: a listing at scale takes seconds; silence is caught separately by drain().
    const timeoutMs = Math.max(60_000, 10 * (this.fullMs ?? 0));
    const full = this.table.beginFull(startedAt);
    await this.drain(link, { noblock: true }, timeoutMs, (ike, at) => {
      if (full.add(ike, at)) this.changed(false);
    });
    if (link.gen !== this.gen) return;
    const endedAt = this.now();
    const cost = daemonPartOfListing(endedAt - startedAt, this.cpuMs() - cpuAtStart);
    this.fullMs = fullCostEstimate(this.lastFullMs, cost);
    this.lastFullMs = cost;
    this.fullSamples++;
    this.costs.add(endedAt, cost);
    this.lastFullStartAt = startedAt;
    this.lastFullEndAt = endedAt;
    const wasUntrusted = this.untrusted;
    const { recheck } = full.finish();
    this.needFull = false;
    this.untrusted = false;
    this.listedOnce = true;
    this.lastUpdateAt = endedAt;
    // In full mode the next full listing settles doubts within an interval anyway.
    if (this.planned.mode === 'budgeted') this.addUrgent(recheck);
    const before = this.planned.mode;
    this.planned = this.replan(this.table.size);
    if (this.planned.mode !== before && this.planned.reason) {
      this.log.push(note(endedAt, 'warn', `polling slowed down: ${this.planned.reason}`));
    } else if (this.planned.mode !== before) {
      this.log.push(note(endedAt, 'plain', 'polling: full listings every interval again'));
    }
    this.changed(wasUntrusted);
  }

  /** The polling plan for `n` SAs from everything measured so far. */
  private replan(n: number): Plan {
    return plan({
      n,
      intervalMs: this.intervalMs,
      budget: this.budget,
      fullMs: this.fullMs,
      latestFullMs: this.lastFullMs,
      fullSamples: this.fullSamples,
      filteredMs: this.filteredMs,
      visible: this.visible.length,
      previous: this.planned.mode,
    });
  }

  private async listOne(link: Link, id: string): Promise<void> {
    this.urgent = this.urgent.filter((u) => u !== id);
    const startedAt = this.now();
    const listed: Listed[] = [];
    // Only the first copy of the one IKE_SA asked for is used (applyFiltered): keeping
    // anything else would let a daemon that never ends the listing fill the memory.
    await this.drain(link, { 'ike-id': id, noblock: true }, FILTERED_TIMEOUT_MS, (ike, at) => {
      if (listed.length === 0 && ike.uniqueid === id) listed.push({ ike, at });
    });
    if (link.gen !== this.gen) return;
    const endedAt = this.now();
    const cost = endedAt - startedAt;
    this.filteredMs = smooth(this.filteredMs, cost);
    this.costs.add(endedAt, cost);
    this.lastFilteredEndAt = endedAt;
    this.lastUpdateAt = endedAt;
    this.table.applyFiltered(id, listed, startedAt);
    this.changed(false);
  }

  /** The daemon is connected but silent: say so, trust nothing, and probe until it answers. */
  private stall(reason: string): void {
    if (this.stalled) return;
    const at = this.now();
    // The stall began when the daemon last answered, not when a timeout noticed it: one
    // clock for the banner's "has not answered for" and the header's "updated N s ago".
    const since = this.lastUpdateAt ?? at;
    this.stalled = { since, reason };
    this.link = { kind: 'stalled', since, reason };
    this.table.markUntrusted();
    this.untrusted = true;
    this.status = {
      at,
      level: 'error',
      text: `the daemon does not answer (${reason}); still trying`,
    };
    this.log.push(note(at, 'error', `the daemon does not answer: ${reason}`));
    this.changed(true);
  }

  private async probe(link: Link): Promise<void> {
    try {
      await this.readStats(link);
    } catch (err) {
      if (isTimeout(err)) return;
      throw err;
    }
    if (link.gen !== this.gen || !this.stalled) return;
    const at = this.now();
    this.stalled = undefined;
    this.link = { kind: 'live', since: at };
    this.needFull = true;
    this.status = { at, level: 'info', text: 'the daemon answers again' };
    this.log.push(note(at, 'plain', 'the daemon answers again'));
    this.changed(true);
  }

  private refresh(ids: readonly string[]): void {
    this.addUrgent(ids);
    this.wake();
  }

  private addUrgent(ids: readonly string[]): void {
    for (const id of ids) if (!this.urgent.includes(id)) this.urgent.push(id);
    if (this.urgent.length > MAX_URGENT) this.urgent = this.urgent.slice(-MAX_URGENT);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wakeLoop === done) this.wakeLoop = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      this.wakeLoop = done;
    });
  }

  private wake(): void {
    this.wakeLoop?.();
  }

  // --- publishing --------------------------------------------------------------------------

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

  /** A new IKE_SA of `conn` (not one of `known`) is established with `child` installed. */
  private cameUp(conn: string, child: string, known: ReadonlySet<string>): boolean {
    for (const r of this.table.snapshot().values()) {
      if (r.sa.name !== conn || known.has(r.key) || r.sa.state !== 'ESTABLISHED') continue;
      if (r.children.some((c) => c.sa.name === child && c.sa.state === 'INSTALLED')) return true;
    }
    return false;
  }

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
    let totals: Totals;
    if (prev && prev.ikes === ikes && prev.stats === this.stats) {
      totals = prev.totals;
    } else {
      const t = tally(ikes, this.stats);
      totals = t.totals;
      this.rated = t.rated;
    }
    if (prev && sameTotals(prev.totals, totals)) totals = prev.totals;
    const poll = this.pollInfo();
    const stale = this.untrusted || this.stalled !== undefined || this.link.kind !== 'live';
    const figures = this.figures(totals, stale, prev?.figures);
    return {
      version,
      host: this.host,
      daemon: this.daemon,
      link: this.link,
      stale,
      ikes,
      totals,
      figures,
      stats: this.stats,
      statsAt: this.statsAt,
      conns: this.conns,
      connsAt: this.connsAt,
      events: this.log.snapshot(this.undelivered()),
      poll: prev && samePoll(prev.poll, poll) ? prev.poll : poll,
      lastUpdateAt: this.lastUpdateAt,
      confirmedAt: this.table.refreshedTimes,
      status: this.status,
      stalled: this.stalled,
      progress: this.progress,
      intervalMs: this.intervalMs,
      readOnly: this.readOnly,
    };
  }

  /** What the header may show as known, and whether it is live (see Figures). */
  private figures(totals: Totals, stale: boolean, prev: Figures | undefined): Figures {
    const counted = this.listedOnce;
    const live = !stale && counted;
    const anyRate = live && this.rated;
    const f: Figures = {
      ike: counted ? totals.ike : null,
      established: counted ? totals.established : null,
      connecting: counted ? totals.connecting : null,
      halfOpen: this.stats?.ikeSasHalfOpen ?? null,
      child: counted ? totals.child : null,
      rateIn: anyRate ? totals.rateIn : null,
      rateOut: anyRate ? totals.rateOut : null,
      stale: !live,
      asOf: this.lastUpdateAt,
    };
    if (prev && (Object.keys(f) as (keyof Figures)[]).every((k) => prev[k] === f[k])) return prev;
    return f;
  }

  private pollInfo(): PollInfo {
    const p = this.planned;
    return {
      mode: p.mode,
      reason: p.reason,
      lastFullAt: this.lastFullEndAt,
      lastFullMs: this.lastFullMs,
      nextFullAt:
        this.lastFullStartAt === undefined ? undefined : this.lastFullStartAt + p.fullPeriodMs,
      share: Math.round(this.costs.share(this.now()) * 1000) / 1000,
      budget: this.budget,
    };
  }

  private undelivered(): number {
    return this.undeliveredBefore + (this.current ? undeliveredOf(this.current) : 0);
  }
}

function undeliveredOf(link: Link): number {
  const c = link.events.counters;
  return c.undeliveredEvents + c.droppedEvents;
}

async function closeLink(link: Link): Promise<void> {
  // Listeners first, so their unregistrations are queued ahead of the quiet close's last word.
  for (const l of link.listeners) void l.close().catch(() => {});
  await Promise.allSettled([link.poll, link.events, link.actions].map((s) => closeQuietly(s)));
}

function clampInterval(ms: number): number {
  if (!Number.isFinite(ms)) return 2000;
  return Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, Math.round(ms)));
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
    if (k === 'version') continue;
    if (a[k] !== b[k]) return false;
  }
  return true;
}

function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
