import { TimeoutError } from '../vici/errors.js';
import type { Connection, Stats } from '../vici/views.js';
import { firstLine } from './first-line.js';
import type { Sessions } from './link.js';
import type { FullListing, Listed, RowTable } from './row-table.js';
import { decodeListSa, peekUniqueid, sameButClock } from './sa-decoder.js';
import {
  CostWindow,
  DEFAULT_BUDGET,
  daemonPartOfListing,
  fullCostEstimate,
  nextStep,
  type Plan,
  plan,
  smooth,
} from './scheduler.js';
import type { SessionPort } from './session-port.js';
import type { PollInfo } from './types.js';
import { daemonRestarted, type UptimeSample } from './uptime.js';

/*
 * The poller: the loop that asks the daemon for stats, connections and listings on the poll
 * connection, measures what each listing cost the daemon, and keeps the scheduler's state
 * (scheduler.ts decides, purely; this runs its decisions). It writes listings into the rows
 * and says when the daemon stops answering.
 */

export interface PollerHooks {
  now(): number;
  /** CPU this process used (ms), to tell the daemon's part of a listing from ours. */
  cpuMs(): number;
  alive(s: Sessions): boolean;
  /** Connected but silent since `lastAnswerAt`. */
  stall(reason: string, lastAnswerAt: number | undefined): void;
  /** Whether the link is stalled now. */
  stalled(): boolean;
  /** The stalled daemon answered again. */
  recovered(): void;
  /** The daemon answered (the header's "updated N s ago"). */
  heard(at: number): void;
  lastHeard(): number | undefined;
  /** The daemon restarted: unique ids start over. */
  restarted(): void;
  note(tone: 'plain' | 'warn' | 'error', text: string): void;
  changed(urgent: boolean): void;
}

export interface PollerOptions {
  intervalMs?: number;
  /** Share of the daemon's time our listings may take (0..1); default 0.05. */
  budget?: number;
}

const STATS_TIMEOUT_MS = 5_000;
/** A listing that delivers nothing for this long means a daemon that stopped answering. */
const LISTING_SILENCE_MS = 8_000;
const FILTERED_TIMEOUT_MS = 10_000;
const CONNS_EVERY_MS = 30_000;
const CONNS_TIMEOUT_MS = 15_000;
const MAX_URGENT = 64;
const MIN_INTERVAL_MS = 250;
const MAX_INTERVAL_MS = 3_600_000;

export function clampInterval(ms: number): number {
  if (!Number.isFinite(ms)) return 2000;
  return Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, Math.round(ms)));
}

function isTimeout(err: unknown): boolean {
  return (
    err instanceof TimeoutError ||
    (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'))
  );
}

/**
 * One list-sa body of a full listing into the rows; returns whether they changed. An IKE_SA
 * that lists as before but for its clocks keeps its row undecoded (most of them, at rest).
 * Otherwise straight to compact records: a malformed body throws ProtocolError, as views did.
 */
export function applyBody(full: FullListing, body: Buffer, at: number): boolean {
  const id = peekUniqueid(body);
  if (id !== undefined && full.keep(id, body, at, sameButClock)) return false;
  let changed = false;
  for (const ike of decodeListSa(body)) changed = full.add(ike, at) || changed;
  return changed;
}

export class Poller {
  readonly budget: number;
  intervalMs: number;
  stats: Stats | undefined;
  statsAt: number | undefined;
  conns: readonly Connection[] = [];
  connsAt: number | undefined;
  /** A full listing finished at least once: only then are the counts known. */
  listedOnce = false;
  /** False from a lost link or a stall until a full listing replaced every row. */
  trusted = false;

  private readonly costs: CostWindow;
  private planned: Plan;
  private visible: readonly string[] = [];
  private urgent: string[] = [];
  private needFull = true;
  private statsDueAt = 0;
  private connsDue = true;
  private connsMs: number | undefined;
  private fullMs: number | undefined;
  private lastFullMs: number | undefined;
  private fullSamples = 0;
  private filteredMs: number | undefined;
  private lastFullStartAt: number | undefined;
  private lastFullEndAt: number | undefined;
  private lastFilteredEndAt: number | undefined;
  /** The daemon's last `uptime`, across links, to tell a restart from a reconnect. */
  private uptime: UptimeSample | undefined;
  private wakeLoop: (() => void) | undefined;

  constructor(
    private readonly table: RowTable,
    private readonly hooks: PollerHooks,
    opts: PollerOptions = {},
  ) {
    const budget = opts.budget ?? DEFAULT_BUDGET;
    this.budget = Number.isFinite(budget) && budget > 0 ? Math.min(1, budget) : DEFAULT_BUDGET;
    this.intervalMs = clampInterval(opts.intervalMs ?? 2000);
    this.costs = new CostWindow(60_000, hooks.now());
    this.planned = plan({ n: 0, intervalMs: this.intervalMs, budget: this.budget, visible: 0 });
  }

  // --- what the UI and the actions ask of it -----------------------------------------------

  /** Returns whether the interval changed. */
  setIntervalMs(ms: number): boolean {
    const next = clampInterval(ms);
    if (next === this.intervalMs) return false;
    this.intervalMs = next;
    this.statsDueAt = Math.min(this.statsDueAt, this.hooks.now() + next);
    this.wake();
    return true;
  }

  setVisible(ids: readonly string[]): void {
    if (ids.length === this.visible.length && ids.every((id, i) => id === this.visible[i])) return;
    this.visible = [...ids];
    this.wake();
  }

  /** List these IKE_SAs soon (an action changed them). */
  refresh(ids: readonly string[]): void {
    this.addUrgent(ids);
    this.wake();
  }

  refreshConns(): void {
    this.connsDue = true;
    this.wake();
  }

  /** The link was lost or stalled: the next listing must be full, and nothing is trusted. */
  distrust(): void {
    this.trusted = false;
    this.wake();
  }

  wake(): void {
    this.wakeLoop?.();
  }

  info(): PollInfo {
    const p = this.planned;
    return {
      mode: p.mode,
      reason: p.reason,
      lastFullAt: this.lastFullEndAt,
      lastFullMs: this.lastFullMs,
      nextFullAt:
        this.lastFullStartAt === undefined ? undefined : this.lastFullStartAt + p.fullPeriodMs,
      share: Math.round(this.costs.share(this.hooks.now()) * 1000) / 1000,
      budget: this.budget,
    };
  }

  // --- the loop ----------------------------------------------------------------------------

  /** Polls on `s` until it is no longer the link's current generation. */
  async run(s: Sessions): Promise<void> {
    this.needFull = true;
    this.statsDueAt = 0;
    this.connsDue = true;
    const alive = () => this.hooks.alive(s);
    while (alive()) {
      const now = this.hooks.now();
      if (this.table.expireRetired(now)) this.hooks.changed(false);
      try {
        if (this.hooks.stalled()) {
          await this.probe(s);
          if (this.hooks.stalled() && alive()) await this.sleep(this.intervalMs);
          continue;
        }
        if (now >= this.statsDueAt) {
          await this.readStats(s);
          continue;
        }
        this.planned = this.replan(Math.max(this.table.size, this.stats?.ikeSasTotal ?? 0));
        if (!this.needFull && (this.connsDue || now >= (this.connsAt ?? 0) + this.connsPeriod())) {
          await this.readConns(s);
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
        if (step.kind === 'full') await this.listFull(s);
        else if (step.kind === 'filtered') await this.listOne(s, step.id);
        else await this.sleep(Math.max(1, Math.min(step.ms, this.statsDueAt - now)));
      } catch (err) {
        if (!alive() || s.poll.closed) return;
        if (isTimeout(err)) {
          this.needFull = true;
          this.hooks.stall(firstLine(err), this.hooks.lastHeard());
          continue;
        }
        // A command the daemon refused: say so and go on, without spinning.
        this.hooks.note('warn', `polling: ${firstLine(err)}`);
        this.hooks.changed(false);
        await this.sleep(this.intervalMs);
      }
    }
  }

  private async readStats(s: Sessions): Promise<void> {
    this.statsDueAt = this.hooks.now() + this.intervalMs;
    const stats = await s.poll.stats({ timeoutMs: STATS_TIMEOUT_MS });
    if (!this.hooks.alive(s)) return;
    const at = this.hooks.now();
    const uptime = { running: stats.uptimeRunning, since: stats.uptimeSince, at };
    // `since` flickers by a second between calls; only an uptime that went backwards is a
    // restart (uptime.ts). A restarted daemon counts unique ids from 1 again, so the
    // lineages that carry counters over CHILD_SA rekeys would match strangers.
    if (this.uptime && daemonRestarted(this.uptime, uptime)) {
      this.hooks.restarted();
      this.hooks.note('warn', `the daemon restarted (up since ${stats.uptimeSince ?? '?'})`);
    }
    this.uptime = uptime;
    this.stats = stats;
    this.statsAt = at;
    this.hooks.heard(at);
    this.hooks.changed(false);
  }

  private connsPeriod(): number {
    // list-conns is cheap, but not free with thousands of connections loaded.
    const cost = this.connsMs ?? 0;
    return Math.max(CONNS_EVERY_MS, cost / (this.budget * 0.1));
  }

  private async readConns(s: Sessions): Promise<void> {
    this.connsDue = false;
    const started = this.hooks.now();
    this.connsAt = started;
    const conns: Connection[] = [];
    const stream = s.poll.listConns({}, { timeoutMs: CONNS_TIMEOUT_MS });
    for await (const c of stream) conns.push(c);
    await stream.result;
    if (!this.hooks.alive(s)) return;
    const at = this.hooks.now();
    this.connsMs = smooth(this.connsMs, at - started);
    this.conns = conns;
    this.connsAt = at;
    this.hooks.changed(false);
  }

  /** Read a listing, aborting when the daemon falls silent for too long. */
  private async drain(
    s: Sessions,
    args: Parameters<SessionPort['listSasBodies']>[0],
    timeoutMs: number,
    onBody: (body: Buffer, at: number) => void,
  ): Promise<void> {
    const controller = new AbortController();
    // One timer per listing that looks, when it fires, whether bodies came: a timer re-armed
    // per body was 7.6 MB of garbage a minute at 1,003 idle SAs (an allocation profile).
    let heardAt = this.hooks.now();
    let timer: NodeJS.Timeout | undefined;
    const check = () => {
      const quiet = this.hooks.now() - heardAt;
      if (quiet >= LISTING_SILENCE_MS) controller.abort();
      else timer = setTimeout(check, LISTING_SILENCE_MS - quiet);
    };
    timer = setTimeout(check, LISTING_SILENCE_MS);
    try {
      const stream = s.poll.listSasBodies(args, { timeoutMs, signal: controller.signal });
      for await (const body of stream) {
        heardAt = this.hooks.now();
        if (!this.hooks.alive(s)) continue;
        onBody(body, heardAt);
      }
      await stream.result;
    } catch (err) {
      if (controller.signal.aborted) throw new TimeoutError('list-sas', LISTING_SILENCE_MS);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async listFull(s: Sessions): Promise<void> {
    const startedAt = this.hooks.now();
    const cpuAtStart = this.hooks.cpuMs();
    // Generous: a listing at scale takes seconds; silence is caught separately by drain().
    const timeoutMs = Math.max(60_000, 10 * (this.fullMs ?? 0));
    const full = this.table.beginFull(startedAt);
    await this.drain(s, { noblock: true }, timeoutMs, (body, at) => {
      if (applyBody(full, body, at)) this.hooks.changed(false);
    });
    if (!this.hooks.alive(s)) return;
    const endedAt = this.hooks.now();
    const cost = daemonPartOfListing(endedAt - startedAt, this.hooks.cpuMs() - cpuAtStart);
    this.fullMs = fullCostEstimate(this.lastFullMs, cost);
    this.lastFullMs = cost;
    this.fullSamples++;
    this.costs.add(endedAt, cost);
    this.lastFullStartAt = startedAt;
    this.lastFullEndAt = endedAt;
    const wasTrusted = this.trusted;
    const { recheck } = full.finish();
    this.needFull = false;
    this.trusted = true;
    this.listedOnce = true;
    this.hooks.heard(endedAt);
    // In full mode the next full listing settles doubts within an interval anyway.
    if (this.planned.mode === 'budgeted') this.addUrgent(recheck);
    const before = this.planned.mode;
    this.planned = this.replan(this.table.size);
    if (this.planned.mode !== before && this.planned.reason) {
      this.hooks.note('warn', `polling slowed down: ${this.planned.reason}`);
    } else if (this.planned.mode !== before) {
      this.hooks.note('plain', 'polling: full listings every interval again');
    }
    this.hooks.changed(!wasTrusted);
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

  private async listOne(s: Sessions, id: string): Promise<void> {
    this.urgent = this.urgent.filter((u) => u !== id);
    const startedAt = this.hooks.now();
    const listed: Listed[] = [];
    // Only the first copy of the one IKE_SA asked for is used (applyFiltered): keeping
    // anything else would let a daemon that never ends the listing fill the memory.
    await this.drain(s, { 'ike-id': id, noblock: true }, FILTERED_TIMEOUT_MS, (body, at) => {
      for (const ike of decodeListSa(body)) {
        if (listed.length === 0 && ike.uniqueid === id) listed.push({ ike, at });
      }
    });
    if (!this.hooks.alive(s)) return;
    const endedAt = this.hooks.now();
    const cost = endedAt - startedAt;
    this.filteredMs = smooth(this.filteredMs, cost);
    this.costs.add(endedAt, cost);
    this.lastFilteredEndAt = endedAt;
    this.hooks.heard(endedAt);
    this.table.applyFiltered(id, listed, startedAt);
    this.hooks.changed(false);
  }

  /** While stalled: ask for stats until the daemon answers. */
  private async probe(s: Sessions): Promise<void> {
    try {
      await this.readStats(s);
    } catch (err) {
      if (isTimeout(err)) return;
      throw err;
    }
    if (!this.hooks.alive(s) || !this.hooks.stalled()) return;
    this.needFull = true;
    this.hooks.recovered();
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
}
