import { decodeMessage, encodeMessage, type ViciSection } from '../vici/message.js';
import type { ChildSa, IkeSa } from '../vici/views.js';
import type { ChildRow, IkeRow } from './types.js';

/*
 * A view keeps `raw`, its decoded tree: a Map holding a Buffer view per field, several KB per
 * IKE_SA with its CHILD_SA, and most of the store's memory at 10,000 SAs. Rows keep that tree
 * encoded instead (one copy of the bytes, about as large as they were on the wire) and decode
 * it when something reads `raw` (the details pane, --json, an escaped identity on screen). The
 * decoded tree is held weakly, so the rows on screen decode once, not once per frame.
 */

const compacted = new WeakSet<object>();

function lazyRaw<T extends { raw: ViciSection }>(view: T, raw: ViciSection): T {
  // A copy: the encoder reuses its buffer between calls.
  const bytes = Buffer.from(encodeMessage(raw));
  let cache: WeakRef<ViciSection> | undefined;
  Object.defineProperty(view, 'raw', {
    enumerable: true,
    configurable: true,
    get(): ViciSection {
      let tree = cache?.deref();
      if (tree === undefined) {
        tree = decodeMessage(bytes);
        cache = new WeakRef(tree);
      }
      return tree;
    },
  });
  compacted.add(view);
  return view;
}

function withoutChildSas(raw: ViciSection): ViciSection {
  if (!raw.has('child-sas')) return raw;
  const copy: ViciSection = new Map(raw);
  copy.delete('child-sas');
  return copy;
}

export function compactChildSa(sa: ChildSa): ChildSa {
  if (compacted.has(sa)) return sa;
  const { raw, ...fields } = sa;
  return lazyRaw({ ...fields, raw } as ChildSa, raw);
}

/** The IKE_SA's own fields; its CHILD_SAs live on in the row's children, each compacted. */
export function compactIkeSa(sa: IkeSa): IkeSa {
  if (compacted.has(sa)) return sa;
  const { raw, ...fields } = sa;
  const view = { ...fields, children: [], raw } as IkeSa;
  return lazyRaw(view, withoutChildSas(raw));
}

function compactChild(row: ChildRow): ChildRow {
  return compacted.has(row.sa) ? row : { ...row, sa: compactChildSa(row.sa) };
}

/** The row with every view in it compacted; the same object when there was nothing to do. */
export function compactRow(row: IkeRow): IkeRow {
  let children = row.children;
  if (children.some((c) => !compacted.has(c.sa))) children = children.map(compactChild);
  if (compacted.has(row.sa) && children === row.children) return row;
  return { ...row, sa: compactIkeSa(row.sa), children };
}
