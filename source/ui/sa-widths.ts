import type { IkeRow } from '../monitor/types.js';
import type { ContentWidths } from './columns.js';
import { hostPort } from './format.js';
import { sanitize } from './sanitize.js';
import { displayWidth } from './width.js';

/*
 * The widths of the SAs view's content-sized columns: the widest cell of each over every IKE_SA
 * the view shows (not only those on screen, so the columns hold still while scrolling), kept
 * as IKE_SAs come and go rather than measured over every row per change.
 */

export const FITTED = ['name', 'id', 'local', 'remote', 'rid', 'ts'] as const;

/** Widths counted in an array; wider ones in a map. */
const SMALL = 512;

const width = (text: string) => (/^[\x20-\x7e]*$/.test(text) ? text.length : displayWidth(text));

/** Widths of an IKE_SA's and its CHILD_SAs' FITTED cells, kept while the row is unchanged. */
const rowWidths = new WeakMap<IkeRow, readonly number[]>();

export function ikeWidths(r: IkeRow): readonly number[] {
  let w = rowWidths.get(r);
  if (!w) {
    w = measureWidths(r);
    rowWidths.set(r, w);
  }
  return w;
}

/** An IKE_SA's and its CHILD_SAs' FITTED cell widths, measured (ikeWidths caches them). */
export function measureWidths(r: IkeRow): readonly number[] {
  const s = r.sa;
  const m = [
    1 + width(sanitize(s.name)),
    2 + width(sanitize(s.uniqueid)),
    width(sanitize(hostPort(s.localHost, s.localPort))),
    width(sanitize(hostPort(s.remoteHost, s.remotePort))),
    width(sanitize(s.remoteId)),
    width(s.remoteVips.map(sanitize).join(',')),
  ];
  for (const c of r.children) {
    const k = c.sa;
    m[0] = Math.max(m[0]!, 2 + width(sanitize(k.name)));
    m[1] = Math.max(m[1]!, 2 + width(sanitize(k.uniqueid)));
    m[2] = Math.max(m[2]!, width([k.protocol, k.mode].filter(Boolean).join(' ')));
    const ts = `${k.localTs.map(sanitize).join(',')} === ${k.remoteTs.map(sanitize).join(',')}`;
    m[5] = Math.max(m[5]!, k.localTs.length + k.remoteTs.length > 0 ? width(ts) : 0);
  }
  return m;
}

const same = (a: readonly string[], b: readonly string[]) =>
  a === b || (a.length === b.length && a.every((x, i) => x === b[i]));

/**
 * A new row for the same IKE_SA whose measured fields are unchanged (a listing brought new
 * counters) takes the old row's widths over instead of measuring every cell again.
 */
export function carryWidths(from: IkeRow, to: IkeRow): void {
  const w = rowWidths.get(from);
  if (w === undefined || rowWidths.has(to) || from.children.length !== to.children.length) return;
  const a = from.sa;
  const b = to.sa;
  if (
    a.name !== b.name ||
    a.uniqueid !== b.uniqueid ||
    a.localHost !== b.localHost ||
    a.localPort !== b.localPort ||
    a.remoteHost !== b.remoteHost ||
    a.remotePort !== b.remotePort ||
    a.remoteId !== b.remoteId ||
    !same(a.remoteVips, b.remoteVips)
  )
    return;
  for (let i = 0; i < from.children.length; i++) {
    const x = from.children[i]!.sa;
    const y = to.children[i]!.sa;
    if (
      x.name !== y.name ||
      x.uniqueid !== y.uniqueid ||
      x.protocol !== y.protocol ||
      x.mode !== y.mode ||
      !same(x.localTs, y.localTs) ||
      !same(x.remoteTs, y.remoteTs)
    )
      return;
  }
  rowWidths.set(to, w);
}

/**
 * The maximum of each FITTED column over a multiset of IKE_SAs: how many have each width, per
 * column, so that taking the widest one out finds the next without looking at every row.
 */
export class WidthMaxima {
  /** counts[column][width]: how many IKE_SAs have that width, for widths below SMALL. */
  private readonly counts = FITTED.map(() => new Int32Array(SMALL));
  /** The same for wider cells (rare: a daemon's long name), by width. */
  private readonly wide = FITTED.map(() => new Map<number, number>());
  private readonly max = FITTED.map(() => 0);
  private out: ContentWidths | undefined;

  /** Counts one IKE_SA's widths (ikeWidths). */
  add(w: readonly number[]): void {
    for (let i = 0; i < FITTED.length; i++) {
      const v = w[i]!;
      if (v < SMALL) this.counts[i]![v]!++;
      else this.wide[i]!.set(v, (this.wide[i]!.get(v) ?? 0) + 1);
      if (v > this.max[i]!) {
        this.max[i] = v;
        this.out = undefined;
      }
    }
  }

  /** Takes out widths that were added. */
  delete(w: readonly number[]): void {
    for (let i = 0; i < FITTED.length; i++) {
      const v = w[i]!;
      let left: number;
      if (v < SMALL) left = --this.counts[i]![v]!;
      else {
        const wide = this.wide[i]!;
        left = (wide.get(v) ?? 0) - 1;
        if (left > 0) wide.set(v, left);
        else wide.delete(v);
      }
      if (left > 0 || v !== this.max[i]) continue;
      // The widest went: the next is the largest width still counted.
      let m = 0;
      for (const k of this.wide[i]!.keys()) if (k > m) m = k;
      if (m === 0) {
        const c = this.counts[i]!;
        for (let k = v < SMALL ? v : SMALL - 1; k > 0; k--)
          if (c[k]! > 0) {
            m = k;
            break;
          }
      }
      this.max[i] = m;
      this.out = undefined;
    }
  }

  clear(): void {
    for (const c of this.counts) c.fill(0);
    for (const c of this.wide) c.clear();
    this.max.fill(0);
    this.out = undefined;
  }

  /** The widths; the same object while none changed, so a layout keyed on it stays cached. */
  widths(): ContentWidths {
    this.out ??= Object.fromEntries(FITTED.map((id, i) => [id, this.max[i]!]));
    return this.out;
  }
}
