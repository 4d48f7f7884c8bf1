import { describe, expect, it } from 'vitest';
import { rng } from '../../bench/lib/stats.js';
import { LiveIndex } from '../../source/monitor/live-index.js';

interface Item {
  key: string;
  name: string;
  bytes: number;
}

const byBytes = (a: Item, b: Item) => b.bytes - a.bytes;

/** What the index must always equal: filter and sort everything from scratch. */
function expected(items: Map<string, Item>, match: (i: Item) => boolean): string[] {
  return [...items.values()]
    .filter(match)
    .sort((a, b) => byBytes(a, b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((i) => i.key);
}

describe('LiveIndex', () => {
  it('stays equal to a full filter and sort through 2,000 random changes', () => {
    const next = rng(7);
    const match = (i: Item) => i.name.includes('c1');
    const items = new Map<string, Item>();
    for (let k = 0; k < 500; k++) {
      const key = String(k);
      items.set(key, { key, name: `c${k}`, bytes: Math.floor(next() * 50) });
    }
    const index = new LiveIndex<Item>((i) => i.key, byBytes, match);
    index.reset(items.values());
    expect(index.slice(0, index.size).map((i) => i.key)).toEqual(expected(items, match));
    for (let step = 0; step < 2_000; step++) {
      const changed: string[] = [];
      const gone: string[] = [];
      for (let j = 0; j < 1 + Math.floor(next() * 4); j++) {
        const key = String(Math.floor(next() * 600));
        const r = next();
        if (r < 0.2 && items.has(key)) {
          items.delete(key);
          gone.push(key);
        } else {
          // Ties are common (bytes 0..49): the key decides among them.
          items.set(key, { key, name: `c${key}`, bytes: Math.floor(next() * 50) });
          changed.push(key);
        }
      }
      index.apply({ changed, gone }, (k) => items.get(k));
    }
    const want = expected(items, match);
    expect(index.slice(0, index.size).map((i) => i.key)).toEqual(want);
    // Selection by key: where each one is, and -1 for what the filter hides or is gone.
    for (const [pos, key] of want.entries()) expect(index.indexOf(key)).toBe(pos);
    expect(index.indexOf('2')).toBe(-1);
    expect(index.indexOf('no-such-key')).toBe(-1);
  });

  it('the visible window is a slice from the top row', () => {
    const index = new LiveIndex<Item>((i) => i.key, byBytes);
    index.reset(Array.from({ length: 10 }, (_, k) => ({ key: `k${k}`, name: 'x', bytes: k * 10 })));
    expect(index.slice(2, 5).map((i) => i.key)).toEqual(['k7', 'k6', 'k5']);
    expect(index.at(0)?.key).toBe('k9');
    expect(index.slice(8, 20).map((i) => i.key)).toEqual(['k1', 'k0']);
  });
});
