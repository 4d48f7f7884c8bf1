import { LiveIndex } from '../monitor/live-index.js';
import type { ChildRow, IkeDelta, IkeRow, MonitorSnapshot } from '../monitor/types.js';
import type { ContentWidths } from './columns.js';
import {
  byId,
  carryHaystacks,
  compareKeys,
  type DisplayRow,
  type Folds,
  ikeDisplayRows,
  ikeSortKey,
  isFolded,
  needleOf,
  prepareHaystacks,
  type SortKey,
  type SortSpec,
  shownChildren,
  sortChildren,
} from './rows.js';
import { carryWidths, ikeWidths, WidthMaxima } from './sa-widths.js';

/*
 * The SAs view's rows, kept live across snapshots (issue 9 item 3): the sorted order of every
 * IKE_SA and of those the filter shows (LiveIndex), each one's shown children, the display
 * height of each with prefix sums, the content widths as maxima kept per add and remove, and
 * key → position. A published change of k IKE_SAs costs O(k log n) comparisons and O(n)
 * integer additions for the prefix sums; no pass that builds an object or a string per row.
 * Only the display rows asked for (the visible window) are made. A new sort, or a snapshot
 * whose changes since the last one are unknown, rebuilds the order (O(n log n)); a new filter
 * keeps the sorted order of every IKE_SA and picks from it (O(n)).
 */

/** The rows the SAs view shows, read from the model's current state. */
export interface SaRows {
  /** Display rows: IKE_SAs and the CHILD_SAs shown under them. */
  readonly length: number;
  /** IKE_SAs shown. */
  readonly ikeCount: number;
  /** The widest cell of each content-sized column over every IKE_SA shown. */
  readonly widths: ContentWidths;
  at(i: number): DisplayRow | undefined;
  /** Display rows [from, to): only these are made. */
  slice(from: number, to: number): DisplayRow[];
  /** The position of the row with this key, or -1. */
  indexOf(key: string): number;
  /** The first row whose lineage (derive.ts rowLineage) is this one, or -1. */
  indexOfLineage(lineage: string): number;
}

/** What a snapshot offers the model; `changesSince` comes with the store's journal. */
export type SaSource = Pick<MonitorSnapshot, 'version' | 'ikes' | 'delta'> & {
  changesSince?(version: number): IkeDelta | undefined;
};

export interface SaQuery {
  snap: SaSource;
  filter: string;
  sort: SortSpec;
  folds: Folds;
}

interface Entry {
  readonly ike: IkeRow;
  /** Its unique id as a number, for the tie-break (rows.ts byId, without parsing each time). */
  readonly num: number;
  /** The rebuild that last found it in a snapshot. */
  seen: number;
  /** What it sorts by under the model's sort: fixed while it is placed in an index. */
  key: SortKey;
  /** The children it shows under the model's filter; undefined when it is not shown. */
  kids: readonly ChildRow[] | undefined;
  /** `kids` in the sort's order, made when first drawn. */
  sorted?: readonly ChildRow[];
  /** Its display rows, made when first drawn; `rows[0].folded` says for which fold. */
  rows?: DisplayRow[];
  /** Rows it takes on screen: 1, plus its shown children unless folded. */
  height: number;
  /** Its content widths (sa-widths.ts). */
  readonly widths: readonly number[];
}

const keyOf = (e: Entry) => e.ike.key;

/** From this many changed IKE_SAs on, a delta is merged in rather than placed one by one. */
const MANY = 32;

/** What a new row of the same IKE_SA can take over from the old one (when its fields agree). */
function carry(from: IkeRow, to: IkeRow): void {
  carryHaystacks(from, to);
  carryWidths(from, to);
}

export class SaModel implements SaRows {
  private sort: SortSpec | undefined;
  private needle = '';
  private folds: Folds = { all: false, except: new Set() };
  /** The snapshot the rows are as of. */
  private ikes: SaSource['ikes'] | undefined;
  private version = 0;
  /** Every IKE_SA, by key. */
  private entries = new Map<string, Entry>();
  /** Every IKE_SA in the sort's order: a new filter picks from it without sorting. */
  private readonly all = new LiveIndex<Entry>(
    keyOf,
    (a, b) => this.compare(a, b),
    () => true,
    (key) => this.entries.get(key),
  );
  /** Those the filter shows: the entries with children to show. */
  private readonly shown = new LiveIndex<Entry>(
    keyOf,
    (a, b) => this.compare(a, b),
    (e) => e.kids !== undefined,
    (key) => {
      const e = this.entries.get(key);
      return e?.kids === undefined ? undefined : e;
    },
  );
  /** ends[p]: the display rows up to and including shown IKE_SA p; true below `valid`. */
  private ends = new Int32Array(1024);
  private valid = 0;
  private readonly maxima = new WidthMaxima();
  /** prepare() has been through `all` up to here since its order last changed. */
  private preparedTo = 0;
  /** Counts rebuilds: an entry not stamped by the last one is gone. */
  private stamp = 0;
  /** IKE keys by `lineage ?? key`: where a row's lineage leads after a rekey. */
  private anchors = new Map<string, string | string[]>();

  /** Brings the model to a snapshot and a view state; returns itself, to read. */
  update(q: SaQuery): SaRows {
    // Sort keys depend on the column only: inverting the order re-sorts the same keys.
    const rekey = this.sort === undefined || this.sort.column !== q.sort.column;
    const resort = rekey || this.sort!.desc !== q.sort.desc;
    const needle = needleOf(q.filter);
    const refilter = needle !== this.needle;
    const plan = this.plan(q.snap);
    this.sort = q.sort;
    const oldFolds = this.folds;
    this.folds = q.folds;
    const oldNeedle = this.needle;
    if (resort && plan === 'none') {
      this.needle = needle;
      this.resort(rekey);
      this.refilter(false);
    } else if (resort || plan === 'reset') {
      this.needle = needle;
      this.rebuild(q.snap.ikes, resort, rekey);
      this.refilter(false);
    } else {
      // A longer needle that holds the old one can only show fewer: the delta goes in under
      // the old one, then only those shown are looked at.
      const narrowed = refilter && oldNeedle !== '' && needle.includes(oldNeedle);
      if (plan !== 'none') this.apply(plan, q.snap.ikes, !refilter || narrowed);
      if (refilter) {
        this.needle = needle;
        this.refilter(narrowed);
      } else if (oldFolds !== q.folds) this.refold(oldFolds);
    }
    this.ikes = q.snap.ikes;
    this.version = q.snap.version;
    return this;
  }

  get length(): number {
    const m = this.shown.size;
    return m === 0 ? 0 : this.end(m - 1);
  }

  get ikeCount(): number {
    return this.shown.size;
  }

  get widths(): ContentWidths {
    return this.maxima.widths();
  }

  at(i: number): DisplayRow | undefined {
    if (i < 0 || i >= this.length) return undefined;
    const p = this.positionOf(i);
    return this.rowsOf(this.shown.at(p)!)[i - this.start(p)];
  }

  slice(from: number, to: number): DisplayRow[] {
    const n = this.length;
    const lo = Math.max(0, from);
    const hi = Math.min(n, to);
    const out: DisplayRow[] = [];
    if (lo >= hi) return out;
    let p = this.positionOf(lo);
    let i = lo;
    while (i < hi) {
      const rows = this.rowsOf(this.shown.at(p)!);
      const start = this.start(p);
      for (let j = i - start; j < rows.length && i < hi; j++, i++) out.push(rows[j]!);
      p++;
    }
    return out;
  }

  indexOf(key: string): number {
    const p = this.shown.indexOf(key);
    if (p >= 0) return this.start(p);
    // A CHILD_SA's key starts with its IKE_SA's and a slash; an IKE key from the daemon could
    // hold a slash itself, so every prefix is tried (they are few).
    for (let s = key.indexOf('/'); s > 0; s = key.indexOf('/', s + 1)) {
      const q = this.shown.indexOf(key.slice(0, s));
      if (q < 0) continue;
      const rows = this.rowsOf(this.shown.at(q)!);
      for (let j = 1; j < rows.length; j++) if (rows[j]!.key === key) return this.start(q) + j;
    }
    return -1;
  }

  indexOfLineage(lineage: string): number {
    let best = -1;
    const consider = (i: number) => {
      if (i >= 0 && (best < 0 || i < best)) best = i;
    };
    if (lineage.startsWith('ike:')) {
      const l = lineage.slice(4);
      for (const key of this.anchored(l)) {
        const p = this.shown.indexOf(key);
        if (p >= 0 && this.shown.at(p)!.ike.lineage === l) consider(this.start(p));
      }
      return best;
    }
    if (!lineage.startsWith('child:')) return -1;
    const rest = lineage.slice(6);
    for (let s = rest.indexOf('/'); s > 0; s = rest.indexOf('/', s + 1)) {
      const anchor = rest.slice(0, s);
      const child = rest.slice(s + 1);
      for (const key of this.anchored(anchor)) {
        const p = this.shown.indexOf(key);
        if (p < 0) continue;
        const rows = this.rowsOf(this.shown.at(p)!);
        for (let j = 1; j < rows.length; j++) {
          const r = rows[j]!;
          if (r.kind === 'child' && r.child.lineage === child) consider(this.start(p) + j);
        }
      }
    }
    return best;
  }

  /**
   * Prepares the filter's haystacks of up to `count` IKE_SAs not yet prepared, so that the
   * first filter typed does not build every row's at once (the App calls this when idle).
   * Returns true when every IKE_SA's is ready. Rows that came since are picked up by the next
   * pass; one missed is built when a filter needs it, as before.
   */
  prepare(count: number): boolean {
    let left = count;
    while (this.preparedTo < this.all.size && left > 0) {
      prepareHaystacks(this.all.at(this.preparedTo++)!.ike);
      left--;
    }
    return this.preparedTo >= this.all.size;
  }

  /** What the snapshot asks of the rows: nothing, a delta, or a rebuild. */
  private plan(snap: SaSource): 'none' | 'reset' | IkeDelta {
    if (this.ikes === undefined) return 'reset';
    if (snap.ikes === this.ikes && snap.version === this.version) return 'none';
    if (snap.version > this.version) {
      // The store's journal covers skipped versions; a lone delta only the next one.
      if (snap.changesSince) return snap.changesSince(this.version) ?? 'reset';
      if (snap.delta && snap.version === this.version + 1) return snap.delta;
    }
    // The same map (a store without a journal, or a snapshot made by hand): nothing moved.
    if (snap.ikes === this.ikes) return 'none';
    return 'reset';
  }

  private compare(a: Entry, b: Entry): number {
    return (
      compareKeys(a.key, b.key, this.sort!.desc) ||
      a.num - b.num ||
      byId(a.ike.sa.uniqueid, b.ike.sa.uniqueid)
    );
  }

  private entry(ike: IkeRow): Entry {
    const kids = shownChildren(ike, this.needle);
    const e: Entry = {
      ike,
      num: Number(ike.sa.uniqueid),
      seen: this.stamp,
      key: ikeSortKey(ike, this.sort!.column),
      kids,
      height: 0,
      widths: ikeWidths(ike),
    };
    e.height = this.heightOf(e);
    return e;
  }

  private heightOf(e: Entry): number {
    return 1 + (e.kids === undefined || isFolded(this.folds, e.ike.key) ? 0 : e.kids.length);
  }

  /** Every IKE_SA from the snapshot; unchanged rows keep their entries (and cached children). */
  private rebuild(ikes: SaSource['ikes'], resort: boolean, rekey: boolean): void {
    const stamp = ++this.stamp;
    for (const ike of ikes.values()) {
      let e = this.entries.get(ike.key);
      if (e !== undefined && e.ike === ike) {
        e.seen = stamp;
        if (resort) this.unsort(e, rekey);
        continue;
      }
      // The indexes are rebuilt below, so the old entry may leave `entries` placed.
      if (e !== undefined) this.anchor(e, false);
      e = this.entry(ike);
      this.entries.set(ike.key, e);
      this.anchor(e, true);
    }
    // What the snapshot no longer has (deleting while iterating a Map is safe).
    for (const [key, e] of this.entries)
      if (e.seen !== stamp) {
        this.entries.delete(key);
        this.anchor(e, false);
      }
    this.all.reset(this.entries.values());
    this.preparedTo = 0;
  }

  /** A new sort over the same rows: no look at the snapshot, the entries are the rows. */
  private resort(rekey: boolean): void {
    for (const e of this.entries.values()) this.unsort(e, rekey);
    this.all.reset(this.entries.values());
    // The same rows in a new order: prepare() walks them again (a lookup each when prepared).
    this.preparedTo = 0;
  }

  private unsort(e: Entry, rekey: boolean): void {
    if (rekey) e.key = ikeSortKey(e.ike, this.sort!.column);
    e.sorted = undefined;
    e.rows = undefined;
  }

  /**
   * The shown IKE_SAs picked anew from the sorted order of all (O(n), no sort), or from those
   * shown now when the filter can only have narrowed.
   */
  private refilter(narrowed: boolean): void {
    this.maxima.clear();
    const kept: Entry[] = [];
    const from = narrowed ? this.shown : this.all;
    for (let i = 0; i < from.size; i++) {
      const e = from.at(i)!;
      const kids = shownChildren(e.ike, this.needle);
      if (kids !== e.kids) {
        e.kids = kids;
        e.sorted = undefined;
        e.rows = undefined;
      }
      if (kids === undefined) continue;
      e.height = this.heightOf(e);
      kept.push(e);
      this.maxima.add(e.widths);
    }
    // Already in order: the index's sort only confirms it (n - 1 comparisons).
    this.shown.reset(kept);
    this.valid = 0;
  }

  /** Heights after a fold change: only the IKE_SAs whose fold changed, unless all did. */
  private refold(old: Folds): void {
    const f = this.folds;
    if (old.all !== f.all) {
      for (let p = 0; p < this.shown.size; p++) {
        const e = this.shown.at(p)!;
        e.height = this.heightOf(e);
      }
      this.valid = 0;
      return;
    }
    const flip = (key: string) => {
      const p = this.shown.indexOf(key);
      if (p < 0) return;
      const e = this.shown.at(p)!;
      e.height = this.heightOf(e);
      this.dirty(p);
    };
    for (const key of f.except) if (!old.except.has(key)) flip(key);
    for (const key of old.except) if (!f.except.has(key)) flip(key);
  }

  /**
   * A delta: each changed IKE_SA's entry out, its new one in. A few are placed one by one
   * (O(log n) comparisons and a splice each); many (a full listing's new counters) in one
   * merge per index, O(n + k log k).
   */
  private apply(d: IkeDelta, ikes: SaSource['ikes'], show: boolean): void {
    if (d.gone.length + d.changed.length >= MANY) {
      this.applyMany(d, ikes, show);
      return;
    }
    for (const key of d.gone) this.drop(key, show);
    for (const key of d.changed) {
      const ike = ikes.get(key);
      const e = this.entries.get(key);
      if (e !== undefined && e.ike === ike) continue;
      if (e !== undefined && ike !== undefined) carry(e.ike, ike);
      this.drop(key, show);
      if (ike !== undefined) this.add(ike, show);
    }
  }

  private applyMany(d: IkeDelta, ikes: SaSource['ikes'], show: boolean): void {
    const dead = new Set<Entry>();
    const fresh: Entry[] = [];
    const out = (key: string) => {
      const e = this.entries.get(key);
      if (e === undefined) return;
      dead.add(e);
      this.entries.delete(key);
      this.anchor(e, false);
      if (show && e.kids !== undefined) this.maxima.delete(e.widths);
    };
    for (const key of d.gone) out(key);
    for (const key of d.changed) {
      const ike = ikes.get(key);
      const e = this.entries.get(key);
      if (e !== undefined && e.ike === ike) continue;
      if (e !== undefined && ike !== undefined) carry(e.ike, ike);
      out(key);
      if (ike === undefined) continue;
      const n = this.entry(ike);
      this.entries.set(key, n);
      this.anchor(n, true);
      fresh.push(n);
      if (show && n.kids !== undefined) this.maxima.add(n.widths);
    }
    if (dead.size === 0 && fresh.length === 0) return;
    const gone = (e: Entry) => dead.has(e);
    this.all.replaceMany(gone, fresh);
    this.preparedTo = 0;
    if (!show) return;
    this.shown.replaceMany(gone, fresh);
    this.valid = 0;
  }

  private drop(key: string, show: boolean): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    // Out of the indexes first: they find it through `entries`.
    const at = this.all.remove(key);
    if (at >= 0 && at < this.preparedTo) this.preparedTo--;
    const p = show ? this.shown.remove(key) : -1;
    this.entries.delete(key);
    this.anchor(e, false);
    if (p < 0) return;
    this.maxima.delete(e.widths);
    this.dirty(p);
  }

  private add(ike: IkeRow, show: boolean): void {
    const e = this.entry(ike);
    this.entries.set(ike.key, e);
    this.anchor(e, true);
    const at = this.all.insert(e);
    if (at < this.preparedTo) {
      // Behind prepare()'s walk: prepared now, while the walk keeps its place.
      prepareHaystacks(ike);
      this.preparedTo++;
    }
    if (!show) return;
    const p = this.shown.insert(e);
    if (p < 0) return;
    this.maxima.add(e.widths);
    this.dirty(p);
  }

  private anchor(e: Entry, add: boolean): void {
    const a = e.ike.lineage ?? e.ike.key;
    const key = e.ike.key;
    const had = this.anchors.get(a);
    if (add) {
      if (had === undefined) this.anchors.set(a, key);
      else if (typeof had === 'string') this.anchors.set(a, [had, key]);
      else had.push(key);
      return;
    }
    if (had === key) this.anchors.delete(a);
    else if (Array.isArray(had)) {
      const rest = had.filter((k) => k !== key);
      this.anchors.set(a, rest.length === 1 ? rest[0]! : rest);
    }
  }

  private anchored(anchor: string): readonly string[] {
    const had = this.anchors.get(anchor);
    return had === undefined ? [] : typeof had === 'string' ? [had] : had;
  }

  private rowsOf(e: Entry): DisplayRow[] {
    const folded = isFolded(this.folds, e.ike.key);
    const first = e.rows?.[0];
    if (first === undefined || first.kind !== 'ike' || first.folded !== folded) {
      e.sorted ??= sortChildren(e.kids ?? [], this.sort!);
      e.rows = ikeDisplayRows(e.ike, e.sorted, this.folds);
    }
    return e.rows!;
  }

  private dirty(p: number): void {
    if (p < this.valid) this.valid = p;
  }

  /** The prefix sums, brought up to date through shown IKE_SA `p`. */
  private end(p: number): number {
    if (p >= this.valid) {
      const m = this.shown.size;
      if (this.ends.length < m) {
        const grown = new Int32Array(Math.max(m, this.ends.length * 2));
        grown.set(this.ends.subarray(0, this.valid));
        this.ends = grown;
      }
      let sum = this.valid === 0 ? 0 : this.ends[this.valid - 1]!;
      for (let i = this.valid; i < m; i++) {
        sum += this.shown.at(i)!.height;
        this.ends[i] = sum;
      }
      this.valid = m;
    }
    return this.ends[p]!;
  }

  private start(p: number): number {
    return p === 0 ? 0 : this.end(p - 1);
  }

  /** The shown IKE_SA whose rows hold display row `i` (0 ≤ i < length). */
  private positionOf(i: number): number {
    this.end(this.shown.size - 1);
    let lo = 0;
    let hi = this.shown.size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid]! > i) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
