import type { ChildSa, IkeSa } from '../vici/views.js';
import { clockAgrees, GROWING_FIELDS, SHRINKING_FIELDS } from './clock-fields.js';
import { compactRow, listingBody } from './compact.js';
import type { ChildRow, IkeDelta, IkeRow, Totals } from './types.js';

/*
 * The row set: IKE_SAs keyed by unique id, CHILD_SAs beneath, as a reducer over listings and
 * events. Listings and events arrive on different connections, so every listing is applied
 * with the time it started: anything an event said after that moment is newer than what the
 * listing saw, and wins.
 */

export interface Counters {
  bytesIn: number;
  bytesOut: number;
  packetsIn: number;
  packetsOut: number;
}

const ZERO: Counters = { bytesIn: 0, bytesOut: 0, packetsIn: 0, packetsOut: 0 };

function countersOf(c: ChildSa): Counters {
  return {
    bytesIn: c.bytesIn ?? 0,
    bytesOut: c.bytesOut ?? 0,
    packetsIn: c.packetsIn ?? 0,
    packetsOut: c.packetsOut ?? 0,
  };
}

/** Bytes a second from one sample to the next, `spanMs` apart. */
function rateSince(before: number, now: number, spanMs: number): number | undefined {
  // A drop means counters we could not carry (a rekey we never heard of): no rate.
  return now >= before ? ((now - before) * 1000) / spanMs : undefined;
}

function add(a: Counters, b: Counters): Counters {
  return {
    bytesIn: a.bytesIn + b.bytesIn,
    bytesOut: a.bytesOut + b.bytesOut,
    packetsIn: a.packetsIn + b.packetsIn,
    packetsOut: a.packetsOut + b.packetsOut,
  };
}

/** A CHILD_SA's place in a chain of rekeys: the first one's id and what its predecessors carried. */
interface Lineage {
  lineage: string;
  base: Counters;
}

/** Events the table understands, already parsed by views.ts. */
export type RowEvent =
  | { kind: 'ike-updown'; up: boolean; ike: IkeSa }
  | { kind: 'child-updown'; up: boolean; ike: IkeSa }
  | { kind: 'ike-rekey'; old: IkeSa; new: IkeSa }
  | { kind: 'child-rekey'; ike: IkeSa; old: ChildSa; new: ChildSa }
  | {
      kind: 'ike-update';
      ike: IkeSa;
      localHost?: string;
      localPort?: number;
      remoteHost?: string;
      remotePort?: number;
    };

/** A listing as it was received: each IKE_SA with the moment its event arrived. */
export interface Listed {
  ike: IkeSa;
  at: number;
}

/** Whether list-sa body `next` says what `prev` said `elapsedS` seconds earlier. */
export type SameListing = (prev: Buffer, next: Buffer, elapsedS: number) => boolean;

/** A full listing being applied as it arrives. */
export interface FullListing {
  /** One IKE_SA of the listing; returns whether the rows changed. */
  add(ike: IkeSa, at: number): boolean;
  /**
   * The IKE_SA `id` listed again as `body`, undecoded: true when its row stands as it is, so
   * the body need not be decoded. `same(prev, body, elapsedS)` says whether `body` lists what
   * the row's own body `prev` did `elapsedS` seconds earlier (sa-decoder.ts sameButClock).
   * False (decode it and add() it) whenever anything but the listing could have changed the row.
   */
  keep(id: string, body: Buffer, at: number, same: SameListing): boolean;
  finish(): { changed: boolean; recheck: string[] };
}

/** Rates from two samples closer than this are noise; the previous rate stands. */
const MIN_RATE_SPAN_MS = 500;
/**
 * More SAs than this missing from one listing is a real disappearance, not busy SAs: at any
 * instant only a few are checked out by the daemon's worker threads (16 by default).
 */
const MIN_UNCONFIRMED_MISSES = 16;
const UNCONFIRMED_MISS_SHARE = 0.02;

/** What the rows add up to, kept as they change (subtract the old row, add the new). */
interface Sums {
  ike: number;
  established: number;
  connecting: number;
  child: number;
  rateIn: number;
  rateOut: number;
  /** Rows with a rate. */
  rated: number;
}

const zeroSums = (): Sums => ({
  ike: 0,
  established: 0,
  connecting: 0,
  child: 0,
  rateIn: 0,
  rateOut: 0,
  rated: 0,
});

function count(sums: Sums, row: IkeRow, sign: 1 | -1): void {
  sums.ike += sign;
  if (row.sa.state === 'ESTABLISHED') sums.established += sign;
  else if (row.sa.state === 'CONNECTING') sums.connecting += sign;
  sums.child += sign * (row.childCount ?? row.children.filter((c) => !c.ghost).length);
  sums.rateIn += sign * (row.rateIn ?? 0);
  sums.rateOut += sign * (row.rateOut ?? 0);
  if (row.rateIn !== undefined || row.rateOut !== undefined) sums.rated += sign;
}

/** CHILD_SA states of one that is on its way out: shown while listed, never counted. */
const GHOST_STATES = new Set(['REKEYED', 'DELETING', 'DELETED', 'DESTROYING']);

/** How long a CHILD_SA an event retired may still show, as a listing caught it (REKEYED, DELETING). */
export const RETIRED_GRACE_MS = 10_000;
const RETIRED_FORGET_MS = 5 * 60_000;

export class RowTable {
  private rows = new Map<string, IkeRow>();
  private view: ReadonlyMap<string, IkeRow> = new Map();
  private dirty = false;
  /** Last event that touched an IKE_SA, by unique id. */
  private readonly touched = new Map<string, number>();
  /** When an IKE_SA was reported gone by an event (down, or replaced by a rekey). */
  private readonly gone = new Map<string, number>();
  /**
   * IKE_SAs a `noblock` listing did not return although nothing said they went: they may
   * only have been busy. Removed when a later listing misses them again.
   */
  private readonly missed = new Map<string, number>();
  /** When each IKE_SA's counters last came from a listing (the scheduler refreshes oldest first). */
  private readonly refreshed = new Map<string, number>();
  /**
   * CHILD_SAs an event retired (replaced by a rekey, or down), by unique id. charon keeps a
   * rekeyed CHILD_SA for a moment and then drops it without another event, so a listing that
   * caught it in that moment would leave it on screen until the IKE_SA is listed again.
   */
  private readonly retired = new Map<string, { ike: string; at: number }>();
  private readonly lineages = new Map<string, Lineage>();
  /** Per lineage, the newest CHILD_SA: it alone gets the lineage's key. */
  private readonly heads = new Map<string, string>();
  private readonly ikeLineages = new Map<string, string>();
  /** Per CHILD_SA lineage, the totals at the last listing or event: what rates are measured from. */
  private readonly samples = new Map<string, { at: number; bytesIn: number; bytesOut: number }>();
  /** After a disconnect: the next full listing replaces everything without second chances. */
  private untrusted = false;
  private sums = zeroSums();
  /** Since the last takeDelta(): IKE keys whose row changed or came, and keys that went. */
  private readonly deltaChanged = new Set<string>();
  private readonly deltaGone = new Set<string>();
  private deltaReordered = true;

  /**
   * What changed since the last call: rows by key, and whether their order may have moved
   * (the first delta is everything). O(changes), not O(rows).
   */
  takeDelta(): IkeDelta {
    const d: IkeDelta = {
      changed: [...this.deltaChanged],
      gone: [...this.deltaGone],
      reordered: this.deltaReordered,
    };
    this.deltaChanged.clear();
    this.deltaGone.clear();
    this.deltaReordered = false;
    return d;
  }

  /** The totals over every row, kept as rows change: O(1). */
  totals(halfOpen = 0): Totals {
    const s = this.sums;
    return {
      ike: s.ike,
      established: s.established,
      connecting: s.connecting,
      halfOpen,
      child: s.child,
      // Sums of floats drift a little with every subtraction: never show one below zero.
      rateIn: Math.max(0, s.rateIn),
      rateOut: Math.max(0, s.rateOut),
    };
  }

  /** Whether any row has a rate yet. */
  get rated(): boolean {
    return this.sums.rated > 0;
  }

  /**
   * The rows, read-only: a new object whenever something changed since the last call, and
   * the same object otherwise, so identity says "changed". It is a view of the table as it is
   * now, not a copy (a copy per publish was an O(n) pass and n entries of garbage at 50,000
   * SAs): a reader that needs to know what changed reads takeDelta()'s journal, not two views.
   */
  snapshot(): ReadonlyMap<string, IkeRow> {
    if (this.dirty) {
      this.view = new LiveRows(() => this.rows);
      this.dirty = false;
    }
    return this.view;
  }

  get size(): number {
    return this.rows.size;
  }

  get(id: string): IkeRow | undefined {
    return this.rows.get(id);
  }

  /** When `id`'s counters last came from a listing (undefined: only events so far). */
  refreshedAt(id: string): number | undefined {
    return this.refreshed.get(id);
  }

  /** Every row's refreshedAt, live: read by the UI to tell how old the counters it shows are. */
  get refreshedTimes(): ReadonlyMap<string, number> {
    return this.refreshed;
  }

  /** IKE_SAs missed once, waiting for a listing that confirms they are gone. */
  unconfirmed(): string[] {
    return [...this.missed.keys()];
  }

  /** The link dropped: nothing here can be vouched for until a full listing replaces it. */
  markUntrusted(): void {
    this.untrusted = true;
    this.missed.clear();
  }

  /**
   * Drop CHILD_SAs retired more than RETIRED_GRACE_MS ago that a listing put back on a row;
   * returns whether a row changed.
   */
  expireRetired(now: number): boolean {
    let changed = false;
    for (const [uid, r] of this.retired) {
      if (now - r.at < RETIRED_GRACE_MS) continue;
      const row = this.rows.get(r.ike);
      if (row?.children.some((c) => c.sa.uniqueid === uid)) {
        const children = row.children.filter((c) => c.sa.uniqueid !== uid);
        this.put({ ...row, children, updatedAt: now });
        changed = true;
      }
      // Kept past the grace so later listings skip it, then forgotten: by then charon has
      // long dropped it, and a soak of rekeys must not grow this map without end.
      if (now - r.at > RETIRED_FORGET_MS) this.retired.delete(uid);
    }
    return changed;
  }

  /** The daemon restarted: unique ids start over, so old lineages would match strangers. */
  forgetLineages(): void {
    this.retired.clear();
    this.lineages.clear();
    this.heads.clear();
    this.ikeLineages.clear();
    this.samples.clear();
  }

  // --- events ------------------------------------------------------------------------------

  /** Apply one event; returns whether the rows changed. */
  applyEvent(ev: RowEvent, at: number): boolean {
    switch (ev.kind) {
      case 'ike-updown':
        return ev.up ? this.ikeUp(ev.ike, at) : this.ikeDown(ev.ike.uniqueid, at);
      case 'child-updown':
        return this.childUpdown(ev.up, ev.ike, at);
      case 'ike-rekey':
        return this.ikeRekey(ev.old, ev.new, at);
      case 'child-rekey':
        return this.childRekey(ev.ike, ev.old, ev.new, at);
      case 'ike-update':
        return this.ikeUpdate(ev, at);
    }
  }

  private touch(id: string, at: number): void {
    this.touched.set(id, at);
    this.missed.delete(id);
  }

  private ikeUp(ike: IkeSa, at: number): boolean {
    const id = ike.uniqueid;
    this.touch(id, at);
    this.gone.delete(id);
    const existing = this.rows.get(id);
    // ike-updown carries no children: the ones we know stay.
    const children = existing?.children ?? [];
    this.put(this.makeRow(ike, children, at, at, existing));
    return true;
  }

  private ikeDown(id: string, at: number): boolean {
    this.touch(id, at);
    this.gone.set(id, at);
    return this.remove(id);
  }

  private childUpdown(up: boolean, ike: IkeSa, at: number): boolean {
    const id = ike.uniqueid;
    const existing = this.rows.get(id);
    this.touch(id, at);
    if (!up) {
      for (const c of ike.children) this.retired.set(c.uniqueid, { ike: id, at });
      if (!existing) return false;
      const gone = new Set(ike.children.map((c) => c.uniqueid));
      const children = existing.children.filter((c) => !gone.has(c.sa.uniqueid));
      // The event's IKE_SA section is as of now: its relative times (established, rekey)
      // count from `at`, not from the last listing.
      this.put(this.makeRow(ike, children, at, at, existing));
      return true;
    }
    this.gone.delete(id);
    const children = [...(existing?.children ?? [])];
    for (const child of ike.children) {
      const i = children.findIndex((c) => c.sa.uniqueid === child.uniqueid);
      const built = this.makeChild(id, child, at, i >= 0 ? children[i] : undefined);
      if (i >= 0) children[i] = built;
      else children.push(built);
    }
    this.put(this.makeRow(ike, children, at, at, existing));
    return true;
  }

  private ikeRekey(old: IkeSa, next: IkeSa, at: number): boolean {
    const oldId = old.uniqueid;
    const newId = next.uniqueid;
    this.touch(oldId, at);
    this.touch(newId, at);
    this.gone.set(oldId, at);
    this.gone.delete(newId);
    this.ikeLineages.set(newId, this.ikeLineages.get(oldId) ?? oldId);
    const existing = this.rows.get(oldId);
    // The event carries no children: the CHILD_SAs move over to the new IKE_SA.
    const children = (existing?.children ?? []).map((c) => rekeyChildRow(c, oldId, newId));
    const row = this.makeRow(next, children, at, at, undefined);
    if (existing) this.replace(oldId, row);
    else this.put(row);
    const refreshed = this.refreshed.get(oldId);
    this.refreshed.delete(oldId);
    if (refreshed !== undefined) this.refreshed.set(newId, refreshed);
    return true;
  }

  private childRekey(ike: IkeSa, old: ChildSa, next: ChildSa, at: number): boolean {
    const id = ike.uniqueid;
    this.touch(id, at);
    this.retired.set(old.uniqueid, { ike: id, at });
    const prior = this.lineages.get(old.uniqueid) ?? { lineage: old.uniqueid, base: ZERO };
    this.lineages.set(old.uniqueid, prior);
    // The old SA's final counters join the carried base, so totals survive the rekey.
    this.lineages.set(next.uniqueid, {
      lineage: prior.lineage,
      base: add(prior.base, countersOf(old)),
    });
    this.heads.set(prior.lineage, next.uniqueid);
    const existing = this.rows.get(id);
    const children = [...(existing?.children ?? [])];
    const i = children.findIndex((c) => c.sa.uniqueid === old.uniqueid);
    const built = this.makeChild(id, next, at, i >= 0 ? children[i] : undefined);
    if (i >= 0) children[i] = built;
    else {
      const j = children.findIndex((c) => c.sa.uniqueid === next.uniqueid);
      if (j >= 0) children[j] = built;
      else children.push(built);
    }
    const sa = existing?.sa ?? ike;
    this.put(this.makeRow(sa, children, existing?.listedAt ?? at, at, existing));
    return true;
  }

  private ikeUpdate(ev: Extract<RowEvent, { kind: 'ike-update' }>, at: number): boolean {
    const id = ev.ike.uniqueid;
    const existing = this.rows.get(id);
    this.touch(id, at);
    if (!existing) return false;
    const sa: IkeSa = {
      ...existing.sa,
      localHost: ev.localHost ?? existing.sa.localHost,
      localPort: ev.localPort ?? existing.sa.localPort,
      remoteHost: ev.remoteHost ?? existing.sa.remoteHost,
      remotePort: ev.remotePort ?? existing.sa.remotePort,
    };
    this.put({ ...existing, sa, updatedAt: at });
    return true;
  }

  // --- listings ----------------------------------------------------------------------------

  /**
   * A full listing that started at `startedAt` replaces the row set. Returns the ids that
   * need a targeted listing soon: rows an event changed during the listing, and rows the
   * listing missed once.
   */
  applyFull(listed: readonly Listed[], startedAt: number): { changed: boolean; recheck: string[] } {
    const full = this.beginFull(startedAt);
    for (const { ike, at } of listed) full.add(ike, at);
    return full.finish();
  }

  /**
   * A full listing applied as it streams in: each IKE_SA updates its row at once (rows appear
   * while a listing of thousands is still running, and the work is spread out); `finish()`
   * then drops what the listing did not contain and puts the rows in the daemon's order.
   */
  beginFull(startedAt: number): FullListing {
    const seen = new Set<string>();
    const recheck: string[] = [];
    let changed = false;
    let done = false;
    return {
      add: (ike, at) => {
        const id = ike.uniqueid;
        if (done || seen.has(id)) return false;
        seen.add(id);
        if ((this.gone.get(id) ?? -Infinity) >= startedAt) return false;
        const existing = this.rows.get(id);
        if (existing && (this.touched.get(id) ?? -Infinity) >= startedAt) {
          // An event spoke after the listing began: the listing's copy may be older.
          recheck.push(id);
          return false;
        }
        this.refreshed.set(id, at);
        this.missed.delete(id);
        const row = this.rowFromListing(ike, at, existing);
        if (row === existing) return false;
        this.put(row);
        changed = true;
        return true;
      },
      keep: (id, body, at, same) => {
        if (done || seen.has(id)) return false;
        if ((this.gone.get(id) ?? -Infinity) >= startedAt) return false;
        if ((this.touched.get(id) ?? -Infinity) >= startedAt) return false;
        const existing = this.rows.get(id);
        if (!existing || !this.standsAsListed(existing, body, at, same)) return false;
        seen.add(id);
        this.refreshed.set(id, at);
        this.missed.delete(id);
        this.resample(existing, at);
        return true;
      },
      finish: () => {
        done = true;
        return this.finishFull(seen, startedAt, recheck, changed);
      },
    };
  }

  private finishFull(
    seen: ReadonlySet<string>,
    startedAt: number,
    recheck: string[],
    changedSoFar: boolean,
  ): { changed: boolean; recheck: string[] } {
    let changed = changedSoFar;
    const next = new Map<string, IkeRow>();
    for (const id of seen) {
      const row = this.rows.get(id);
      if (row) next.set(id, row);
    }
    const cameUp = (id: string) => (this.touched.get(id) ?? -Infinity) >= startedAt;
    let missing = 0;
    for (const id of this.rows.keys()) if (!next.has(id) && !cameUp(id)) missing++;
    const cap = Math.max(MIN_UNCONFIRMED_MISSES, this.rows.size * UNCONFIRMED_MISS_SHARE);
    const secondChance = !this.untrusted && missing <= cap;
    for (const [id, row] of this.rows) {
      if (next.has(id)) continue;
      if (cameUp(id)) {
        next.set(id, row); // came up while the listing ran
        continue;
      }
      const firstMiss = this.missed.get(id);
      if (secondChance && (firstMiss === undefined || firstMiss >= startedAt)) {
        // `noblock` skips IKE_SAs that are busy this instant; gone only if missed again.
        if (firstMiss === undefined) this.missed.set(id, startedAt);
        next.set(id, row);
        recheck.push(id);
      } else {
        this.missed.delete(id);
        this.refreshed.delete(id);
        this.forget(id, row);
        changed = true;
      }
    }
    if (!sameOrder(this.rows, next)) {
      if (!sameRelativeOrder(this.rows, next)) this.deltaReordered = true;
      changed = true;
      this.rows = next;
      this.dirty = true;
      // An exact recount once per full listing (O(n) here anyway) ends any float drift.
      this.sums = zeroSums();
      for (const r of next.values()) count(this.sums, r, 1);
    }
    this.untrusted = false;
    this.prune(startedAt);
    return { changed, recheck };
  }

  /** A listing filtered by `ike-id`: `listed` is empty when the daemon did not return it. */
  applyFiltered(id: string, listed: readonly Listed[], startedAt: number): boolean {
    const hit = listed.find((l) => l.ike.uniqueid === id);
    if ((this.gone.get(id) ?? -Infinity) >= startedAt) return false;
    const existing = this.rows.get(id);
    if ((this.touched.get(id) ?? -Infinity) >= startedAt && existing) return false;
    if (!hit) {
      if (!existing) return false;
      const firstMiss = this.missed.get(id);
      if (firstMiss === undefined || firstMiss >= startedAt) {
        if (firstMiss === undefined) this.missed.set(id, startedAt);
        return false;
      }
      this.missed.delete(id);
      this.refreshed.delete(id);
      return this.remove(id);
    }
    this.missed.delete(id);
    this.refreshed.set(id, hit.at);
    const row = this.rowFromListing(hit.ike, hit.at, existing);
    if (row === existing) return false;
    this.put(row);
    return true;
  }

  // --- building rows -----------------------------------------------------------------------

  /**
   * Whether rowFromListing, given at `at` a listing that `same` finds equal to the one `row`
   * was made from, would return `row` itself. That holds when the row and each of its
   * CHILD_SAs came from that one listing and nothing since has touched what rowFromListing
   * reads besides the listing: lineages and their heads, retired CHILD_SAs, carried counters.
   * The rates it would measure must also come out as they are (no traffic, or too soon).
   */
  private standsAsListed(row: IkeRow, next: Buffer, at: number, same: SameListing): boolean {
    const body = listingBody(row.sa);
    if (body === undefined) return false;
    const id = row.key;
    if ((this.ikeLineages.get(id) ?? row.lineage) !== row.lineage) return false;
    const listed = row.sa.children;
    if (listed.length !== row.children.length) return false;
    for (let i = 0; i < listed.length; i++) {
      const c = row.children[i]!;
      const sa = listed[i]!;
      if (c.sa !== sa || c.ghost || c.listedAt !== row.listedAt || c.lineage === undefined) {
        return false;
      }
      if (this.retired.has(sa.uniqueid) || this.heads.get(c.lineage) !== sa.uniqueid) return false;
      const lineage = this.lineages.get(sa.uniqueid);
      if (!lineage || lineage.lineage !== c.lineage || c.key !== `${id}/${c.lineage}`) return false;
      const total = add(lineage.base, countersOf(sa));
      if (total.bytesIn !== c.bytesInTotal || total.bytesOut !== c.bytesOutTotal) return false;
      if (total.packetsIn !== c.packetsInTotal || total.packetsOut !== c.packetsOutTotal) {
        return false;
      }
      const sample = this.samples.get(c.lineage);
      if (!sample) return false;
      const span = at - sample.at;
      if (span >= MIN_RATE_SPAN_MS) {
        // makeChild would measure a rate over `span`: it must be the row's.
        if (rateSince(sample.bytesIn, total.bytesIn, span) !== c.rateIn) return false;
        if (rateSince(sample.bytesOut, total.bytesOut, span) !== c.rateOut) return false;
      }
    }
    return same(body, next, (at - row.listedAt) / 1000);
  }

  /** What makeChild does to the rate samples of a row it keeps (standsAsListed held). */
  private resample(row: IkeRow, at: number): void {
    for (const c of row.children) {
      if (c.lineage === undefined) continue;
      const sample = this.samples.get(c.lineage);
      if (sample && at - sample.at >= MIN_RATE_SPAN_MS) {
        this.samples.set(c.lineage, { at, bytesIn: c.bytesInTotal, bytesOut: c.bytesOutTotal });
      }
    }
  }

  private rowFromListing(ike: IkeSa, at: number, existing: IkeRow | undefined): IkeRow {
    const id = ike.uniqueid;
    const before = new Map(existing?.children.map((c) => [c.key, c]));
    const listed = ike.children.filter((c) => {
      const r = this.retired.get(c.uniqueid);
      return r === undefined || at - r.at < RETIRED_GRACE_MS;
    });
    const children = listed.map((c) => {
      const key = this.childKey(id, c.uniqueid);
      return this.makeChild(id, c, at, before.get(key));
    });
    const row = this.makeRow(ike, children, at, at, existing);
    if (existing && sameRow(existing, row)) return existing;
    return row;
  }

  private makeRow(
    sa: IkeSa,
    children: readonly ChildRow[],
    listedAt: number,
    updatedAt: number,
    existing: IkeRow | undefined,
  ): IkeRow {
    let rateIn: number | undefined;
    let rateOut: number | undefined;
    let bytesInTotal = 0;
    let bytesOutTotal = 0;
    let childCount = 0;
    for (const c of children) {
      // A ghost's counters live on in its successor: counting both would count them twice.
      if (c.ghost) continue;
      childCount++;
      bytesInTotal += c.bytesInTotal;
      bytesOutTotal += c.bytesOutTotal;
      if (c.rateIn !== undefined) rateIn = (rateIn ?? 0) + c.rateIn;
      if (c.rateOut !== undefined) rateOut = (rateOut ?? 0) + c.rateOut;
    }
    const lineage = this.ikeLineages.get(sa.uniqueid) ?? existing?.lineage ?? sa.uniqueid;
    return {
      key: sa.uniqueid,
      sa,
      children,
      listedAt,
      updatedAt,
      rateIn,
      rateOut,
      bytesInTotal,
      bytesOutTotal,
      childCount,
      lineage,
    };
  }

  private lineageOf(uniqueid: string): Lineage {
    let l = this.lineages.get(uniqueid);
    if (!l) {
      l = { lineage: uniqueid, base: ZERO };
      this.lineages.set(uniqueid, l);
    }
    if (!this.heads.has(l.lineage)) this.heads.set(l.lineage, uniqueid);
    return l;
  }

  private childKey(ikeKey: string, uniqueid: string): string {
    const l = this.lineageOf(uniqueid);
    const head = this.heads.get(l.lineage);
    // While old and new both exist (a rekey in progress), only the newest owns the key.
    return head === uniqueid ? `${ikeKey}/${l.lineage}` : `${ikeKey}/${l.lineage}/${uniqueid}`;
  }

  private makeChild(ikeKey: string, sa: ChildSa, at: number, prev: ChildRow | undefined): ChildRow {
    const key = this.childKey(ikeKey, sa.uniqueid);
    const lineage = this.lineageOf(sa.uniqueid);
    const total = add(lineage.base, countersOf(sa));
    let rateIn = prev?.rateIn;
    let rateOut = prev?.rateOut;
    // Rates come from the lineage's last sample, not from `prev`: an idle row keeps its old
    // object (and its old listedAt), yet the next rate must span only the last interval.
    const head = this.heads.get(lineage.lineage) === sa.uniqueid;
    if (head) {
      const sample = this.samples.get(lineage.lineage);
      const span = sample ? at - sample.at : 0;
      if (!sample || span >= MIN_RATE_SPAN_MS) {
        if (sample) {
          rateIn = rateSince(sample.bytesIn, total.bytesIn, span);
          rateOut = rateSince(sample.bytesOut, total.bytesOut, span);
        }
        this.samples.set(lineage.lineage, { at, bytesIn: total.bytesIn, bytesOut: total.bytesOut });
      }
    }
    const ghost = !head || GHOST_STATES.has(sa.state) || this.retired.has(sa.uniqueid) || undefined;
    const row: ChildRow = {
      key,
      sa,
      bytesInTotal: total.bytesIn,
      bytesOutTotal: total.bytesOut,
      packetsInTotal: total.packetsIn,
      packetsOutTotal: total.packetsOut,
      rateIn,
      rateOut,
      listedAt: at,
      lineage: lineage.lineage,
      ...(ghost ? { ghost } : {}),
    };
    if (prev && prev.key === key && sameChild(prev, row)) return prev;
    return row;
  }

  private put(row: IkeRow): void {
    const old = this.rows.get(row.key);
    if (old) count(this.sums, old, -1);
    const compact = compactRow(row);
    count(this.sums, compact, 1);
    this.rows.set(row.key, compact);
    this.deltaChanged.add(row.key);
    this.deltaGone.delete(row.key);
    this.dirty = true;
  }

  private remove(id: string): boolean {
    const old = this.rows.get(id);
    if (!old) return false;
    this.rows.delete(id);
    this.forget(id, old);
    this.dirty = true;
    return true;
  }

  /** Account for a row that leaves the table (the caller takes it out). */
  private forget(id: string, row: IkeRow): void {
    count(this.sums, row, -1);
    this.deltaChanged.delete(id);
    this.deltaGone.add(id);
  }

  /** Swap a row for another under a new key, keeping its place in the order. */
  private replace(oldId: string, row: IkeRow): void {
    const next = new Map<string, IkeRow>();
    const compact = compactRow(row);
    for (const [id, r] of this.rows) {
      if (id === oldId) {
        this.forget(id, r);
        next.set(row.key, compact);
      } else if (id !== row.key) next.set(id, r);
      else count(this.sums, r, -1);
    }
    count(this.sums, compact, 1);
    this.deltaChanged.add(row.key);
    this.deltaGone.delete(row.key);
    this.rows = next;
    this.dirty = true;
  }

  /** Forget what no future listing can need: they all start after `before`. */
  private prune(before: number): void {
    for (const [id, t] of this.touched) if (t < before) this.touched.delete(id);
    for (const [id, t] of this.gone) if (t < before) this.gone.delete(id);
    for (const id of this.refreshed.keys()) if (!this.rows.has(id)) this.refreshed.delete(id);
    for (const [uid, r] of this.retired) if (!this.rows.has(r.ike)) this.retired.delete(uid);
    const liveChildren = new Set<string>();
    const liveIkes = new Set<string>();
    for (const row of this.rows.values()) {
      liveIkes.add(row.key);
      for (const c of row.children) liveChildren.add(c.sa.uniqueid);
    }
    for (const uid of this.lineages.keys()) if (!liveChildren.has(uid)) this.lineages.delete(uid);
    const liveLineages = new Set([...this.lineages.values()].map((l) => l.lineage));
    for (const l of this.heads.keys()) if (!liveLineages.has(l)) this.heads.delete(l);
    for (const l of this.samples.keys()) if (!liveLineages.has(l)) this.samples.delete(l);
    for (const id of this.ikeLineages.keys()) if (!liveIkes.has(id)) this.ikeLineages.delete(id);
  }
}

/** A read-only window on the table's current row map (which finishFull may swap). */
class LiveRows implements ReadonlyMap<string, IkeRow> {
  constructor(private readonly rows: () => ReadonlyMap<string, IkeRow>) {}
  get size(): number {
    return this.rows().size;
  }
  get(key: string): IkeRow | undefined {
    return this.rows().get(key);
  }
  has(key: string): boolean {
    return this.rows().has(key);
  }
  forEach(
    fn: (value: IkeRow, key: string, map: ReadonlyMap<string, IkeRow>) => void,
    thisArg?: unknown,
  ): void {
    for (const [k, v] of this.rows()) fn.call(thisArg, v, k, this);
  }
  entries(): MapIterator<[string, IkeRow]> {
    return this.rows().entries();
  }
  keys(): MapIterator<string> {
    return this.rows().keys();
  }
  values(): MapIterator<IkeRow> {
    return this.rows().values();
  }
  [Symbol.iterator](): MapIterator<[string, IkeRow]> {
    return this.rows().entries();
  }
}

function rekeyChildRow(c: ChildRow, oldIke: string, newIke: string): ChildRow {
  const prefix = `${oldIke}/`;
  const key = c.key.startsWith(prefix) ? `${newIke}/${c.key.slice(prefix.length)}` : c.key;
  return { ...c, key };
}

/** Whether the keys both maps hold come in the same order in each. */
function sameRelativeOrder(
  a: ReadonlyMap<string, IkeRow>,
  b: ReadonlyMap<string, IkeRow>,
): boolean {
  const ib = b.keys();
  for (const k of a.keys()) {
    if (!b.has(k)) continue;
    let n = ib.next();
    while (!n.done && !a.has(n.value)) n = ib.next();
    if (n.done || n.value !== k) return false;
  }
  return true;
}

function sameOrder(a: ReadonlyMap<string, IkeRow>, b: ReadonlyMap<string, IkeRow>): boolean {
  if (a.size !== b.size) return false;
  const ia = a.entries();
  for (const [k, v] of b) {
    const n = ia.next();
    if (n.done || n.value[0] !== k || n.value[1] !== v) return false;
  }
  return true;
}

// --- content comparison ---------------------------------------------------------------------
// A listing re-reads every SA; an idle one only shows its relative times moved on by the time
// that passed. Keeping the old object then lets the UI skip it (and the whole map, if nothing
// moved).

const SKIP = new Set(['raw', 'children', 'listedAt', 'updatedAt', 'sa', 'key']);

function sameFields(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  elapsedS: number,
): boolean {
  // Both sides come from the same parser, so they have the same keys: walk one of them.
  for (const k in a) {
    if (SKIP.has(k)) continue;
    const x = a[k];
    const y = b[k];
    if (typeof x === 'number' && typeof y === 'number') {
      const grows = GROWING_FIELDS.has(k);
      if (!grows && !SHRINKING_FIELDS.has(k)) {
        if (x !== y) return false;
        continue;
      }
      if (!clockAgrees(x, y, elapsedS, grows)) return false;
      continue;
    }
    if (x === y) continue;
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
      continue;
    }
    return false;
  }
  return true;
}

function sameChild(a: ChildRow, b: ChildRow): boolean {
  const elapsed = (b.listedAt - a.listedAt) / 1000;
  return (
    a.key === b.key &&
    a.ghost === b.ghost &&
    a.rateIn === b.rateIn &&
    a.rateOut === b.rateOut &&
    sameFields(
      a as unknown as Record<string, unknown>,
      b as unknown as Record<string, unknown>,
      0,
    ) &&
    sameFields(
      a.sa as unknown as Record<string, unknown>,
      b.sa as unknown as Record<string, unknown>,
      elapsed,
    )
  );
}

function sameRow(a: IkeRow, b: IkeRow): boolean {
  if (a.children.length !== b.children.length) return false;
  if (a.children.some((c, i) => c !== b.children[i])) return false;
  if (a.rateIn !== b.rateIn || a.rateOut !== b.rateOut || a.lineage !== b.lineage) return false;
  const elapsed = (b.listedAt - a.listedAt) / 1000;
  return sameFields(
    a.sa as unknown as Record<string, unknown>,
    b.sa as unknown as Record<string, unknown>,
    elapsed,
  );
}
