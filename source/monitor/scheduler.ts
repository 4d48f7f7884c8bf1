/*
 * How often to list, so that watching the daemon does not hurt it. A full `list-sas` holds the
 * daemon's IKE_SA table lock and costs it time that grows about quadratically with the number
 * of SAs (measured: ~0.05 s at 1,000, ~3.3 s at 5,000); a listing filtered by `ike-id` still
 * walks every IKE_SA (8-14 ms at 5,000). So: while a full listing every interval fits in the
 * budget, do exactly that; beyond it ("budgeted"), start a full listing every
 * max(60 s, interval, cost / (budget × 25 %)) — 80 × its cost at the default 5 % — and keep
 * the rows on screen fresh with filtered listings, oldest first, paced so they take 40 % of
 * the budget (up to 70 % when that leaves rows older than 30 s).
 *
 * Everything here is pure: measured costs and the clock in, a decision out.
 */

export const DEFAULT_BUDGET = 0.05;
/** Budgeted mode: the share of the budget rows on screen may use, and full listings may use. */
const ROWS_SHARE = 0.4;
const FULL_SHARE = 0.25;
/** What rows on screen may take, at most, to stay within the freshness target. */
const ROWS_MAX_SHARE = 0.7;
/** Leave budgeted mode only once well below the budget, so the mode does not flap. */
const HYSTERESIS = 0.7;
/** Even when cheap enough, budgeted full listings are at least this far apart. */
const MIN_BUDGETED_FULL_MS = 60_000;
/**
 * One full listing this far over the budget is proof enough to slow down at once; a smaller
 * excess is measured a second time first, since a busy machine stretches a cheap listing.
 */
const SURE_EXCESS = 4;
/** Rows on screen are refreshed at least this often when the budget allows it. */
export const ROW_FRESHNESS_MS = 30_000;

export interface PlanInput {
  /** IKE_SAs known (rows, or the daemon's own count). */
  n: number;
  intervalMs: number;
  /** Share of the daemon's time our listings may take (0..1). */
  budget: number;
  /** Estimated cost of a full listing (fullCostEstimate); undefined before the first. */
  fullMs?: number;
  /** Wall time of the latest full listing. */
  latestFullMs?: number;
  /** How many full listings were measured so far. */
  fullSamples?: number;
  /** Wall time of a filtered listing (smoothed); undefined before the first. */
  filteredMs?: number;
  /** Rows on screen. */
  visible: number;
  previous?: Plan['mode'];
}

export interface Plan {
  mode: 'full' | 'budgeted';
  /** Time between the starts of full listings. */
  fullPeriodMs: number;
  /** Budgeted mode: at least this long between the end of one filtered listing and the next. */
  rowSlotMs: number;
  /** Budgeted mode: how old a row on screen gets before its turn comes (visible × slot). */
  rowPeriodMs: number;
  /** Why it slowed down, for the header. */
  reason?: string;
}

/** A filtered listing's cost before any was measured: it walks every IKE_SA. */
export function estimateFilteredMs(n: number): number {
  return Math.max(2, n * 0.003);
}

export function plan(i: PlanInput): Plan {
  const interval = Math.max(1, i.intervalMs);
  if (i.fullMs === undefined) {
    return { mode: 'full', fullPeriodMs: interval, rowSlotMs: interval, rowPeriodMs: interval };
  }
  const share = i.fullMs / interval;
  const latestShare = (i.latestFullMs ?? i.fullMs) / interval;
  const limit = i.previous === 'budgeted' ? i.budget * HYSTERESIS : i.budget;
  const measureAgain = (i.fullSamples ?? 2) < 2 && latestShare <= i.budget * SURE_EXCESS;
  if (share <= limit || measureAgain) {
    return { mode: 'full', fullPeriodMs: interval, rowSlotMs: interval, rowPeriodMs: interval };
  }
  const filtered = i.filteredMs ?? estimateFilteredMs(i.n);
  const visible = Math.max(1, i.visible);
  // As fast as the rows' share allows (every row once per interval at best). If that leaves
  // rows older than the freshness target, the rows may take more, up to a ceiling.
  const economical = Math.max(filtered / (i.budget * ROWS_SHARE), interval / visible);
  const fresh = ROW_FRESHNESS_MS / visible;
  const ceiling = filtered / (i.budget * ROWS_MAX_SHARE);
  const rowSlotMs = economical <= fresh ? economical : Math.max(fresh, ceiling);
  const rowPeriodMs = rowSlotMs * visible;
  const fullPeriodMs = Math.max(MIN_BUDGETED_FULL_MS, i.fullMs / (i.budget * FULL_SHARE), interval);
  const reason =
    `${count(i.n)} SAs: a full listing costs the daemon ${seconds(i.fullMs)}; ` +
    `full every ${duration(fullPeriodMs)}, rows on screen every ${duration(rowPeriodMs)}`;
  return { mode: 'budgeted', fullPeriodMs, rowSlotMs, rowPeriodMs, reason };
}

export interface RowAge {
  id: string;
  /** When its counters last came from a listing; undefined = never. */
  refreshedAt?: number;
}

export interface StepInput {
  now: number;
  plan: Plan;
  intervalMs: number;
  /** No trustworthy rows (start, reconnect, stall): list in full now. */
  needFull: boolean;
  lastFullStartAt?: number;
  lastFilteredEndAt?: number;
  /** Rows to list by id before anything else (after an action, to confirm a miss). */
  urgent: readonly string[];
  /** Rows on screen, in any order. */
  visible: readonly RowAge[];
}

export type Step =
  | { kind: 'full' }
  | { kind: 'filtered'; id: string }
  | { kind: 'wait'; ms: number };

export function nextStep(s: StepInput): Step {
  if (s.needFull || s.lastFullStartAt === undefined) return { kind: 'full' };
  const fullAt = s.lastFullStartAt + s.plan.fullPeriodMs;
  if (s.now >= fullAt) return { kind: 'full' };
  const slotAt = s.lastFilteredEndAt === undefined ? s.now : s.lastFilteredEndAt + s.plan.rowSlotMs;
  const urgent = s.urgent[0];
  if (urgent !== undefined) {
    // Urgent rows pay the same pacing in budgeted mode, and only a short one in full mode.
    const at = s.plan.mode === 'full' ? s.now : slotAt;
    if (s.now >= at) return { kind: 'filtered', id: urgent };
    return { kind: 'wait', ms: Math.min(at, fullAt) - s.now };
  }
  if (s.plan.mode === 'full') return { kind: 'wait', ms: fullAt - s.now };
  // Oldest first; a row is due once it is older than an interval.
  let oldest: RowAge | undefined;
  for (const r of s.visible) {
    if (oldest === undefined || (r.refreshedAt ?? -Infinity) < (oldest.refreshedAt ?? -Infinity)) {
      oldest = r;
    }
  }
  if (oldest === undefined) return { kind: 'wait', ms: fullAt - s.now };
  const dueAt = Math.max(slotAt, (oldest.refreshedAt ?? -Infinity) + s.intervalMs);
  if (s.now >= dueAt) return { kind: 'filtered', id: oldest.id };
  return { kind: 'wait', ms: Math.max(1, Math.min(dueAt, fullAt) - s.now) };
}

/** What our listings cost the daemon over the last minute. */
export class CostWindow {
  private readonly spans: { end: number; ms: number }[] = [];

  constructor(
    private readonly windowMs = 60_000,
    private readonly startedAt = 0,
  ) {}

  add(end: number, ms: number): void {
    this.spans.push({ end, ms });
  }

  /** Share of wall time (0..1) spent listing over the window ending at `now`. */
  share(now: number): number {
    const from = now - this.windowMs;
    while (this.spans.length > 0 && this.spans[0]!.end < from) this.spans.shift();
    const total = this.spans.reduce((a, s) => a + s.ms, 0);
    const span = Math.min(this.windowMs, Math.max(1_000, now - this.startedAt));
    return Math.min(1, total / span);
  }
}

/**
 * The daemon's part of a listing that took `wallMs`, while this process spent `ownCpuMs` of CPU
 * (decoding, building rows, drawing). At 1,000 SAs our own work is most of the wall time, and
 * counting it as the daemon's slowed polling down for nothing. Our work can overlap the
 * daemon's, so at least a quarter of the wall time is always counted.
 */
export function daemonPartOfListing(wallMs: number, ownCpuMs: number): number {
  return Math.max(wallMs - Math.max(0, ownCpuMs), wallMs * 0.25);
}

/**
 * A full listing's cost from its wall time. Wall time is the daemon's work plus whatever else
 * delayed the answer (our own load, a busy machine): noise only ever adds, so the lesser of the
 * last two is the honest figure. Two, not more, so a real jump in the SA count shows at once.
 */
export function fullCostEstimate(previousMs: number | undefined, latestMs: number): number {
  return previousMs === undefined ? latestMs : Math.min(previousMs, latestMs);
}

/** Exponentially smoothed cost, so one slow listing does not flip the mode. */
export function smooth(previous: number | undefined, sample: number): number {
  return previous === undefined ? sample : previous * 0.5 + sample * 0.5;
}

/** Reconnect delays: 0.5 s, 1 s, 2 s, 4 s, 8 s, then 10 s. `attempt` starts at 1. */
export function backoffMs(attempt: number): number {
  return Math.min(10_000, 500 * 2 ** Math.max(0, attempt - 1));
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 90_000) return `${Math.round(ms / 1000)} s`;
  const min = ms / 60_000;
  return `${Number.isInteger(Math.round(min * 10) / 10) ? Math.round(min) : min.toFixed(1)} min`;
}
