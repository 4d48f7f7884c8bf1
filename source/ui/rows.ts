import type { ChildRow, IkeRow } from '../monitor/types.js';

/*
 * The SAs view as data, pure: what an IKE_SA and a CHILD_SA match a filter against, what they
 * sort by, folds, and the tree rows one IKE_SA shows. sa-model.ts keeps these live across
 * snapshots; filterIkes, sortIkes and flatten do the same over every row at once (the
 * reference its tests compare with).
 */

export type SortColumn =
  | 'name'
  | 'id'
  | 'state'
  | 'ver'
  | 'local'
  | 'remote'
  | 'rid'
  | 'est'
  | 'rekey'
  | 'bin'
  | 'bout'
  | 'rin'
  | 'rout';

export interface SortSpec {
  column: SortColumn;
  desc: boolean;
}

/** Folded IKE_SAs: every one when `all`, with `except` toggled against that. */
export interface Folds {
  all: boolean;
  except: ReadonlySet<string>;
}

export const NO_FOLDS: Folds = { all: false, except: new Set() };

export function isFolded(folds: Folds, key: string): boolean {
  return folds.all !== folds.except.has(key);
}

export function toggleFold(folds: Folds, key: string, folded: boolean): Folds {
  if (isFolded(folds, key) === folded) return folds;
  const except = new Set(folds.except);
  if (except.has(key)) except.delete(key);
  else except.add(key);
  return { all: folds.all, except };
}

export type DisplayRow =
  | {
      kind: 'ike';
      key: string;
      ike: IkeRow;
      /** The children shown under it (all, or those matching the filter). */
      children: readonly ChildRow[];
      folded: boolean;
    }
  | { kind: 'child'; key: string; ike: IkeRow; child: ChildRow; last: boolean };

export interface Matched {
  ike: IkeRow;
  children: readonly ChildRow[];
}

const ikeHay = new WeakMap<IkeRow, string>();
const childHay = new WeakMap<ChildRow, string>();

/**
 * What the filter looks for in an IKE_SA and in a CHILD_SA: one list each, read by the
 * haystack builders and by carryHaystacks (a new row whose fields are these same values
 * keeps the old row's haystack).
 */
const IKE_HAY = [
  'name',
  'uniqueid',
  'localHost',
  'remoteHost',
  'localId',
  'remoteId',
  'remoteEapId',
  'remoteXauthId',
  'localVips',
  'remoteVips',
] as const satisfies readonly (keyof IkeRow['sa'])[];
const CHILD_HAY = [
  'name',
  'uniqueid',
  'spiIn',
  'spiOut',
  'localTs',
  'remoteTs',
] as const satisfies readonly (keyof ChildRow['sa'])[];

type HayValue = string | undefined | readonly string[];

function haystackOf<T>(sa: T, fields: readonly (keyof T)[]): string {
  const parts: string[] = [];
  for (const f of fields) {
    const v = sa[f] as HayValue;
    if (Array.isArray(v)) {
      for (const x of v) if (x) parts.push(x);
    } else if (v) parts.push(v as string);
  }
  return parts.join('\n').toLowerCase();
}

function sameHay<T>(a: T, b: T, fields: readonly (keyof T)[]): boolean {
  for (const f of fields) {
    const x = a[f] as HayValue;
    const y = b[f] as HayValue;
    if (x === y) continue;
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

/** What the filter looks for an IKE_SA in (cached per row by ikeHaystack). */
export function buildIkeHaystack(r: IkeRow): string {
  return haystackOf(r.sa, IKE_HAY);
}

/** What the filter looks for a CHILD_SA in. */
export function buildChildHaystack(r: ChildRow): string {
  return haystackOf(r.sa, CHILD_HAY);
}

function ikeHaystack(r: IkeRow): string {
  let h = ikeHay.get(r);
  if (h === undefined) {
    h = buildIkeHaystack(r);
    ikeHay.set(r, h);
  }
  return h;
}

function childHaystack(r: ChildRow): string {
  let h = childHay.get(r);
  if (h === undefined) {
    h = buildChildHaystack(r);
    childHay.set(r, h);
  }
  return h;
}

/**
 * A new row for the same IKE_SA (a listing brought new counters) usually matches exactly as
 * the old one did: its haystacks are taken over when the fields they are made of are the
 * same, so a filter after a full listing does not build every row's haystack again.
 */
export function carryHaystacks(from: IkeRow, to: IkeRow): void {
  const h = ikeHay.get(from);
  if (h !== undefined && !ikeHay.has(to) && sameHay(from.sa, to.sa, IKE_HAY)) ikeHay.set(to, h);
  for (let i = 0; i < to.children.length; i++) {
    // Children usually keep their places; one that moved is simply measured again.
    const c = to.children[i]!;
    const o = from.children[i];
    const ch = o === undefined || o.key !== c.key ? undefined : childHay.get(o);
    if (ch === undefined || childHay.has(c)) continue;
    if (sameHay(o!.sa, c.sa, CHILD_HAY)) childHay.set(c, ch);
  }
}

/** Builds (and keeps) an IKE_SA's and its children's haystacks now, ahead of a filter. */
export function prepareHaystacks(ike: IkeRow): void {
  ikeHaystack(ike);
  for (const c of ike.children) childHaystack(c);
}

/** The filter as it is matched: trimmed, lower case; '' matches everything. */
export function needleOf(filter: string): string {
  return filter.trim().toLowerCase();
}

/**
 * The children an IKE_SA shows under a needle, or undefined when it does not show: an IKE_SA
 * that matches shows all its children; otherwise it shows with the children that match.
 */
export function shownChildren(ike: IkeRow, needle: string): readonly ChildRow[] | undefined {
  if (needle === '' || ikeHaystack(ike).includes(needle)) return ike.children;
  // Most IKE_SAs match nothing: no array is made for them.
  let kids: ChildRow[] | undefined;
  for (const c of ike.children) {
    if (!childHaystack(c).includes(needle)) continue;
    if (kids === undefined) kids = [c];
    else kids.push(c);
  }
  return kids;
}

export function filterIkes(ikes: Iterable<IkeRow>, filter: string): Matched[] {
  const needle = needleOf(filter);
  const out: Matched[] = [];
  for (const ike of ikes) {
    const children = shownChildren(ike, needle);
    if (children !== undefined) out.push({ ike, children });
  }
  return out;
}

export type SortKey = string | number | undefined;
type Key = SortKey;

/** The value an IKE_SA sorts by; NaN sorts as missing, so the order stays total. */
export function ikeSortKey(r: IkeRow, c: SortColumn): Key {
  const k = rawIkeKey(r, c);
  return Number.isNaN(k) ? undefined : k;
}

function childSortKey(r: ChildRow, c: SortColumn): Key {
  const k = rawChildKey(r, c);
  return Number.isNaN(k) ? undefined : k;
}

function rawIkeKey(r: IkeRow, c: SortColumn): Key {
  const s = r.sa;
  switch (c) {
    case 'name':
      return s.name;
    case 'id':
      return Number(s.uniqueid) || s.uniqueid;
    case 'state':
      return s.state;
    case 'ver':
      return s.version;
    case 'local':
      return s.localHost;
    case 'remote':
      return s.remoteHost;
    case 'rid':
      return s.remoteId;
    // Ages and countdowns compare as absolute instants: rows listed at different times agree.
    case 'est':
      return s.established === undefined ? undefined : -(r.listedAt - s.established * 1000);
    case 'rekey':
      return s.rekeyTime === undefined ? undefined : r.listedAt + s.rekeyTime * 1000;
    case 'bin':
      return sum(r.children, (c) => (c.ghost ? 0 : c.bytesInTotal));
    case 'bout':
      return sum(r.children, (c) => (c.ghost ? 0 : c.bytesOutTotal));
    case 'rin':
      return r.rateIn;
    case 'rout':
      return r.rateOut;
  }
}

function rawChildKey(r: ChildRow, c: SortColumn): Key {
  const s = r.sa;
  switch (c) {
    case 'name':
      return s.name;
    case 'id':
      return Number(s.uniqueid) || s.uniqueid;
    case 'state':
      return s.state;
    case 'est':
      return s.installTime === undefined ? undefined : -(r.listedAt - s.installTime * 1000);
    case 'rekey':
      return s.rekeyTime === undefined ? undefined : r.listedAt + s.rekeyTime * 1000;
    case 'bin':
      return r.bytesInTotal;
    case 'bout':
      return r.bytesOutTotal;
    case 'rin':
      return r.rateIn;
    case 'rout':
      return r.rateOut;
    default:
      return undefined;
  }
}

function sum<T>(xs: readonly T[], f: (x: T) => number): number {
  let n = 0;
  for (const x of xs) n += f(x);
  return n;
}

/** Numbers inside names compare as numbers: c2 before c10, as a person reads them. */
const natural = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

/** Missing values sort last in both directions; numbers before strings. */
export function compareKeys(a: Key, b: Key, desc: boolean): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  let r: number;
  if (typeof a === 'number' && typeof b === 'number') r = a - b;
  else if (typeof a === 'number') r = -1;
  else if (typeof b === 'number') r = 1;
  else r = natural.compare(a, b);
  return desc ? -r : r;
}

/** Equal keys keep a fixed order whatever the direction: ascending unique id. */
export function byId(a: string, b: string): number {
  return Number(a) - Number(b) || natural.compare(a, b);
}

export function sortIkes(rows: readonly Matched[], sort: SortSpec): Matched[] {
  const keyed = rows.map((m, i) => ({ m, i, k: ikeSortKey(m.ike, sort.column) }));
  keyed.sort(
    (x, y) =>
      compareKeys(x.k, y.k, sort.desc) ||
      byId(x.m.ike.sa.uniqueid, y.m.ike.sa.uniqueid) ||
      x.i - y.i,
  );
  return keyed.map(({ m }) => {
    const children = sortChildren(m.children, sort);
    return children === m.children ? m : { ike: m.ike, children };
  });
}

/** One IKE_SA's shown children in the sort's order (the same array when that is unchanged). */
export function sortChildren(children: readonly ChildRow[], sort: SortSpec): readonly ChildRow[] {
  if (children.length < 2) return children;
  const kids = children.map((c, i) => ({ c, i, k: childSortKey(c, sort.column) }));
  if (kids.every((k) => k.k === undefined)) return children;
  kids.sort(
    (x, y) =>
      compareKeys(x.k, y.k, sort.desc) || byId(x.c.sa.uniqueid, y.c.sa.uniqueid) || x.i - y.i,
  );
  return kids.map((k) => k.c);
}

export function flatten(rows: readonly Matched[], folds: Folds): DisplayRow[] {
  const out: DisplayRow[] = [];
  for (const { ike, children } of rows) out.push(...ikeDisplayRows(ike, children, folds));
  return out;
}

/** One IKE_SA's rows: its own, then (unless folded) its shown children's, the last marked. */
export function ikeDisplayRows(
  ike: IkeRow,
  children: readonly ChildRow[],
  folds: Folds,
): DisplayRow[] {
  const folded = isFolded(folds, ike.key);
  const out: DisplayRow[] = [{ kind: 'ike', key: ike.key, ike, children, folded }];
  if (folded) return out;
  children.forEach((child, i) => {
    out.push({ kind: 'child', key: child.key, ike, child, last: i === children.length - 1 });
  });
  return out;
}
