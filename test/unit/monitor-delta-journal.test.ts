import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeltaJournal } from '../../source/monitor/delta-journal.js';

describe('DeltaJournal', () => {
  it('folds the deltas after a version into one: a key that came and went is gone', () => {
    const j = new DeltaJournal(8);
    j.record(1, { changed: ['1', '2'], gone: [], reordered: true });
    j.record(2, { changed: ['3'], gone: ['2'], reordered: false });
    j.record(3, { changed: ['2'], gone: ['3'], reordered: false });
    expect(j.between(1, 3)).toEqual({ changed: ['2'], gone: ['3'], reordered: false });
    expect(j.between(0, 3)).toEqual({ changed: ['1', '2'], gone: ['3'], reordered: true });
    // Up to an older snapshot: later entries do not leak into it.
    expect(j.between(1, 2)).toEqual({ changed: ['3'], gone: ['2'], reordered: false });
    expect(j.between(3, 3)).toEqual({ changed: [], gone: [], reordered: false });
  });

  it('says it cannot tell once the versions asked for have left the journal', () => {
    const j = new DeltaJournal(2);
    for (let v = 1; v <= 5; v++) j.record(v, { changed: [String(v)], gone: [], reordered: false });
    expect(j.between(3, 5)).toEqual({ changed: ['4', '5'], gone: [], reordered: false });
    expect(j.between(2, 5)).toBeUndefined();
    expect(j.between(6, 5)).toBeUndefined();
  });

  it('replaying the folded delta gives the same set as replaying each one', () => {
    const op = fc.record({
      changed: fc.uniqueArray(fc.integer({ min: 0, max: 9 }).map(String), { maxLength: 4 }),
      gone: fc.uniqueArray(fc.integer({ min: 0, max: 9 }).map(String), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 20 }), fc.nat(), (ops, cut) => {
        const j = new DeltaJournal(64);
        // The truth: a set of present keys, changed by each op; the journal's deltas say so.
        const present = new Set<string>();
        const states: Set<string>[] = [new Set()];
        ops.forEach((o, i) => {
          const gone = o.gone.filter((k) => !o.changed.includes(k));
          for (const k of gone) present.delete(k);
          for (const k of o.changed) present.add(k);
          j.record(i + 1, { changed: o.changed, gone, reordered: false });
          states.push(new Set(present));
        });
        const since = cut % ops.length;
        const d = j.between(since, ops.length)!;
        const replayed = new Set(states[since]);
        for (const k of d.gone) replayed.delete(k);
        for (const k of d.changed) replayed.add(k);
        expect([...replayed].sort()).toEqual([...present].sort());
      }),
    );
  });
});
