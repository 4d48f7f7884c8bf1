import {
  decodeMessage,
  encodeMessage,
  type ViciElement,
  type ViciSection,
} from '../vici/message.js';
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

/**
 * A view's `raw` kept as its encoded bytes: a Map to its readers, decoded on first use and
 * held weakly, so the rows on screen decode once and the rest cost their bytes. `raw` stays
 * a plain field holding this object. It used to be an accessor put over the field, and V8
 * turns an object whose field is redefined as an accessor into a dictionary (a hash table):
 * ~1.9 KB per view at 40 fields, 38 MB of the heap at 10,000 SAs.
 */
class EncodedSection extends Map<string, ViciElement> {
  private cache: WeakRef<ViciSection> | undefined;

  constructor(private readonly bytes: Buffer) {
    super();
  }

  private tree(): ViciSection {
    let tree = this.cache?.deref();
    if (tree === undefined) {
      tree = decodeMessage(this.bytes);
      this.cache = new WeakRef(tree);
    }
    return tree;
  }

  override get size(): number {
    return this.tree().size;
  }
  override get(key: string): ViciElement | undefined {
    return this.tree().get(key);
  }
  override has(key: string): boolean {
    return this.tree().has(key);
  }
  override keys(): MapIterator<string> {
    return this.tree().keys();
  }
  override values(): MapIterator<ViciElement> {
    return this.tree().values();
  }
  override entries(): MapIterator<[string, ViciElement]> {
    return this.tree().entries();
  }
  override [Symbol.iterator](): MapIterator<[string, ViciElement]> {
    return this.tree().entries();
  }
  override forEach(
    fn: (value: ViciElement, key: string, map: Map<string, ViciElement>) => void,
    thisArg?: unknown,
  ): void {
    for (const [k, v] of this.tree()) fn.call(thisArg, v, k, this);
  }
  // What the daemon sent is not ours to change.
  override set(): this {
    throw new TypeError("a row's raw section is read-only");
  }
  override delete(): boolean {
    throw new TypeError("a row's raw section is read-only");
  }
  override clear(): void {
    throw new TypeError("a row's raw section is read-only");
  }
}

/** The section's bytes, as a Map that decodes them when read. */
export function encodedSection(raw: ViciSection): ViciSection {
  if (raw instanceof EncodedSection) return raw;
  // A copy: the encoder reuses its buffer between calls.
  return new EncodedSection(Buffer.from(encodeMessage(raw)));
}

function lazyRaw<T extends { raw: ViciSection }>(view: T, raw: ViciSection): T {
  view.raw = encodedSection(raw);
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
  return lazyRaw({ ...sa }, sa.raw);
}

/** The IKE_SA's own fields; its CHILD_SAs live on in the row's children, each compacted. */
export function compactIkeSa(sa: IkeSa): IkeSa {
  if (compacted.has(sa)) return sa;
  return lazyRaw({ ...sa, children: [] }, withoutChildSas(sa.raw));
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
