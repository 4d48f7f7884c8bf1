import { scrollTo } from '../sa-view.js';
import type { ListState } from '../state.js';

/*
 * The behaviour every list shares (SAs, Connections, Events): moving the selection by a step,
 * a page, to either end; tagging. Written once; each pane says how its rows are keyed.
 */

/** Where a move goes: by a number of rows, or to the first or last row. */
export type Move = number | 'top' | 'bottom';

export function moveTarget(selected: number, count: number, m: Move): number {
  if (m === 'top') return 0;
  if (m === 'bottom') return Math.max(0, count - 1);
  return selected + m;
}

/** Rows a selection can move over: an array, or a view that makes rows on demand. */
export interface RowList<R> {
  readonly length: number;
  at(i: number): R | undefined;
}

/** The list with its selection moved to row `to` (clamped), kept in the window. */
export function selectRow<T, R>(
  list: ListState<T>,
  rows: RowList<R>,
  to: number,
  top: number,
  height: number,
  keyOf: (r: R) => string,
  lineageOf?: (r: R) => string | undefined,
): ListState<T> {
  const p = scrollTo(to, top, rows.length, height);
  const row = rows.at(p.selected);
  return {
    ...list,
    index: p.selected,
    top: p.top,
    key: row === undefined ? undefined : keyOf(row),
    lineage: row === undefined ? undefined : lineageOf?.(row),
  };
}

/** Tags or untags one row. */
export function toggleTag<T>(list: ListState<T>, key: string, target: T): ListState<T> {
  const tags = new Map(list.tags);
  if (tags.has(key)) tags.delete(key);
  else tags.set(key, target);
  return { ...list, tags };
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Names for a confirmation: the first few, then "and N more". */
export function firstFew(names: readonly string[], shown = 4): string[] {
  if (names.length <= shown) return [...names];
  return [...names.slice(0, shown - 1), `and ${names.length - shown + 1} more`];
}
