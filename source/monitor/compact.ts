import { decodeMessage, encodeMessage, type ViciSection } from '../vici/message.js';
import type { ChildSa, IkeSa } from '../vici/views.js';
import type { ChildRow, IkeRow } from './types.js';

/*
 * A view keeps `raw`, its decoded tree: a Map holding a Buffer view per field, several KB per
 * IKE_SA with its CHILD_SA, and most of the store's memory at 10,000 SAs. Rows keep that tree
 * as bytes instead (about as large as they were on the wire) and decode it when something
 * reads `raw` (the details pane, --json, an escaped identity on screen). The decoded tree is
 * held weakly, so the rows on screen decode once, not once per frame.
 *
 * Two kinds of views get there: the listing's, which sa-decoder.ts makes compact from the
 * start (their bytes are the section's own, cut from the list-sa body), and the events',
 * parsed from trees by read-event.ts, which compactRow encodes here.
 */

/** Where a compact view's section is, and its last decoded tree while that lives. */
class RawSource {
  cache: WeakRef<ViciSection> | undefined = undefined;
  constructor(
    readonly bytes: Buffer,
    readonly start: number,
    readonly end: number,
    readonly cutStart: number,
    readonly cutEnd: number,
    /** `bytes` is the whole list-sa body the view was decoded from (sa-decoder.ts). */
    readonly isBody: boolean,
  ) {}

  tree(): ViciSection {
    let tree = this.cache?.deref();
    if (tree === undefined) {
      const { bytes, start, end, cutStart, cutEnd } = this;
      const members =
        cutStart < 0
          ? bytes.subarray(start, end)
          : Buffer.concat([bytes.subarray(start, cutStart), bytes.subarray(cutEnd, end)]);
      tree = decodeMessage(members);
      this.cache = new WeakRef(tree);
    }
    return tree;
  }
}

/*
 * The source sits under a symbol, not enumerable: equality, for-in and JSON never see it, and
 * a spread copy ({ ...sa, localHost }) does not take it along. That copy reads `raw` once into
 * a plain tree and is not compact, so compactRow compacts it again, as it must. One getter
 * shared by every view, not a closure each: V8 keeps accessors in the object's hidden class,
 * and a getter per object would give every view a class of its own.
 */
const SOURCE = Symbol('swantop.rawSource');

interface Compact {
  [SOURCE]?: RawSource;
}

function readRaw(this: Compact): ViciSection {
  return this[SOURCE]!.tree();
}

const RAW_ACCESSOR: PropertyDescriptor = { enumerable: true, configurable: true, get: readRaw };

/**
 * Makes `view.raw` the section whose members are `bytes[start, end)`, leaving out the member
 * at `[cutStart, cutEnd)` if given (an IKE_SA's `child-sas`), decoded on each read unless the
 * last decoded tree is still alive. `bytes` must be the caller's own (never a view into a
 * socket chunk) and valid: it was decoded once already; `isBody` says it is the whole list-sa
 * body the view came from (listingBody). Marks the view compact.
 */
export function defineRaw<T extends { raw: ViciSection }>(
  view: Omit<T, 'raw'>,
  bytes: Buffer,
  start: number,
  end: number,
  cutStart = -1,
  cutEnd = -1,
  isBody = false,
): T {
  Object.defineProperty(view, SOURCE, {
    value: new RawSource(bytes, start, end, cutStart, cutEnd, isBody),
  });
  Object.defineProperty(view, 'raw', RAW_ACCESSOR);
  return view as T;
}

/** The list-sa body a listing's view was decoded from; undefined for any other view. */
export function listingBody(view: object): Buffer | undefined {
  const source = (view as Compact)[SOURCE];
  return source?.isBody ? source.bytes : undefined;
}

/** True for a view whose `raw` is already kept as bytes (compactRow leaves it alone). */
export function isCompact(view: object): boolean {
  return (view as Compact)[SOURCE] !== undefined;
}

function lazyRaw<T extends { raw: ViciSection }>(view: Omit<T, 'raw'>, raw: ViciSection): T {
  // A copy: the encoder reuses its buffer between calls.
  const bytes = Buffer.from(encodeMessage(raw));
  return defineRaw<T>(view, bytes, 0, bytes.length);
}

function withoutChildSas(raw: ViciSection): ViciSection {
  if (!raw.has('child-sas')) return raw;
  const copy: ViciSection = new Map(raw);
  copy.delete('child-sas');
  return copy;
}

export function compactChildSa(sa: ChildSa): ChildSa {
  if (isCompact(sa)) return sa;
  // Built without `raw`: V8 turns an object whose data field is redefined as an accessor
  // into a dictionary (~1.9 KB per view at 40 fields: 38 MB of a 107 MB heap at 10,000 SAs).
  const { raw, ...fields } = sa;
  return lazyRaw<ChildSa>(fields, raw);
}

/** The IKE_SA's own fields; its CHILD_SAs live on in the row's children, each compacted. */
export function compactIkeSa(sa: IkeSa): IkeSa {
  if (isCompact(sa)) return sa;
  const { raw, ...fields } = sa;
  return lazyRaw<IkeSa>({ ...fields, children: [] }, withoutChildSas(raw));
}

function compactChild(row: ChildRow): ChildRow {
  return isCompact(row.sa) ? row : { ...row, sa: compactChildSa(row.sa) };
}

/** The row with every view in it compacted; the same object when there was nothing to do. */
export function compactRow(row: IkeRow): IkeRow {
  let children = row.children;
  if (children.some((c) => !isCompact(c.sa))) children = children.map(compactChild);
  if (isCompact(row.sa) && children === row.children) return row;
  return { ...row, sa: compactIkeSa(row.sa), children };
}
