import type { IkeDelta } from './types.js';

/*
 * The last few published deltas, so a reader that skipped versions (React's
 * useSyncExternalStore renders only the newest snapshot) can still catch up in O(changes)
 * instead of rebuilding from every row. Bounded: a reader further behind than the journal
 * reaches is told so and rebuilds.
 */

const EMPTY: IkeDelta = Object.freeze({ changed: [], gone: [], reordered: false });

export class DeltaJournal {
  private readonly entries: { version: number; delta: IkeDelta }[] = [];

  constructor(private readonly capacity = 64) {}

  /** The delta that took the rows from `version - 1` to `version`. */
  record(version: number, delta: IkeDelta): void {
    this.entries.push({ version, delta });
    if (this.entries.length > this.capacity) this.entries.shift();
  }

  /**
   * What changed after `since` up to and including `upTo`, as one delta; undefined when the
   * journal no longer holds every version in between (the reader must treat all as changed).
   */
  between(since: number, upTo: number): IkeDelta | undefined {
    if (since === upTo) return EMPTY;
    if (since > upTo) return undefined;
    const first = this.entries.findIndex((e) => e.version > since);
    if (first < 0 || this.entries[first]!.version !== since + 1) return undefined;
    const changed = new Set<string>();
    const gone = new Set<string>();
    let reordered = false;
    for (let i = first; i < this.entries.length; i++) {
      const { version, delta } = this.entries[i]!;
      if (version > upTo) break;
      for (const k of delta.gone) {
        changed.delete(k);
        gone.add(k);
      }
      for (const k of delta.changed) {
        gone.delete(k);
        changed.add(k);
      }
      reordered ||= delta.reordered;
    }
    return { changed: [...changed], gone: [...gone], reordered };
  }
}
