import { describe, expect, test } from 'vitest';
import { filterIkes, flatten, NO_FOLDS, sortIkes, toggleFold } from '../../source/ui/rows.js';
import { SaModel, type SaQuery, type SaRows } from '../../source/ui/sa-model.js';
import { childTree, ikeRow, ikeTree, parseIke, T0 } from './fixtures.js';

const rows = [
  ikeRow(
    parseIke(
      'bravo',
      ikeTree(
        2,
        { 'remote-vips': ['10.9.0.7'] },
        {
          'a-20': childTree('a', 20, { 'bytes-in': '500' }),
          'b-21': childTree('b', 21, { 'bytes-in': '9000', 'remote-ts': ['172.16.5.0/24'] }),
        },
      ),
    ),
  ),
  ikeRow(parseIke('alpha', ikeTree(1, { state: 'CONNECTING', established: '10' }))),
  ikeRow(parseIke('charlie', ikeTree(3, { 'remote-host': '203.0.113.77' }))),
];

const keys = (rs: readonly { key: string }[]) => rs.map((r) => r.key);
const shown = (m: SaRows) => m.slice(0, m.length);

describe('rows', () => {
  test('flatten puts CHILD_SAs under their IKE_SA, last one marked', () => {
    const flat = flatten(filterIkes(rows, ''), NO_FOLDS);
    expect(flat.map((r) => `${r.kind}:${r.key}`)).toEqual([
      'ike:2',
      'child:2/20',
      'child:2/21',
      'ike:1',
      'child:1/10',
      'ike:3',
      'child:3/30',
    ]);
    const last = flat[2]!;
    expect(last.kind === 'child' && last.last).toBe(true);
  });

  test('folding hides the children of one IKE_SA, or of all', () => {
    const folded = toggleFold(NO_FOLDS, '2', true);
    expect(keys(flatten(filterIkes(rows, ''), folded))).toEqual(['2', '1', '1/10', '3', '3/30']);
    const all = { all: true, except: new Set<string>() };
    expect(keys(flatten(filterIkes(rows, ''), all))).toEqual(['2', '1', '3']);
    expect(keys(flatten(filterIkes(rows, ''), toggleFold(all, '3', false)))).toEqual([
      '2',
      '1',
      '3',
      '3/30',
    ]);
    expect(toggleFold(folded, '2', true)).toBe(folded);
  });

  test('filter is case-insensitive over names, ids, hosts, virtual IPs and selectors', () => {
    expect(keys(filterIkes(rows, 'ALPHA').map((m) => m.ike))).toEqual(['1']);
    expect(keys(filterIkes(rows, '203.0.113').map((m) => m.ike))).toEqual(['3']);
    expect(keys(filterIkes(rows, '10.9.0.7').map((m) => m.ike))).toEqual(['2']);
    expect(keys(filterIkes(rows, 'peer3.EXAMPLE').map((m) => m.ike))).toEqual(['3']);
    // A selector of one child: the IKE_SA shows with that child only.
    const bySelector = filterIkes(rows, '172.16.5');
    expect(keys(bySelector.map((m) => m.ike))).toEqual(['2']);
    expect(keys(bySelector[0]!.children)).toEqual(['2/21']);
    expect(filterIkes(rows, 'nothing-like-this')).toEqual([]);
  });

  test('sort by any column, both ways, children too; missing values last', () => {
    const all = filterIkes(rows, '');
    expect(keys(sortIkes(all, { column: 'name', desc: false }).map((m) => m.ike))).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(keys(sortIkes(all, { column: 'name', desc: true }).map((m) => m.ike))).toEqual([
      '3',
      '2',
      '1',
    ]);
    expect(keys(sortIkes(all, { column: 'id', desc: false }).map((m) => m.ike))).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(keys(sortIkes(all, { column: 'state', desc: false }).map((m) => m.ike))).toEqual([
      '1',
      '2',
      '3',
    ]);
    // Ascending by the age shown: the youngest IKE_SA (established 10 s ago) first.
    expect(keys(sortIkes(all, { column: 'est', desc: false }).map((m) => m.ike))[0]).toBe('1');
    expect(keys(sortIkes(all, { column: 'est', desc: true }).map((m) => m.ike))[2]).toBe('1');
    const byIn = sortIkes(all, { column: 'bin', desc: true });
    expect(keys(byIn.find((m) => m.ike.key === '2')!.children)).toEqual(['2/21', '2/20']);
    expect(keys(byIn.map((m) => m.ike)).at(-1)).toBe('2');
  });

  test('ids sort numerically, not as text', () => {
    const many = [ikeRow(parseIke('x', ikeTree(10))), ikeRow(parseIke('y', ikeTree(9)))];
    expect(
      keys(sortIkes(filterIkes(many, ''), { column: 'id', desc: false }).map((m) => m.ike)),
    ).toEqual(['9', '10']);
  });

  test('numbers in names and identities sort naturally: c2 before c10', () => {
    const named = [1, 10, 11, 2, 3].map((n) =>
      ikeRow(parseIke('scale', ikeTree(n, { 'remote-id': `c${n}.clients.swantop.test` }))),
    );
    const by = (desc: boolean) =>
      sortIkes(filterIkes(named, ''), { column: 'rid', desc }).map((m) => m.ike.sa.remoteId);
    expect(by(false)).toEqual([1, 2, 3, 10, 11].map((n) => `c${n}.clients.swantop.test`));
    expect(by(true)).toEqual([11, 10, 3, 2, 1].map((n) => `c${n}.clients.swantop.test`));
  });

  test('equal keys come out in ascending id, in both directions', () => {
    // The daemon's order: 30, 4, 12; all named alike.
    const same = [30, 4, 12].map((n) => ikeRow(parseIke('scale', ikeTree(n))));
    for (const desc of [false, true])
      expect(
        keys(sortIkes(filterIkes(same, ''), { column: 'name', desc }).map((m) => m.ike)),
      ).toEqual(['4', '12', '30']);
  });

  test('the model recomputes only what changed, by identity', () => {
    const model = new SaModel();
    const ikes = new Map(rows.map((r) => [r.key, r]));
    const q: SaQuery = {
      snap: { version: 1, ikes },
      filter: '',
      sort: { column: 'name', desc: false },
      folds: NO_FOLDS,
    };
    const a = shown(model.update(q));
    // Nothing changed: the very row objects come back, none is made again.
    expect(shown(model.update({ ...q }))).toEqual(a);
    for (const [i, r] of shown(
      model.update({ ...q, sort: { column: 'name', desc: false } }),
    ).entries())
      expect(r).toBe(a[i]);
    expect(keys(shown(model.update({ ...q, filter: 'alpha' })))).toEqual(['1', '1/10']);
    const c = shown(model.update({ ...q, snap: { version: 1, ikes: new Map(ikes) } }));
    expect(keys(c)).toEqual(keys(a));
  });

  test('10,000 IKE_SAs flatten, filter and sort', () => {
    const big = new Map<string, ReturnType<typeof ikeRow>>();
    const proto = rows[0]!;
    for (let i = 0; i < 10_000; i++) {
      const key = String(i);
      big.set(key, {
        ...proto,
        key,
        sa: { ...proto.sa, uniqueid: key, name: `c${i % 97}` },
        listedAt: T0,
      });
    }
    const out = new SaModel().update({
      snap: { version: 1, ikes: big },
      filter: 'c42',
      sort: { column: 'name', desc: false },
      folds: NO_FOLDS,
    });
    expect(out.ikeCount).toBe(103);
    expect(shown(out).filter((r) => r.kind === 'ike').length).toBe(103);
  });
});
