import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { ChildRow, IkeDelta, IkeRow } from '../../source/monitor/types.js';
import { SORT_ORDER } from '../../source/ui/columns.js';
import { rowLineage } from '../../source/ui/derive.js';
import {
  buildChildHaystack,
  buildIkeHaystack,
  type DisplayRow,
  type Folds,
  flatten,
  type Matched,
  NO_FOLDS,
  needleOf,
  type SortColumn,
  type SortSpec,
  sortIkes,
  toggleFold,
} from '../../source/ui/rows.js';
import { SaModel, type SaSource } from '../../source/ui/sa-model.js';
import { FITTED, measureWidths } from '../../source/ui/sa-widths.js';
import { childTree, ikeRow, ikeTree, parseIke, T0 } from './fixtures.js';

/*
 * The live model must always show exactly what filtering, sorting and flattening every row
 * from scratch shows (rows.ts, the pipeline it replaces), whatever sequence of deltas, skipped
 * versions, journals that no longer reach back, filters, sorts and folds leads there.
 */

const proto = ikeRow(
  parseIke('proto', ikeTree(1, {}, { 'net-1': childTree('net', 1), 'web-2': childTree('web', 2) })),
);
const protoChild = proto.children[0]!.sa;

const NAMES = ['rw', 'net-net', 'carol', 'c10', 'c2', 'dave'];
const NEEDLES = [
  ...['', 'rw', 'net', 'c1', '10.1', 'peer1', '198.51.100.2', 'web', 'zzz', ' C2 '],
  ...['x1', 'x2', '10.111', '.222.', '0000', 'services'],
  // Each holds the one before, so that typing on narrows the filter.
  ...['1', '10', 'c', 'peer', 'peer1', 'x', 'serv'],
];

interface Spec {
  id: number;
  v: number;
}

/**
 * A row from a number v: its counters and states come from v % 1000, and each field the
 * filter or the widths read from its own base-3 digit of v / 1000, so a change can alter
 * exactly one of them (see the bulk op).
 */
function makeRow(id: number, v: number): IkeRow {
  const key = String(id);
  const c = v % 1000;
  const d = Math.floor(v / 1000);
  const digit = (k: number) => Math.floor(d / 3 ** k) % 3;
  const nKids = c % 4;
  const children: ChildRow[] = [];
  for (let j = 0; j < nKids; j++) {
    const uid = id * 10 + j;
    const bytes = ((c * 7 + j * 13) % 5) * 1000;
    children.push({
      key: `${key}/${uid}`,
      sa: {
        ...protoChild,
        name: ['net', 'web-services', 'n'][(j + digit(3)) % 3]!,
        uniqueid: String(uid),
        spiIn: `c${uid}x${digit(4)}`,
        localTs: ['10.1.0.0/16'],
        remoteTs: [`10.${((digit(5) + j) % 3) * 111}.0.0/16`],
        installTime: (c + j) % 3 === 0 ? undefined : ((c + j) % 5) * 100,
      },
      bytesInTotal: bytes,
      bytesOutTotal: (c + j) % 3,
      packetsInTotal: 0,
      packetsOutTotal: 0,
      rateIn: j % 2 === 0 ? (c % 3) * 10 : undefined,
      listedAt: T0,
      lineage: (c + j) % 3 === 0 ? undefined : String(uid % 4),
      ghost: (c + j) % 7 === 0 ? true : undefined,
    });
  }
  return {
    key,
    sa: {
      ...proto.sa,
      name: NAMES[(id + digit(0)) % NAMES.length]!,
      uniqueid: key,
      state: c % 5 === 0 ? 'CONNECTING' : 'ESTABLISHED',
      remoteHost: `198.51.100.${(id * 3) % 30}${'0'.repeat(digit(1) * 4)}`,
      remoteId: digit(2) === 0 ? '' : `peer${(id + digit(2)) % 20}.example.test`,
      established: c % 4 === 0 ? undefined : (c % 9) * 60,
    },
    children,
    listedAt: T0 - (c % 3) * 1000,
    updatedAt: T0,
    rateIn: c % 2 === 0 ? (c % 5) * 100 : undefined,
    rateOut: (c % 3) * 50,
    lineage: c % 3 === 0 ? undefined : `L${(id + c) % 5}`,
  };
}

/** v with its counters moved on and, unless `k` is -1, its identity digit k changed. */
function bumped(v: number, k: number): number {
  const c = v % 1000;
  let d = Math.floor(v / 1000);
  if (k >= 0) {
    const old = Math.floor(d / 3 ** k) % 3;
    d += (((old + 1) % 3) - old) * 3 ** k;
  }
  return d * 1000 + ((c + 4) % 1000);
}

/** A live read-only view over the table, as the store's snapshots give (one per version). */
class LiveView implements ReadonlyMap<string, IkeRow> {
  constructor(private readonly table: Map<string, IkeRow>) {}
  get size() {
    return this.table.size;
  }
  get(k: string) {
    return this.table.get(k);
  }
  has(k: string) {
    return this.table.has(k);
  }
  keys() {
    return this.table.keys();
  }
  values() {
    return this.table.values();
  }
  entries() {
    return this.table.entries();
  }
  forEach(f: (v: IkeRow, k: string, m: ReadonlyMap<string, IkeRow>) => void) {
    for (const [k, v] of this.table) f(v, k, this);
  }
  [Symbol.iterator]() {
    return this.table.entries();
  }
}

/** A store: a table, a version, the delta of each version, how its snapshots look. */
class FakeStore {
  readonly table = new Map<string, IkeRow>();
  version = 1;
  private readonly journal: IkeDelta[] = [];
  private changed = new Set<string>();
  private gone = new Set<string>();
  ikes: ReadonlyMap<string, IkeRow>;

  constructor(
    readonly live: boolean,
    readonly journalLength: number,
  ) {
    this.ikes = this.view();
  }

  private view(): ReadonlyMap<string, IkeRow> {
    return this.live ? new LiveView(this.table) : new Map(this.table);
  }

  /** Each id's last spec value. */
  readonly vs = new Map<number, number>();

  set(s: Spec): void {
    this.vs.set(s.id, s.v);
    const had = this.table.has(String(s.id));
    if (s.v % 11 === 10 && had) {
      this.table.delete(String(s.id));
      this.changed.delete(String(s.id));
      this.gone.add(String(s.id));
      return;
    }
    this.table.set(String(s.id), makeRow(s.id, s.v));
    this.gone.delete(String(s.id));
    this.changed.add(String(s.id));
  }

  publish(): void {
    this.version++;
    const d: IkeDelta = { changed: [...this.changed], gone: [...this.gone], reordered: true };
    this.changed = new Set();
    this.gone = new Set();
    this.journal.push(d);
    if (this.journal.length > this.journalLength) this.journal.shift();
    this.ikes = this.view();
  }

  /** The snapshot as the store publishes it: with `delta`, and `changesSince` if journaled. */
  snap(mode: 'delta' | 'journal' | 'hand'): SaSource {
    const version = this.version;
    const ikes = this.ikes;
    if (mode === 'hand') return { version: 1, ikes: new Map(this.table) };
    const delta = this.journal.at(-1);
    if (mode === 'delta') return { version, ikes, delta };
    const first = version - this.journal.length;
    return {
      version,
      ikes,
      delta,
      changesSince: (v: number) => {
        if (v < first) return undefined;
        const changed = new Set<string>();
        const gone = new Set<string>();
        for (const d of this.journal.slice(v - first)) {
          for (const k of d.changed) {
            changed.add(k);
            gone.delete(k);
          }
          for (const k of d.gone) {
            gone.add(k);
            changed.delete(k);
          }
        }
        return { changed: [...changed], gone: [...gone], reordered: true };
      },
    };
  }
}

type Op =
  | {
      t: 'change';
      specs: Spec[];
      skip: number;
      mode: 'delta' | 'journal' | 'hand';
      filter?: string;
    }
  | { t: 'ahead'; specs: Spec[]; filter?: string; sort?: SortSpec }
  | { t: 'filter'; filter: string }
  | { t: 'sort'; sort: SortSpec }
  | { t: 'fold'; id: number; folded: boolean }
  | { t: 'foldAll' }
  | { t: 'bulk'; digit: number; mode: 'delta' | 'journal' | 'hand'; filter?: string }
  | { t: 'prepare'; count: number };

const spec = fc.record({ id: fc.integer({ min: 1, max: 48 }), v: fc.nat({ max: 729_000 }) });
const fewIds = fc.record({ id: fc.integer({ min: 1, max: 8 }), v: fc.nat({ max: 729_000 }) });
const specs = fc.array(spec, { minLength: 1, maxLength: 6 });
const sortSpec = fc.record({
  column: fc.constantFrom(...(SORT_ORDER as readonly SortColumn[])),
  desc: fc.boolean(),
});
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('change' as const),
      specs,
      skip: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 3 })),
      mode: fc.constantFrom(
        'delta' as const,
        'journal' as const,
        'journal' as const,
        'hand' as const,
      ),
      // A key typed into the filter that lands with the same snapshot as the change.
      filter: fc.option(fc.constantFrom(...NEEDLES), { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        t: fc.constant('ahead' as const),
        specs,
        filter: fc.constantFrom(...NEEDLES),
        sort: sortSpec,
      },
      { requiredKeys: ['t', 'specs'] },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('filter' as const),
      filter: fc.constantFrom(...NEEDLES),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('sort' as const),
      sort: sortSpec,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('fold' as const),
      // Few ids, so that the same IKE_SA is folded and unfolded again.
      id: fc.integer({ min: 1, max: 8 }),
      folded: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'foldAll' as const }) },
  {
    // The App's idle preparation of haystacks: never changes what is shown.
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('prepare' as const),
      count: fc.integer({ min: 1, max: 20 }),
    }),
  },
  {
    // Most rows at once, as a full listing with new counters: the merge path. Only counters
    // (digit -1: haystacks and widths are taken over), or also one field they are made of.
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('bulk' as const),
      digit: fc.integer({ min: -1, max: 5 }),
      filter: fc.option(fc.constantFrom(...NEEDLES), { nil: undefined }),
      mode: fc.constantFrom('delta' as const, 'journal' as const),
    }),
  },
);

/**
 * rows.ts's filterIkes with every haystack built afresh: the model's rows take cached ones
 * over from the row they replace, and this is what says whether that was right.
 */
function freshFilter(ikes: Iterable<IkeRow>, filter: string): Matched[] {
  const needle = needleOf(filter);
  const out: Matched[] = [];
  for (const ike of ikes) {
    if (needle === '' || buildIkeHaystack(ike).includes(needle)) {
      out.push({ ike, children: ike.children });
      continue;
    }
    const kids = ike.children.filter((c) => buildChildHaystack(c).includes(needle));
    if (kids.length > 0) out.push({ ike, children: kids });
  }
  return out;
}

function reference(table: Map<string, IkeRow>, filter: string, sort: SortSpec, folds: Folds) {
  return flatten(sortIkes(freshFilter(table.values(), filter), sort), folds);
}

function widthsOf(rows: readonly DisplayRow[]) {
  const max = FITTED.map(() => 0);
  for (const r of rows) {
    if (r.kind !== 'ike') continue;
    const w = measureWidths(r.ike);
    for (let i = 0; i < max.length; i++) max[i] = Math.max(max[i]!, w[i]!);
  }
  return Object.fromEntries(FITTED.map((id, i) => [id, max[i]!]));
}

function check(model: SaModel, want: readonly DisplayRow[], gone: readonly string[]): void {
  expect(model.length).toBe(want.length);
  expect(model.slice(0, model.length)).toEqual(want);
  expect(model.ikeCount).toBe(want.filter((r) => r.kind === 'ike').length);
  if (want.length > 0) expect(model.widths).toEqual(widthsOf(want));
  // A window from any top row, and single rows.
  for (const top of [0, 1, Math.floor(want.length / 2), want.length - 2, want.length]) {
    expect(model.slice(top, top + 7)).toEqual(want.slice(Math.max(0, top), Math.max(0, top + 7)));
    expect(model.at(top)).toEqual(want[top]);
  }
  expect(model.at(-1)).toBeUndefined();
  // Key → position for every row, and -1 for keys not shown.
  for (const [i, r] of want.entries()) expect(model.indexOf(r.key)).toBe(i);
  for (const key of [...gone, '999', '1/999', '40/400', '3/30']) {
    expect(model.indexOf(key)).toBe(want.findIndex((r) => r.key === key));
  }
  // Lineage → position: the first row with it, as a linear search finds it.
  const lineages = new Set<string>(['ike:L9', 'child:1/1', 'child:L2/1', 'nonsense']);
  for (const r of want) {
    const l = rowLineage(r);
    if (l !== undefined) lineages.add(l);
  }
  for (const l of lineages)
    expect(model.indexOfLineage(l)).toBe(want.findIndex((r) => rowLineage(r) === l));
}

describe('SaModel', () => {
  test('equals filter → sort → flatten of every row after any sequence of changes', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.oneof(spec, fewIds), { maxLength: 30 }),
        fc.array(op, { minLength: 1, maxLength: 25 }),
        (live, journalLength, initial, ops) => {
          const store = new FakeStore(live, journalLength);
          for (const s of initial) store.set(s);
          store.publish();
          const model = new SaModel();
          let filter = '';
          let sort: SortSpec = { column: 'name', desc: false };
          let folds: Folds = NO_FOLDS;
          let gone: string[] = [];
          const show = (snap: SaSource) => model.update({ snap, filter, sort, folds });
          show(store.snap('journal'));
          check(model, reference(store.table, filter, sort, folds), gone);
          for (const o of ops) {
            let mode: 'delta' | 'journal' | 'hand' = 'journal';
            if (o.t === 'change') {
              const before = new Set(store.table.keys());
              for (const s of o.specs) store.set(s);
              gone = [...before].filter((k) => !store.table.has(k));
              // Versions the UI never sees: useSyncExternalStore may skip them.
              for (let k = 0; k < o.skip; k++) {
                store.publish();
                store.set({ id: o.specs[0]!.id, v: o.specs[0]!.v + k + 1 });
              }
              store.publish();
              mode = o.mode;
              if (o.filter !== undefined) filter = o.filter;
            } else if (o.t === 'ahead') {
              // The live view reads rows newer than its version: the model reads them early,
              // then gets their delta with the next version.
              for (const s of o.specs) store.set(s);
              if (o.filter !== undefined) filter = o.filter;
              if (o.sort !== undefined) sort = o.sort;
              show(store.snap('journal'));
              store.publish();
            } else if (o.t === 'bulk') {
              const before = new Set(store.table.keys());
              // Every fourth id stays as it was: the merge interleaves old and new.
              for (let id = 1; id <= 48; id++)
                if (id % 4 !== 0) store.set({ id, v: bumped(store.vs.get(id) ?? id, o.digit) });
              gone = [...before].filter((k) => !store.table.has(k));
              store.publish();
              mode = o.mode;
              if (o.filter !== undefined) filter = o.filter;
            } else if (o.t === 'prepare') model.prepare(o.count);
            else if (o.t === 'filter') filter = o.filter;
            else if (o.t === 'sort') sort = o.sort;
            else if (o.t === 'fold') folds = toggleFold(folds, String(o.id), o.folded);
            else folds = { all: !folds.all, except: new Set() };
            show(store.snap(mode));
            check(model, reference(store.table, filter, sort, folds), gone);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('folding and unfolding one IKE_SA, or all, moves the rows under it', () => {
    const store = new FakeStore(true, 8);
    for (let id = 1; id <= 6; id++) store.set({ id, v: 3 });
    store.publish();
    const model = new SaModel();
    const sort: SortSpec = { column: 'id', desc: false };
    let folds: Folds = NO_FOLDS;
    const step = (f: Folds) => {
      folds = f;
      model.update({ snap: store.snap('journal'), filter: '', sort, folds });
      check(model, reference(store.table, '', sort, folds), []);
    };
    step(folds);
    step(toggleFold(folds, '3', true));
    step(toggleFold(folds, '5', true));
    step(toggleFold(folds, '3', false));
    step({ all: true, except: new Set() });
    step(toggleFold(folds, '2', false));
    step(toggleFold(folds, '2', true));
    step(NO_FOLDS);
  });

  test('idle preparation walks every IKE_SA once, and again only after many change', () => {
    const store = new FakeStore(true, 8);
    for (let id = 1; id <= 100; id++) store.set({ id, v: id * 1000 + 1 });
    store.publish();
    const model = new SaModel();
    const q = { filter: '', sort: { column: 'id', desc: false } as SortSpec, folds: NO_FOLDS };
    model.update({ snap: store.snap('journal'), ...q });
    const passes = () => {
      let n = 1;
      while (!model.prepare(30)) n++;
      return n;
    };
    const walks = () => Math.ceil(store.table.size / 30);
    expect(passes()).toBe(walks());
    expect(model.prepare(30)).toBe(true);
    // A few new rows are prepared as they come: nothing is left to walk.
    store.set({ id: 150, v: 1 });
    store.set({ id: 7, v: 2001 });
    store.publish();
    model.update({ snap: store.snap('journal'), ...q });
    expect(model.prepare(1)).toBe(true);
    // A full listing's worth of changes, or a new sort: walked again.
    for (let id = 1; id <= 60; id++) store.set({ id, v: id * 1000 + 2 });
    store.publish();
    model.update({ snap: store.snap('journal'), ...q });
    expect(passes()).toBe(walks());
    model.update({ snap: store.snap('journal'), ...q, sort: { column: 'name', desc: true } });
    expect(model.prepare(store.table.size - 1)).toBe(false);
    expect(model.prepare(1)).toBe(true);
    const filtered = model.update({ snap: store.snap('journal'), ...q, filter: 'peer1' });
    expect(filtered.slice(0, filtered.length)).toEqual(
      reference(store.table, 'peer1', q.sort, NO_FOLDS),
    );
  });

  test('a published change touches only the changed IKE_SA: the other rows are the same objects', () => {
    const store = new FakeStore(true, 8);
    for (let id = 1; id <= 200; id++) store.set({ id, v: id });
    store.publish();
    const model = new SaModel();
    const q = { filter: '', sort: { column: 'id', desc: false } as SortSpec, folds: NO_FOLDS };
    model.update({ snap: store.snap('journal'), ...q });
    const before = model.slice(0, model.length);
    store.set({ id: 7, v: 3 });
    store.publish();
    model.update({ snap: store.snap('journal'), ...q });
    const after = model.slice(0, model.length);
    expect(after).toEqual(reference(store.table, q.filter, q.sort, q.folds));
    const mine = (r: DisplayRow) => r.ike.key === '7';
    const kept = after.filter((r) => !mine(r));
    expect(kept.length).toBeGreaterThan(0);
    for (const r of kept) expect(before).toContain(r);
    expect(before.filter((r) => !mine(r)).every((r, i) => r === kept[i])).toBe(true);
  });
});
