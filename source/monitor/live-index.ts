/*
 * A sorted, filtered view of the rows kept live from the snapshots' deltas (issue 9 item 3):
 * a change of k rows costs O(k log n) comparisons (plus moving array slots), not a sort and a
 * filter of every row. Pure: no clock, no I/O; the UI owns them (ui/sa-model.ts: every IKE_SA,
 * and those the filter shows) and feeds them `snapshot.delta`. Ties are broken by key, so the order is total and stable across updates.
 */

export interface IndexDelta {
  /** Keys whose item changed or came. */
  changed: readonly string[];
  /** Keys that went. */
  gone: readonly string[];
}

export class LiveIndex<T> {
  /** The matching items in order. */
  private order: T[] = [];
  /** Every matching item by key, as it was placed (its sort position depends on it). */
  private readonly placed: Map<string, T> | undefined;

  /**
   * `find`, when given, is the owner's own map from key to the item as placed: the index then
   * keeps none (an owner holding two indexes over the same items keeps one map, not three).
   * The owner removes an item before it changes or leaves that map.
   */
  constructor(
    private readonly keyOf: (item: T) => string,
    private readonly compare: (a: T, b: T) => number,
    private readonly matches: (item: T) => boolean = () => true,
    private readonly find?: (key: string) => T | undefined,
  ) {
    this.placed = find ? undefined : new Map();
  }

  get size(): number {
    return this.order.length;
  }

  /** Rebuilds from every item: O(n log n). For a new sort, a new filter, or a skipped delta. */
  reset(items: Iterable<T>): void {
    this.placed?.clear();
    const kept: T[] = [];
    for (const item of items) {
      if (!this.matches(item)) continue;
      kept.push(item);
      this.placed?.set(this.keyOf(item), item);
    }
    kept.sort((a, b) => this.cmp(a, b));
    this.order = kept;
  }

  /** Applies a delta; `get` looks the changed keys up in the new rows. */
  apply(delta: IndexDelta, get: (key: string) => T | undefined): void {
    for (const key of delta.gone) this.remove(key);
    for (const key of delta.changed) {
      this.remove(key);
      const item = get(key);
      if (item !== undefined) this.insert(item);
    }
  }

  /** The item placed under `key`, if it matched. */
  get(key: string): T | undefined {
    return this.placed ? this.placed.get(key) : this.find!(key);
  }

  /**
   * Places `item` (replacing the one under its key) if it matches: O(log n) comparisons.
   * Returns its position, or -1 when it does not match.
   */
  insert(item: T): number {
    this.remove(this.keyOf(item));
    if (!this.matches(item)) return -1;
    const i = this.lowerBound(item);
    this.order.splice(i, 0, item);
    this.placed?.set(this.keyOf(item), item);
    return i;
  }

  /**
   * Many changes at once: the items `dropped` says go leave, `added` (the matching ones) come
   * in, in one merge: O(n + k log k), where k splices would cost O(k·n). The owner has taken
   * the dropped items' keys out of its own map (`find`) or replaced them there.
   */
  replaceMany(dropped: (item: T) => boolean, added: readonly T[]): void {
    const fresh = added.filter((item) => this.matches(item));
    fresh.sort((a, b) => this.cmp(a, b));
    const out: T[] = [];
    let j = 0;
    for (const item of this.order) {
      if (dropped(item)) {
        this.placed?.delete(this.keyOf(item));
        continue;
      }
      while (j < fresh.length && this.cmp(fresh[j]!, item) < 0) out.push(fresh[j++]!);
      out.push(item);
    }
    while (j < fresh.length) out.push(fresh[j++]!);
    for (const item of fresh) this.placed?.set(this.keyOf(item), item);
    this.order = out;
  }

  /** Takes the item under `key` out; returns where it was, or -1. */
  remove(key: string): number {
    const i = this.indexOf(key);
    if (i >= 0) this.order.splice(i, 1);
    this.placed?.delete(key);
    return i;
  }

  /** The item at a position in the sorted, filtered order. */
  at(i: number): T | undefined {
    return this.order[i];
  }

  /** The items from `from` (inclusive) to `to` (exclusive): the visible window. */
  slice(from: number, to: number): T[] {
    return this.order.slice(Math.max(0, from), Math.max(0, to));
  }

  /** Where `key` is in the order, or -1 (filtered out, or gone): O(log n). */
  indexOf(key: string): number {
    const item = this.get(key);
    if (item === undefined) return -1;
    const i = this.lowerBound(item);
    return this.order[i] !== undefined && this.keyOf(this.order[i]!) === key ? i : -1;
  }

  private cmp(a: T, b: T): number {
    const c = this.compare(a, b);
    if (c !== 0) return c;
    const ka = this.keyOf(a);
    const kb = this.keyOf(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  }

  /** The first position whose item is not before `item`. */
  private lowerBound(item: T): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cmp(this.order[mid]!, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
